"""What `stem doctor` shows: isolation layers and the LLM a run would use."""

from __future__ import annotations

import json
from pathlib import Path

from rich.markup import escape
from rich.table import Table

from stem.cli.base import console, result
from stem.config import load_settings
from stem.runtime import isolation


def doctor(json_out: bool, config: Path | None = None, llm: str | None = None, model: str | None = None,
           base_url: str | None = None, offline: bool = False) -> bool:
    from stem.llm.doctor import check
    rep = isolation.detect()
    with console.status("looking for LLMs and probing the pick"):
        report = check(load_settings(config).llm, llm, model, base_url, offline)
    if json_out:
        print(json.dumps(rep.as_dict() | {"llm": report.as_dict(), "llm_ok": report.ok}, indent=2))
        return rep.isolated and report.ok
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
    if report.options:
        seen = Table(title="LLMs this machine offers (auto picks the first usable, top to bottom)")
        for col in ("profile", "kind", "status", "detail", "to use it"):
            seen.add_column(col, overflow="fold")
        for o in report.options:
            status = "[bold green]PICK[/]" if o.profile == report.pick else ("[green]usable[/]" if o.usable else "[dim]no[/]")
            seen.add_row(o.profile, o.kind, status, o.detail, o.fix or "-")
        console.print(seen)
    console.print(f"llm: {report.pick or 'none'} ({report.why})", markup=False)
    llm_table = Table(title="LLM checks")
    for col in ("check", "status", "detail"):
        llm_table.add_column(col, overflow="fold")
    marks = {"ok": "[green]ok[/]", "warn": "[yellow]WARN[/]", "fail": "[red]FAIL[/]"}
    for p in report.probes:
        llm_table.add_row(p.check, marks[p.level], p.detail)
    console.print(llm_table)
    result(verdict_line(rep.isolated, [m for m in rep.missing() if "not used" not in m], report))
    return rep.isolated and report.ok


def verdict_line(isolated: bool, missing: list[str], report) -> str:  # noqa: ANN001 - llm.doctor.Report
    """The one line --quiet keeps: ready or not, and why."""
    organs = "organs run isolated" if isolated else f"isolation incomplete ({'; '.join(missing)})"
    failing = [p.detail for p in report.probes if not p.ok]
    if report.ok:
        llm = f"llm {report.pick}"
    elif report.pick is None:
        llm = "no usable LLM (stem doctor without --quiet lists what it looked for; or --llm replay --replay-from RUN)"
    else:
        llm = f"llm {report.pick} not usable ({'; '.join(failing)[:300]})"
    ready = isolated and report.ok
    return f"{'[green]READY[/]' if ready else '[red]NOT READY[/]'}: {escape(organs)}; {escape(llm)}"
