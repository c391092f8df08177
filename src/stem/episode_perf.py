"""`stem perf episode`: one many-turn episode through the real sandbox and the real EpisodeRunner, on
each episode path (organ session, fork server, fresh process per turn), with total seconds and
per-turn latency.

Until the binpacking domain exists, the episode comes from a synthetic domain defined here, shaped
like online bin packing: turn 1 gives `rules`, `capacity`, `item_count` and `bins` ([]); each data
turn gives `items` (exactly one size) and `bins` (the remaining capacity of every open bin, growing
to ~2,000 entries over 5,000 items); the organ answers `action: {"place": [b]}` (an open bin, or -1
for a new one) and the environment applies it; the final turn gives `bins` and the output contract.
Sizes follow the Weibull shape 3, scale 45 distribution rounded and clipped to [1, 100], capacity
100. The sizes are kept on the private side (never in the episode's public directory) and given one
per turn. Any registered domain can be measured instead (`domain=`, a level and a seed); the organ is
a file (by default the hand-written Best Fit fixture of a source checkout).
"""

from __future__ import annotations

import math
import random
import shutil
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from stem.benchmark import domains
from stem.benchmark.domain_api import ActionFailure, Domain, Environment
from stem.benchmark.episode import EpisodeRunner
from stem.benchmark.episode_model import Episode
from stem.benchmark.manifest import OutputContract, TaskManifest, TurnSpec
from stem.benchmark.verdict import Check, check
from stem.errors import StemError
from stem.runtime.organ_turn import organ_turn
from stem.runtime.sandbox import MODES, Sandbox
from stem.turn_records import RecordPlace

SYNTHETIC = "synthetic"
CAPACITY = 100
DEFAULT_ORGAN = Path(__file__).resolve().parents[2] / "tests" / "fixtures" / "organs" / "best_fit_binpacking_organ.py"
GOAL_SECONDS = 5.0  # a 5,000-item (5,002-turn) episode on this project's 2-core machine


def weibull_sizes(count: int, seed: int) -> list[int]:
    rng = random.Random(seed)
    return [min(CAPACITY, max(1, round(rng.weibullvariate(45, 3)))) for _ in range(count)]


class PlacementEnvironment(Environment):
    """Keeps the open bins; gives one item per data turn and applies the organ's placement."""

    def __init__(self, episode: Episode):
        self.rules = episode.public_files.get("rules.txt", "")
        self.items: list[int] = episode.private["items"]
        self.capacity = int(episode.private["capacity"])
        self.bins: list[int] = []
        self.item = -1  # index of the item shown on the current turn

    def observe(self, turn: int, delta: dict[str, Any], final: bool) -> dict[str, Any]:
        if turn == 1:
            return {"rules": self.rules, "capacity": self.capacity, "item_count": len(self.items), "bins": []}
        if final:
            return {"bins": list(self.bins)}
        self.item = turn - 2
        return {"items": [self.items[self.item]], "bins": list(self.bins)}

    def act(self, turn: int, action: dict[str, Any] | None, final: bool) -> dict[str, Any]:
        if turn == 1 or final:
            return {}
        place = (action or {}).get("place")
        size = self.items[self.item]
        if not isinstance(place, list) or len(place) != 1 or not isinstance(place[0], int):
            raise ActionFailure("placement_error", f"item {self.item} (size {size}): 'place' must list exactly one bin")
        target = place[0]
        if target == -1:
            self.bins.append(self.capacity - size)
        elif 0 <= target < len(self.bins) and self.bins[target] >= size:
            self.bins[target] -= size
        else:
            raise ActionFailure("placement_error", f"item {self.item} (size {size}) does not fit bin {target}")
        return {}

    def record(self) -> Any:
        return {"bins_used": len(self.bins), "placed": self.item + 1}


class SyntheticBins(Domain):
    """The measurement's stand-in for online bin packing (registered only while it is measured)."""
    name = "perf_synthetic_bins"
    short = "perfbins"
    levels = (1,)
    rules = ("Online bin packing (a synthetic episode for stem perf episode): place each item, as it arrives, "
             "into an open bin with room (its index) or a new bin (-1).")
    scores_without_answer = True

    def __init__(self, items: int = 5000):
        self.item_count = items

    def generate(self, seed: int, level: int, split: str = "adhoc") -> Episode:
        count = self.item_count
        turns = [TurnSpec(turn=1, event="start", instruction="items arrive one per turn; place each")]
        turns += [TurnSpec(turn=t, event="data") for t in range(2, count + 2)]
        turns.append(TurnSpec(turn=count + 2, event="finalize", instruction="report the bins you used"))
        manifest = TaskManifest(domain=self.name, episode_id=f"{self.short}-s{seed}-d{level}", split="adhoc",
                                seed=seed, difficulty=level, min_turns=len(turns), turns=turns,
                                output_contract=OutputContract(artifact_keys=["bins_used"],
                                                               description='{"bins_used": n}'))
        items = weibull_sizes(count, seed)
        return Episode(manifest=manifest, public_files={"rules.txt": self.rules},
                       private={"items": items, "capacity": CAPACITY, "lower_bound": math.ceil(sum(items) / CAPACITY)})

    def environment(self, episode: Episode) -> Environment:
        return PlacementEnvironment(episode)

    def verify(self, episode: Episode, artifact: Any, record: Any = None) -> list[Check]:
        used = (record or {}).get("bins_used", 0)
        placed = (record or {}).get("placed", 0)
        lower = episode.private["lower_bound"]
        claim = artifact.get("bins_used") if isinstance(artifact, dict) else None
        return [check("every_item_placed", placed == len(episode.private["items"]), len(episode.private["items"]),
                      placed, "not every item was placed"),
                check("claim_matches_packing", claim == used, used, claim, "bins_used differs from the recorded packing"),
                check("lower_bound", used >= lower, f">= {lower}", used, "fewer bins than the lower bound")]


def _percentile(ordered: list[float], q: float) -> float:
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def _run(path: str, episode: Episode, source: str, unsafe: bool, keep: str) -> dict:
    """One episode on one path: the real runner, the real turn function and the run's turn recorder
    (a temporary run folder's blob store, logs.keep_turns `keep`), timed from outside."""
    latencies: list[float] = []
    scratch = Path(tempfile.mkdtemp(prefix="stem-perf-episode-"))
    place = RecordPlace(scratch / "episode", scratch / "blobs", keep) if keep != "none" else None
    with Sandbox(unsafe_no_isolation=unsafe, mode=path) as sandbox:
        episode_dir = sandbox.stage(episode.public_files)
        started = time.perf_counter()
        turn = organ_turn(sandbox, source, episode_dir, check=False)

        def timed(observation: dict) -> Any:
            t = time.perf_counter()
            try:
                return turn(observation)
            finally:
                latencies.append((time.perf_counter() - t) * 1000)

        try:
            result = EpisodeRunner(episode, place, sandbox.artifacts_dir(episode_dir)).run(timed)
        finally:
            turn.close()
        total = time.perf_counter() - started
    recorded = sum(f.stat().st_size for f in scratch.rglob("*") if f.is_file())
    shutil.rmtree(scratch, ignore_errors=True)
    ordered = sorted(latencies)
    return {"path": path, "fallback": turn.fallback if path == "session" else "",
            "turns_run": result.turns_run, "total_seconds": round(total, 3),
            "turn_median_ms": round(statistics.median(ordered), 3), "turn_p95_ms": round(_percentile(ordered, 0.95), 3),
            "turn_max_ms": round(ordered[-1], 3), "first_turn_ms": round(latencies[0], 3),
            "outside_turns_seconds": round(total - sum(latencies) / 1000, 3), "record_bytes": recorded,
            "verdict": {"success": result.verdict.success, "score": round(result.verdict.score, 4),
                        "tags": result.verdict.tags, "record": result.record}}


def namespace_rebuild_us(source: str, repeats: int = 2000) -> float:
    """Microseconds to execute the compiled organ into a fresh namespace (what a session pays per turn
    to rebuild module-level names), measured in this process."""
    code = compile(source, "<organ>", "exec")
    start = time.perf_counter()
    for _ in range(repeats):
        namespace: dict = {"__name__": "organ"}
        exec(code, namespace)  # the organ file the caller measures: the same code the session executes per turn
        namespace.clear()
    return round((time.perf_counter() - start) / repeats * 1e6, 2)


def read_source(organ: Path | None) -> tuple[Path, str]:
    path = organ or DEFAULT_ORGAN
    if organ is None and not path.is_file():
        raise StemError("the default organ (tests/fixtures/organs/best_fit_binpacking_organ.py) is only in a source "
                        "checkout; pass --organ FILE")
    try:
        return path, path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise StemError(f"{path}: cannot read the organ ({type(exc).__name__}); check the path") from None


def measure(turns: int = 5002, paths: tuple[str, ...] = ("session", "fork_server"), domain: str = SYNTHETIC,
            level: int | None = None, seed: int = 1, organ: Path | None = None, unsafe: bool = False,
            keep: str = "all") -> dict:
    """`turns` applies to the synthetic domain (items = turns - 2); a registered domain's episode comes
    from its generator at `level` and `seed`. Every turn is recorded as training records it (`keep`:
    logs.keep_turns; all, the most to write, by default)."""
    unknown = [p for p in paths if p not in MODES]
    if unknown or not paths:
        raise StemError(f"unknown path(s) {unknown or paths}; use any of: {', '.join(MODES)}")
    if turns < 3:
        raise StemError("--turns must be at least 3 (a start turn, one item, the final turn)")
    organ_path, source = read_source(organ)
    if domain == SYNTHETIC:
        synthetic = SyntheticBins(turns - 2)
        with domains.registered(synthetic, "stem perf episode"):
            episode = synthetic.generate(seed, 1)
            runs = [_run(path, episode, source, unsafe, keep) for path in paths]
    else:
        d = domains.get(domain)
        episode = domains.generate(d.name, seed, level if level is not None else max(d.levels))
        runs = [_run(path, episode, source, unsafe, keep) for path in paths]
    return {"domain": episode.domain, "episode": episode.episode_id, "turns": len(episode.manifest.turns),
            "organ": str(organ_path), "turn_records": f"kept as in training (logs.keep_turns {keep})",
            "namespace_rebuild_us": namespace_rebuild_us(source), "runs": runs, "goal_total_seconds": GOAL_SECONDS}
