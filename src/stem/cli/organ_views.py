"""What `stem organ check|run` do and show."""

from __future__ import annotations

import json
from pathlib import Path

from rich.table import Table

from stem.cli.base import console
from stem.cli.bench_views import render_verdict
from stem.benchmark import splits
from stem.benchmark.episode import EpisodeRunner
from stem.config import load_settings
from stem.errors import StemError
from stem.runtime.validator import validate

SHOWN_OUTPUT_TURNS = 20  # `stem organ run` shows what the organ printed on this many turns


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
            turn = organ_turn(sandbox, source, episode_dir, keep_output=SHOWN_OUTPUT_TURNS)
        except OrganRejected as exc:
            raise StemError(f"{path}: rejected by the validator: {exc.report.summary(2)}; "
                            "see `stem organ check`") from None
        with turn, console.status(f"running {path.name} on {ep.episode_id}"):
            result = EpisodeRunner(ep, trace_dir, sandbox.artifacts_dir(episode_dir)).run(turn)
        layers = sandbox.layers
    printed = [{"turn": n, **out} for n, out in turn.printed]
    if json_out:
        print(json.dumps({"episode": ep.episode_id, "turns_run": result.turns_run, "isolation": layers,
                          "failure": result.failure, "verdict": result.verdict.model_dump(), "organ_output": printed,
                          "organ_output_more_turns": turn.printed_more}, indent=2, default=str))
    else:
        console.print(f"isolation: {', '.join(layers)}")
        for item in printed:
            for stream in ("stdout", "stderr"):
                if item.get(stream):
                    console.rule(f"organ {stream}, turn {item['turn']}", align="left")
                    console.print(item[stream].rstrip("\n"), markup=False, highlight=False)
        if turn.printed_more:
            console.print(f"(organ output of {turn.printed_more} more turns not shown; see --trace-dir)")
        render_verdict(result.verdict, f"{path.name} on {ep.episode_id} ({result.turns_run} turns)")
    return result.verdict.success
