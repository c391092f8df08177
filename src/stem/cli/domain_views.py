"""What `stem domain new|list|check` do and show."""

from __future__ import annotations

import json
from pathlib import Path

from rich.table import Table

from stem.benchmark import domain_check, domains, scaffold
from stem.cli.base import console
from stem.config import load_settings
from stem.errors import StemError


def new(config: Path | None, name: str, template: str = "actions") -> None:
    settings = load_settings(config)
    root = settings.domain_paths()[0] if settings.domain_paths() else settings.root / "benchmarks" / "domains"
    taken = {r["domain"] for r in domains.listing()} | {a for r in domains.listing() for a in r["aliases"]}
    folder = scaffold.new_domain(root, name, taken, template)
    console.print(f"wrote {folder}/ (domain.py, README.md, test_{name}.py)")
    console.print(f"next: stem domain check {name}   then: stem train --domain {name}")


def show_list(config: Path | None, json_out: bool) -> None:
    load_settings(config)
    rows = domains.listing()
    if json_out:
        print(json.dumps(rows, indent=2))
        return
    table = Table(title="domains")
    for col in ("domain", "status", "levels", "aliases", "source"):
        table.add_column(col, overflow="fold")
    for r in rows:
        status = "[green]ok[/]" if r["ok"] else f"[red]BROKEN[/]: {r['error']}"
        table.add_row(r["domain"], status, " ".join(map(str, r["levels"])), ", ".join(r["aliases"]), r["source"])
    console.print(table)


def check(config: Path | None, name: str, episodes: int, json_out: bool) -> bool:
    load_settings(config)
    try:
        target = domains.get(name)
    except StemError as exc:
        if "failed to load" not in str(exc):
            raise
        if json_out:
            print(json.dumps({"domain": name, "ok": False, "checks": [{"check": "loads", "passed": False,
                                                                       "detail": str(exc)}]}, indent=2))
        else:
            console.print(f"[red]FAIL[/] {exc}", markup=True)
        return False
    with console.status(f"checking {target.name} on {episodes} episodes per level"):
        report = domain_check.run(target, episodes)
    if json_out:
        print(json.dumps({"domain": target.name, "ok": report.ok, "checks": report.checks}, indent=2))
        return report.ok
    table = Table(title=f"domain check: {target.name}")
    for col in ("check", "result", "detail"):
        table.add_column(col, overflow="fold")
    for c in report.checks:
        table.add_row(c["check"], "[green]pass[/]" if c["passed"] else "[red]FAIL[/]", c["detail"])
    console.print(table)
    console.print("[green]the contract holds[/]" if report.ok else "[red]the contract does not hold[/]")
    return report.ok
