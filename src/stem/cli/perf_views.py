"""What `stem perf sandbox` shows."""

from __future__ import annotations

import json

from rich.table import Table

from stem.cli.base import console, result
from stem.cli.organ_views import warn_unisolated


def perf_sandbox(calls: int, pool: int, pause_ms: float, unsafe: bool, json_out: bool) -> None:
    from stem.runtime import perf
    if unsafe:
        warn_unisolated()
    with console.status(f"measuring {calls} sandboxed calls per mode"):
        data = perf.measure(calls, pool, pause_ms, unsafe)
    if json_out:
        print(json.dumps(data, indent=2))
        return
    table = Table(title=f"organ calls: sandbox vs in-process ({calls} sandboxed calls per mode)")
    for col in ("mode", "calls/s", "median ms", "p95 ms", "median vs in-process"):
        table.add_column(col)
    base = data["in_process"]
    table.add_row(base["mode"], f"{base['calls_per_second']:.0f}", f"{base['median_ms']:.3f}", f"{base['p95_ms']:.3f}", "1x")
    for row in data["sandboxed"]:
        table.add_row(row["mode"], f"{row['calls_per_second']:.1f}", f"{row['median_ms']:.1f}", f"{row['p95_ms']:.1f}",
                      f"{row['ratio_to_in_process']:.0f}x")
    console.print(table)
    fork = next((r for r in data["sandboxed"] if "fork" in r["mode"]), data["sandboxed"][-1])
    result(f"sandboxed call median {fork['median_ms']:.1f} ms ({fork['mode']}); goal: median <= "
           f"{data['goal_median_ms']:g} ms per sandboxed call", markup=False)


def perf_episode(turns: int, paths: tuple[str, ...], domain: str, level: int | None, seed: int, organ,
                 unsafe: bool, json_out: bool, keep: str = "all") -> None:
    from stem import episode_perf
    from stem.errors import StemError
    from stem.turn_records import KEEP_CHOICES
    if keep not in KEEP_CHOICES:
        raise StemError(f"--keep {keep}: use one of {', '.join(KEEP_CHOICES)}")
    if unsafe:
        warn_unisolated()
    with console.status(f"running one episode per path ({', '.join(paths)})"):
        data = episode_perf.measure(turns, paths, domain, level, seed, organ, unsafe, keep)
    if json_out:
        print(json.dumps(data, indent=2))
        return
    table = Table(title=f"stem perf episode: {data['episode']} ({data['turns']} turns), organ {data['organ']}")
    for col in ("path", "total s", "median ms", "p95 ms", "max ms", "1st turn ms", "outside s", "record B", "verdict"):
        table.add_column(col)
    for r in data["runs"]:
        verdict = ("pass" if r["verdict"]["success"] else "FAIL " + ",".join(r["verdict"]["tags"]))
        table.add_row(r["path"] + (" (fell back)" if r["fallback"] else ""), f"{r['total_seconds']:.2f}",
                      f"{r['turn_median_ms']:.3f}", f"{r['turn_p95_ms']:.3f}", f"{r['turn_max_ms']:.1f}",
                      f"{r['first_turn_ms']:.1f}", f"{r['outside_turns_seconds']:.2f}", f"{r['record_bytes']:,}",
                      verdict)
    console.print(table)
    console.print(f"fresh namespace per turn (in-process exec of the organ): {data['namespace_rebuild_us']} us; "
                  f"turn records {data['turn_records']}; goal: <= {data['goal_total_seconds']:g} s for 5,002 turns")


def perf_train(config, population: int, episodes: int, generations: int, latency_ms: float, workers: int | None,
               unsafe: bool, json_out: bool) -> None:
    from stem.config import load_settings
    from stem.training import perf
    settings = load_settings(config)
    with console.status(f"scripted run: population {population}, {episodes} train episodes, {generations} generations"):
        data = perf.measure(settings.path("prompts"), population, episodes, generations, latency_ms, workers, unsafe)
    if json_out:
        print(json.dumps(data, indent=2))
        return
    table = Table(title=f"stem perf train: population {population}, {episodes} train episodes, "
                        f"workers {workers or 'cores'}, LLM latency {latency_ms:g} ms")
    for col in ("generation", "wall s", "LLM s", "harness s"):
        table.add_column(col)
    for g in data["generations_detail"]:
        table.add_row(str(g["generation"]), f"{g['wall_seconds']:.2f}", f"{g['llm_seconds']:.2f}",
                      f"{g['harness_seconds']:.2f}")
    console.print(table)
    result(f"harness seconds per generation: {data['harness_seconds_per_generation']} "
                  f"(goal <= {data['goal_harness_seconds_per_generation']}); sandboxed calls {data['sandbox_calls']}, "
                  f"median {data['sandbox_call_ms_median']} ms, p95 {data['sandbox_call_ms_p95']} ms; "
                  f"share of wall time outside the LLM {data['share_outside_llm']}", markup=False)


def perf_runfiles(config, cases: list[str] | None, population: int, episodes: int, turns: list[int] | None,
                  keep: str, unsafe: bool, json_out: bool) -> None:
    from stem.config import load_settings
    from stem.errors import StemError
    from stem.training import perf_runfiles as perf
    from stem.turn_records import KEEP_CHOICES
    if keep not in KEEP_CHOICES:
        raise StemError(f"--keep {keep}: use one of {', '.join(KEEP_CHOICES)}")
    settings = load_settings(config)
    cases = cases or list(perf.DEFAULT_CASES)
    with console.status(f"scripted runs: {', '.join(cases)}; population {population}, {episodes} train episodes"):
        data = perf.measure(settings.path("prompts"), settings, cases, population, episodes,
                            tuple(turns or perf.SYNTHETIC_TURNS), keep, unsafe)
    if json_out:
        print(json.dumps(data, indent=2))
        return
    table = Table(title=f"stem perf runfiles: population {population}, {episodes} train episodes, one generation, "
                        f"logs.keep_turns {keep}")
    for col in ("domain", "lvl", "turns", "B/cand-episode", "B/generation", "largest file", "run folder B", "files"):
        table.add_column(col)
    for r in data["cases"]:
        table.add_row(r["domain"], str(r["level"]), str(r["turns_per_episode"]), f"{r['bytes_per_candidate_episode']:,}",
                      f"{r['bytes_per_generation']:,}", f"{r['largest_file_bytes']:,}", f"{r['run_bytes']:,}",
                      str(r["run_files"]))
    console.print(table)
    for r in data["cases"]:
        parts = ", ".join(f"{k} {v:,}" for k, v in r["run_parts"].items())
        console.print(f"{r['domain']} level {r['level']} run folder: {parts}", markup=False)
    syn = Table(title="synthetic binpacking-shaped episodes (recorder only)")
    for col in ("turns", "bytes", "bytes / turn", "recorder ms / turn"):
        syn.add_column(col)
    for r in data["synthetic"]:
        syn.add_row(str(r["turns"]), f"{r['bytes']:,}", f"{r['bytes_per_turn']:,}", f"{r['recorder_ms_per_turn']:.3f}")
    console.print(syn)
