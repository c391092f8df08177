"""What `stem doctor` shows: isolation layers and the LLM a run would use."""

from __future__ import annotations

import json
from pathlib import Path

from rich.table import Table

from stem.cli.base import console
from stem.config import load_settings
from stem.runtime import isolation


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
