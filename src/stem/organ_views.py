"""What `stem organ …`, `stem doctor` and `stem perf sandbox` do and show."""

from __future__ import annotations

import json
from pathlib import Path

from rich.console import Console
from rich.table import Table

from stem.bench_views import render_verdict
from stem.benchmark import splits
from stem.benchmark.episode import EpisodeRunner
from stem.config import load_settings
from stem.errors import StemError
from stem.runtime import isolation
from stem.runtime.validator import validate

console = Console()


def read_organ(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise StemError(f"{path}: organ file not found; check the path") from None
    except UnicodeDecodeError:
        raise StemError(f"{path}: organ source is not UTF-8 text") from None
    except IsADirectoryError:
        raise StemError(f"{path}: is a directory; pass the organ's .py file") from None


def check(path: Path, json_out: bool) -> bool:
    report = validate(read_organ(path))
    if json_out:
        print(json.dumps({"file": str(path)} | report.as_dict(), indent=2))
        return report.ok
    if report.ok:
        console.print(f"[green]accepted[/] {path}: passes the validator")
        return True
    table = Table(title=f"{path}: rejected ({len(report.rejections)} reasons)")
    for col in ("line:col", "rule", "reason"):
        table.add_column(col, overflow="fold")
    for r in report.rejections:
        table.add_row(f"{r.line}:{r.col}", r.rule, r.message)
    console.print(table)
    return False


def warn_unisolated() -> None:
    console.print("[bold red]WARNING: --unsafe-no-isolation: organs run WITHOUT namespaces. "
                  "Only rlimits (and seccomp if present) stand between the organ and this machine.[/]")


def run(path: Path, episode: str, config: Path | None, unsafe: bool, trace_dir: Path | None, json_out: bool) -> bool:
    from stem.runtime.organ_turn import OrganRejected, organ_turn
    from stem.runtime.sandbox import Sandbox

    source = read_organ(path)
    ep, _ = splits.resolve_episode(load_settings(config), episode)
    if unsafe:
        warn_unisolated()
    with Sandbox(unsafe_no_isolation=unsafe) as sandbox:
        episode_dir = sandbox.stage(ep.public_files)
        try:
            turn = organ_turn(sandbox, source, episode_dir)
        except OrganRejected as exc:
            raise StemError(f"{path}: rejected by the validator: {exc.report.summary(2)}; "
                            "see `stem organ check`") from None
        result = EpisodeRunner(ep, trace_dir, sandbox.artifacts_dir(episode_dir)).run(turn)
        layers = sandbox.layers
    if json_out:
        print(json.dumps({"episode": ep.episode_id, "turns_run": result.turns_run, "isolation": layers,
                          "failure": result.failure, "verdict": result.verdict.model_dump()}, indent=2, default=str))
    else:
        console.print(f"isolation: {', '.join(layers)}")
        render_verdict(result.verdict, f"{path.name} on {ep.episode_id} ({result.turns_run} turns)")
    return result.verdict.success


def doctor(json_out: bool, config: Path | None = None, llm: str | None = None, model: str | None = None,
           base_url: str | None = None, offline: bool = False) -> bool:
    from dataclasses import asdict

    from stem.llm.doctor import check_profile
    rep = isolation.detect()
    probes = check_profile(load_settings(config).llm, llm, model, base_url, offline)
    llm_ok = all(p.ok for p in probes)
    if json_out:
        print(json.dumps(rep.as_dict() | {"llm": [asdict(p) for p in probes], "llm_ok": llm_ok}, indent=2))
        return rep.isolated and llm_ok
    table = Table(title="organ isolation layers")
    for col in ("layer", "status", "detail"):
        table.add_column(col, overflow="fold")
    for layer in rep.layers:
        status = "[green]ok[/]" if layer.available else ("[yellow]absent[/]" if "not used" in layer.name else "[red]MISSING[/]")
        table.add_row(layer.name, status, layer.detail)
    console.print(table)
    if rep.isolated:
        console.print("[green]organs will run isolated[/]")
    else:
        console.print("[bold red]isolation is incomplete: organs will not run unless you pass --unsafe-no-isolation[/]")
    llm_table = Table(title="LLM profile")
    for col in ("check", "status", "detail"):
        llm_table.add_column(col, overflow="fold")
    for p in probes:
        llm_table.add_row(p.check, "[green]ok[/]" if p.ok else "[red]FAIL[/]", p.detail)
    console.print(llm_table)
    return rep.isolated and llm_ok


def perf_sandbox(calls: int, pool: int, pause_ms: float, unsafe: bool, json_out: bool) -> None:
    from stem.runtime import perf
    if unsafe:
        warn_unisolated()
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
    console.print(f"goal: median <= {data['goal_median_ms']:g} ms per sandboxed call")
