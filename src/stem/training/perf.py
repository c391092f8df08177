"""`stem perf train`: how much of a generation is harness, measured on a scripted run.

The run is real (Trainer, sandbox, verifier, run directory in a temporary folder) except the LLM: a
scripted in-process provider answers every request with the same hand-written benchmark organ,
after an optional fixed latency. The organ is a fixture of this benchmark, not LLM-evolved: it reads
every turn and submits an empty ledger, so every episode runs to its last turn and no candidate
passes (the run lasts all its generations). Numbers: wall and harness seconds per generation (wall
minus the time some LLM request was in flight), sandboxed call latency, and the harness share of
wall time.
"""

from __future__ import annotations

import json
import statistics
import tempfile
import threading
import time
from pathlib import Path

from stem.config import Settings
from stem.llm.client import LLMClient
from stem.llm.providers import RawAnswer
from stem.llm.settings import LLMSettings, Profile
from stem.runlog import RunLog
from stem.runtime import sandbox as sandboxlib

PERF_ORGAN = '''# Benchmark fixture for `stem perf train`: hand-written, NOT LLM-evolved. It keeps the rows it is
# given and submits an empty ledger, so every episode runs all its turns and none passes.
def run(observation):
    memory = dict(observation["memory"])
    rows = memory.get("rows", []) + list(observation["delta"].get("market_rows", []))
    memory["rows"] = rows
    response = {"memory": memory, "trace": ["turn %d: %d rows kept" % (observation["turn"], len(rows))]}
    if observation["final_turn"]:
        response["artifact"] = {"ledger": [], "final_positions": {}, "final_cash": "0.00",
                                "impossible": False, "unmet_targets": []}
        response["limitations"] = "a benchmark fixture: it trades nothing"
    return response
'''


class ScriptedProvider:
    """Answers every request with a plan holding `source` (default PERF_ORGAN) for `domain` after
    `latency` seconds; records when each request was in flight."""

    def __init__(self, latency: float, source: str = PERF_ORGAN, domain: str = "trading_floor"):
        self.latency, self.source, self.domain = latency, source, domain
        self.intervals: list[tuple[float, float]] = []
        self.lock = threading.Lock()
        self.count = 0

    def send(self, messages: list[dict[str, str]], json_mode: bool, purpose: str = "") -> RawAnswer:
        start = time.monotonic()
        with self.lock:
            self.count += 1
            n = self.count
        time.sleep(self.latency)
        plan = {"organ_name": f"perf_fixture_{n}", "domain": self.domain, "mode": "new_organ",
                "rationale": "benchmark fixture for stem perf", "source": self.source}
        with self.lock:
            self.intervals.append((start, time.monotonic()))
        return RawAnswer(json.dumps(plan), 100, 100, "stop")


def _overlap(intervals: list[tuple[float, float]], lo: float, hi: float) -> float:
    """Seconds within [lo, hi] covered by at least one interval."""
    clipped = sorted((max(a, lo), min(b, hi)) for a, b in intervals if b > lo and a < hi)
    total, end = 0.0, lo
    for a, b in clipped:
        a = max(a, end)
        if b > a:
            total += b - a
            end = b
    return total


def measure(prompts: Path, population: int = 4, episodes: int = 8, generations: int = 3, latency_ms: float = 0.0,
            workers: int | None = None, unsafe: bool = False) -> dict:
    from stem.training.shared import TrainOptions
    from stem.training.trainer import Trainer
    from stem.runtime.organ_session import OrganSession
    latencies: list[float] = []
    real_call, real_turn = sandboxlib.Sandbox.call, OrganSession.call

    def timed(real):  # perf-only instrumentation of every sandboxed organ call (any path)
        def call(self, *args, **kwargs):
            result = real(self, *args, **kwargs)
            latencies.append(result.wall_ms)
            return result
        return call

    provider = ScriptedProvider(latency_ms / 1000)
    with tempfile.TemporaryDirectory(prefix="stem-perf-train-") as tmp:
        settings = Settings.model_validate({
            "root": tmp, "paths": {"logs": "logs", "genomes": "genomes", "prompts": str(prompts)},
            "benchmark": {"difficulties": [1, 2, 3, 4],
                          "splits": {"train": {"seed_start": 1000, "count": episodes},
                                     "validation": {"seed_start": 5000, "count": 2}, "test": {"count": 2}}},
            "evolution": {"population": population, "max_epochs": generations, "scout_first": False,
                          "lessons": False, "director_every": 0, "critic": False,
                          **({"workers": workers} if workers else {})},
            "llm": {"profile": "perf", "budget": {"max_calls": 10_000, "max_tokens": 10**9, "max_usd": 1000}}})
        llm = LLMSettings(profile="perf", profiles={"perf": Profile(model="scripted")})
        client = LLMClient("perf", Profile(model="scripted"), provider, llm, None)
        opts = TrainOptions(domain="trading", unsafe=unsafe, workers=workers, client=client)
        sandboxlib.Sandbox.call, OrganSession.call = timed(real_call), timed(real_turn)
        started = time.monotonic()
        try:
            Trainer(settings, opts, _Quiet()).run()
        finally:
            sandboxlib.Sandbox.call, OrganSession.call = real_call, real_turn
        wall = time.monotonic() - started
        run = next((Path(tmp) / "logs").glob("experiment_*"))
        events = RunLog(run).events()
    starts = {e["generation"]: e["t"] for e in events if e["event"] == "generation_start"}
    # events carry wall-clock seconds; provider intervals are monotonic: align on the run's start
    offset = time.time() - time.monotonic()
    gens = []
    for e in events:
        if e["event"] != "generation_done":
            continue
        lo, hi = starts[e["generation"]] - offset, e["t"] - offset
        llm_seconds = _overlap(provider.intervals, lo, hi)
        gens.append({"generation": e["generation"], "wall_seconds": round(hi - lo, 3),
                     "llm_seconds": round(llm_seconds, 3), "harness_seconds": round(hi - lo - llm_seconds, 3)})
    harness = [g["harness_seconds"] for g in gens]
    gen_wall = sum(g["wall_seconds"] for g in gens)
    ordered = sorted(latencies)
    return {
        "population": population, "train_episodes": episodes, "generations": len(gens), "workers": workers,
        "llm_latency_ms": latency_ms, "generations_detail": gens,
        "harness_seconds_per_generation": round(statistics.mean(harness), 3) if harness else None,
        "wall_seconds_per_generation": round(gen_wall / len(gens), 3) if gens else None,
        "sandbox_calls": len(ordered),
        "sandbox_call_ms_median": round(statistics.median(ordered), 2) if ordered else None,
        "sandbox_call_ms_p95": round(ordered[int(0.95 * (len(ordered) - 1))], 2) if ordered else None,
        "share_outside_llm": round(sum(harness) / gen_wall, 3) if gen_wall else None,
        "run_wall_seconds": round(wall, 2), "goal_harness_seconds_per_generation": 1.5,
    }


class _Quiet:
    def stage(self, number: int, title: str) -> None: ...
    def line(self, text: str) -> None: ...
    def status(self, **fields) -> None: ...
    def detail(self, text: str) -> None: ...
