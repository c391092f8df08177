"""`stem perf sandbox`: sandboxed organ calls per second and latency, beside in-process calls, on every
path (fresh process, pre-started pool, fork server, organ session).

The organ measured here is a small hand-written measurement fixture (it parses a window of
market rows and keeps a running total in memory), not an evolved organ.
"""

from __future__ import annotations

import json
import statistics
import time
from dataclasses import asdict, dataclass

from stem.runtime.sandbox import Sandbox

PERF_ORGAN = '''
import csv


def run(observation):
    rows = observation["delta"].get("market_rows", [])
    memory = dict(observation["memory"])
    spent = memory.get("spent", 0)
    for row in rows:
        spent += int(float(row["ask"]) * 100) * int(row["max_qty"])
    memory["spent"] = spent
    return {"memory": memory, "trace": ["read %d rows" % len(rows)]}
'''


def _observation(i: int) -> dict:
    rows = [{"tick": str(t), "asset": "ACME", "bid": "9.90", "ask": "10.00", "max_qty": "5"} for t in range(20)]
    return {"domain_id": "trading_floor", "episode_id": "perf", "turn": i + 1, "final_turn": False, "event": "data",
            "delta": {"market_rows": rows}, "memory": {"spent": i}, "artifacts_dir": ""}


@dataclass
class Series:
    mode: str
    calls: int
    calls_per_second: float
    median_ms: float
    p95_ms: float


def _series(mode: str, latencies: list[float], total_s: float) -> Series:
    ordered = sorted(latencies)
    p95 = ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]
    return Series(mode, len(latencies), len(latencies) / total_s, statistics.median(ordered), p95)


def _in_process(calls: int) -> Series:
    namespace: dict = {}
    exec(compile(PERF_ORGAN, "<perf-organ>", "exec"), namespace)
    run = namespace["run"]
    lat = []
    start = time.perf_counter()
    for i in range(calls):
        t = time.perf_counter()
        json.loads(json.dumps(run(json.loads(json.dumps(_observation(i))))))  # same JSON hops as the sandbox
        lat.append((time.perf_counter() - t) * 1000)
    return _series("in-process", lat, time.perf_counter() - start)


def _sandboxed(mode: str, calls: int, prestart: int, pause_s: float, unsafe: bool, path: str = "per_call") -> Series:
    lat = []
    with Sandbox(prestart=prestart, unsafe_no_isolation=unsafe, mode=path) as sb:
        episode = sb.stage({"readme.txt": "perf"}) if path != "per_call" else None
        sb.warm()
        time.sleep(0.3 if prestart else 0)
        session = sb.session(PERF_ORGAN, episode) if path == "session" else None
        call = session.call if session else (lambda obs: sb.call(PERF_ORGAN, obs, episode))
        if path != "per_call":  # the server's or session's cold start is paid once per episode; measure the calls
            call(_observation(0))
        start = time.perf_counter()
        for i in range(calls):
            t = time.perf_counter()
            result = call(_observation(i))
            lat.append((time.perf_counter() - t) * 1000)
            if not result.ok:
                raise RuntimeError(f"perf organ failed in the sandbox: {result.tag}: {result.message}")
            if pause_s:
                time.sleep(pause_s)
        total = time.perf_counter() - start - pause_s * calls
    return _series(mode, lat, total)


def measure(calls: int = 60, pool: int = 2, pause_ms: float = 50.0, unsafe: bool = False) -> dict:
    base = _in_process(max(calls, 200))
    runs = [
        _sandboxed("sandbox, fresh process per call, cold start", calls, 0, 0.0, unsafe),
        _sandboxed(f"sandbox, pre-started pool of {pool}, back-to-back calls", calls, pool, 0.0, unsafe),
        _sandboxed(f"sandbox, pre-started pool of {pool}, {pause_ms:g} ms between calls", calls, pool,
                   pause_ms / 1000, unsafe),
    ]
    if not unsafe:  # the fork server needs the namespaces
        runs.append(_sandboxed("sandbox, fork server per episode, back-to-back calls", calls, 0, 0.0, unsafe,
                               "fork_server"))
    runs.append(_sandboxed("sandbox, organ session per episode, back-to-back turns", calls, 0, 0.0, unsafe, "session"))
    return {"in_process": asdict(base), "sandboxed": [asdict(r) | {"ratio_to_in_process": r.median_ms / base.median_ms}
                                                      for r in runs],
            "goal_median_ms": 5.0}
