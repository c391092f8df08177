"""What `stem organ check|run` do and show."""

from __future__ import annotations

import json
from pathlib import Path

from rich.markup import escape
from rich.table import Table

from stem.cli.base import console, plural, project, result
from stem.benchmark import splits
from stem.errors import StemError
from stem.runtime.validator import validate


def read_organ(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise StemError(f"{path}: organ file not found; check the path") from None
    except UnicodeDecodeError:
        raise StemError(f"{path}: organ source is not UTF-8 text") from None
    except IsADirectoryError:
        raise StemError(f"{path}: is a directory; pass the organ's .py file") from None


def check(path: Path, json_out: bool, config: Path | None = None, domain: str = "all") -> bool:
    """The validator's verdict, with the same held-out literals training refuses (the configured
    validation split of `domain`, every loaded domain by default)."""
    from stem.benchmark import domains as domainlib
    from stem.training.shared import held_out_literals
    settings = project(config)
    report = validate(read_organ(path), held_out_literals(settings, domainlib.domain_names(domain)))
    if json_out:
        print(json.dumps({"file": str(path)} | report.as_dict(), indent=2))
        return report.ok
    if report.ok:
        result(f"[green]accepted[/] {escape(str(path))}: passes the validator")
        return True
    table = Table(title=f"{path}: rejected ({plural(len(report.rejections), 'reason')})")
    for col in ("line:col", "rule", "reason"):
        table.add_column(col, overflow="fold")
    for r in report.rejections:
        table.add_row(f"{r.line}:{r.col}", r.rule, r.message)
    console.print(table)
    result(f"[red]rejected[/] {escape(str(path))}: {plural(len(report.rejections), 'reason')}")
    return False


def warn_unisolated() -> None:
    console.print("[bold red]WARNING: --unsafe-no-isolation: organs run WITHOUT namespaces. "
                  "Only rlimits (and seccomp if present) stand between the organ and this machine.[/]")


def run(path: Path, episode: str, config: Path | None, unsafe: bool, trace_dir: Path | None, json_out: bool) -> bool:
    """One organ file through one episode (answered or public-only), in the sandbox, like `stem infer`."""
    from stem.cli.infer_views import render_solution
    from stem.inference import organ_cell

    source = read_organ(path)
    ep, _ = splits.resolve_episode(project(config), episode)
    cell = organ_cell(source, ep.domain, str(path), unsafe)
    if unsafe:
        warn_unisolated()
    with console.status(f"running {path.name} on {ep.episode_id}"):
        solution = cell.solve(ep, trace_dir)
    if json_out:
        print(json.dumps(solution.as_dict(), indent=2, default=str, ensure_ascii=False))
    else:
        render_solution(solution, f"{path.name} on {ep.episode_id} ({solution.turns_run} turns)")
    return solution.ok
