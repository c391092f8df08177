"""What `stem infer` (and `stem organ run`) show of a Solution: the artifact, the verdict or why there is
none, and one result line per task (the line --quiet keeps)."""

from __future__ import annotations

import json

from rich.markup import escape
from rich.table import Table

from stem.cli.base import VERBOSE, console, raw, result
from stem.cli.bench_views import render_verdict
from stem.inference import Solution


def result_line(s: Solution) -> str:
    if s.verdict is not None:
        status = "[green]PASS[/]" if s.ok else "[red]FAIL[/]"
        line = f"{status} {escape(s.episode_id)} score={s.verdict.score:.2f} tags={escape(','.join(s.verdict.tags) or '-')}"
    elif s.valid:
        line = f"[green]VALID[/] {escape(s.episode_id)}: the artifact keeps the output contract; {escape(s.note)}"
    else:
        line = f"[red]INVALID[/] {escape(s.episode_id)}"
    if not s.valid and s.problems:
        line += ": " + escape("; ".join(s.problems))
    return line


def render_solution(s: Solution, title: str) -> None:
    console.print(f"[bold]{escape(title)}[/]")
    if s.isolation:
        console.print(f"isolation: {', '.join(s.isolation)}")
    if s.artifact is not None:
        console.print("artifact:")
        raw(json.dumps(s.artifact, indent=2, ensure_ascii=False, default=str))
    if s.limitations:
        console.print(f"limitations: {s.limitations}", markup=False)
    for item in s.output:
        for stream in ("stdout", "stderr"):
            if item.get(stream):
                console.rule(f"organ {stream}, turn {item['turn']}", align="left")
                console.print(item[stream].rstrip("\n"), markup=False, highlight=False)
    if s.output_more:
        console.print(f"(what the organ printed on {s.output_more} more turns is not shown; the turn records hold it: "
                      "stem organ run --trace-dir DIR, then stem logs turns DIR)", markup=False)
    if VERBOSE["on"]:
        for t in s.trace:
            console.print(f"turn {t['turn']} trace: {json.dumps(t['trace'], ensure_ascii=False)[:2000]}", markup=False)
    if s.verdict is not None:
        render_verdict(s.verdict, f"verdict: {s.episode_id}", line=False)
    result(result_line(s))


def render_split(solutions: list[Solution], title: str) -> None:
    """A table of episodes (a result line per episode with --quiet), then the pass count."""
    if console.quiet:
        for s in solutions:
            result(result_line(s))
    else:
        table = Table(title="episodes")
        for col in ("episode", "result", "score", "tags"):
            table.add_column(col, overflow="fold")
        for s in solutions:
            table.add_row(s.episode_id, "[green]pass[/]" if s.ok else "[red]FAIL[/]",
                          f"{s.verdict.score:.2f}" if s.verdict else "-",
                          ",".join(s.verdict.tags) if s.verdict and s.verdict.tags else "-")
        console.print(table)
    result(title.format(passed=sum(s.ok for s in solutions)), markup=False)
