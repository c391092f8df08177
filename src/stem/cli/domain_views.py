"""What `stem domain new|list|check` do and show."""

from __future__ import annotations

import json
from pathlib import Path

from rich.markup import escape
from rich.table import Table

from stem.benchmark import domain_check, domains, scaffold
from stem.cli.base import console, plural, project, result
from stem.errors import StemError


def new(config: Path | None, name: str, template: str = "actions") -> None:
    settings = project(config)
    root = settings.domain_paths()[0] if settings.domain_paths() else settings.root / "benchmarks" / "domains"
    taken = {r["domain"] for r in domains.listing()} | {a for r in domains.listing() for a in r["aliases"]}
    folder = scaffold.new_domain(root, name, taken, template)
    result(f"wrote {folder}/ (domain.py, README.md, test_{name}.py)", markup=False)
    console.print(f"next: stem domain check {name}   then: stem train --domain {name}")


def show_list(config: Path | None, json_out: bool) -> None:
    project(config)
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
    if console.quiet:
        for r in rows:
            result(f"{r['domain']} {'ok' if r['ok'] else 'BROKEN: ' + str(r['error'])} ({r['source']})", markup=False)


def check(config: Path | None, name: str, episodes: int, json_out: bool) -> bool:
    project(config)
    try:
        target = domains.get(name)
    except StemError as exc:
        if "failed to load" not in str(exc):
            raise
        if json_out:
            print(json.dumps({"domain": name, "ok": False, "checks": [{"check": "loads", "passed": False,
                                                                       "detail": str(exc)}]}, indent=2))
        else:
            result(f"[red]FAIL[/] {escape(str(exc))}")
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
    result(f"[green]PASS[/] {target.name}: the contract holds" if report.ok else
           f"[red]FAIL[/] {target.name}: the contract does not hold "
           f"({plural(sum(not c['passed'] for c in report.checks), 'failing check')})")
    return report.ok
