"""Where episodes are evaluated: on this machine (threads over the local sandbox), or on a Ray cluster.

Both take organs (domain -> source) and episodes as data and return EpisodeResults in episode order,
with each episode's turn record written under the run directory by the caller's process. A Ray worker
runs the same sandbox (every layer, on its own machine), evaluates one episode per task, and ships
back the result and the episode's record (one standalone turns.jsonl.gz, its blobs inline); the
parent re-records it into the run, so its blobs join the run's store. The parent still computes
nothing it has not checked: verdicts come from the same verifier code, run on the worker as data.
`local` is the default.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from stem.agent import StemAgent, TraceTarget
from stem.benchmark.episode import EpisodeResult
from stem.benchmark.episode_model import Episode
from stem.errors import StemError
from stem.runtime.sandbox import REUSED_EPISODES_SESSION_MIN_TURNS, Sandbox
from stem.turn_records import RECORD_FILE, RecordPlace, adopt

TraceDir = Callable[[Episode], TraceTarget]


class LocalExecutor:
    name = "local"

    def __init__(self, sandbox: Sandbox, workers: int):
        self.sandbox, self.workers = sandbox, workers

    def run(self, organs: dict[str, str], episodes: list[Episode], trace_dir: TraceDir,
            on_done: Callable[[EpisodeResult], None] = lambda r: None) -> list[EpisodeResult]:
        return StemAgent(self.sandbox, organs).run_episodes(episodes, trace_dir, self.workers, on_done)

    def close(self) -> None:
        pass


_WORKER_SANDBOX: Sandbox | None = None


def _episode_on_worker(organs: dict[str, str], episode: dict, unsafe: bool, domain_paths: list[str],
                       keep: str = "all") -> tuple:
    """One episode on a Ray worker, in that worker's own sandbox; returns the result and the bytes of
    its standalone turn record (None when `keep` leaves none)."""
    global _WORKER_SANDBOX
    from stem.benchmark import domains
    if domain_paths:
        domains.discover([Path(p) for p in domain_paths])
    if _WORKER_SANDBOX is None:
        _WORKER_SANDBOX = Sandbox(unsafe_no_isolation=unsafe, session_min_turns=REUSED_EPISODES_SESSION_MIN_TURNS)
    ep = Episode.model_validate(episode)
    with tempfile.TemporaryDirectory(prefix="stem-ray-") as tmp:
        result = StemAgent(_WORKER_SANDBOX, organs).run_episode(ep, RecordPlace(Path(tmp), None, keep))
        record = Path(tmp) / RECORD_FILE
        data = record.read_bytes() if record.is_file() else None
    return result, data


class RayExecutor:
    """Episodes as Ray tasks. `address`: a cluster to join (ray://host:10001 or host:6379); None starts
    a local Ray instance with this machine's cores."""
    name = "ray"

    def __init__(self, address: str | None, unsafe: bool, domain_paths: list[Path]):
        try:
            import ray
        except ImportError:
            raise StemError("--executor ray needs Ray: pip install 'stem[ray]' (or pip install ray)") from None
        self.ray, self.unsafe = ray, unsafe
        self.domain_paths = [str(p) for p in domain_paths if p.is_dir()]
        if not ray.is_initialized():
            try:
                ray.init(address=address, include_dashboard=False, log_to_driver=False)
            except Exception as exc:  # a cluster that cannot be reached is one line
                raise StemError(f"cannot start or join Ray ({address or 'local'}): {str(exc)[:200]}") from None
        self.remote = ray.remote(_episode_on_worker)

    def run(self, organs: dict[str, str], episodes: list[Episode], trace_dir: TraceDir,
            on_done: Callable[[EpisodeResult], None] = lambda r: None) -> list[EpisodeResult]:
        places = [_place(trace_dir(ep)) for ep in episodes]
        futures = [self.remote.remote(organs, ep.model_dump(mode="json"), self.unsafe, self.domain_paths,
                                      place.keep if place is not None else "none")
                   for ep, place in zip(episodes, places)]
        results = []
        for place, fut in zip(places, futures):
            result, data = self.ray.get(fut)
            if place is not None and data is not None:
                adopt(data, place.folder, place)
            results.append(result)
            on_done(result)
        return results

    def close(self) -> None:
        if self.ray.is_initialized():
            self.ray.shutdown()


def _place(target: TraceTarget) -> RecordPlace | None:
    return RecordPlace(Path(target)) if isinstance(target, (str, Path)) else target


def build(kind: str, sandbox: Sandbox, workers: int, address: str | None, unsafe: bool,
          domain_paths: list[Path]) -> Any:
    if kind == "local":
        return LocalExecutor(sandbox, workers)
    if kind == "ray":
        return RayExecutor(address, unsafe, domain_paths)
    raise StemError(f"unknown executor '{kind}'; use local or ray")
