"""Views of the lessons store: `stem lessons list|show|forget`."""

from __future__ import annotations

import json
from pathlib import Path

from rich.table import Table

from stem import lessons_store as store
from stem.cli.base import console
from stem.errors import StemError
from stem.evolution.lessons import Lesson, merge


def domain_of(genomes: Path, name: str) -> str:
    """A domain by name or alias; a store file of a domain that no longer loads is still reachable."""
    from stem.benchmark import domains as domainlib
    try:
        return domainlib.domain_name(name)
    except StemError:
        if store.store_path(genomes, name).is_file():
            return name
        raise


def _lessons(genomes: Path, domain: str) -> list[Lesson]:
    """The merged lessons; a damaged store is one line (exit 2) naming the fix."""
    return merge(store.read_entries(store.store_path(genomes, domain)))


def _row(lesson: Lesson) -> dict:
    return {"id": lesson.id, "domain": lesson.domain, "text": lesson.text, "tags": lesson.tags, "count": lesson.count,
            "kinds": lesson.kinds, "outcome": lesson.outcome,
            "runs": sorted({p.run for p in lesson.provenance})}


def domains_view(genomes: Path, json_out: bool) -> None:
    rows = []
    for domain in store.domains(genomes):
        try:
            found = _lessons(genomes, domain)
            rows.append({"domain": domain, "lessons": len(found), "observations": sum(x.count for x in found),
                         "problem": None})
        except StemError as exc:
            rows.append({"domain": domain, "lessons": 0, "observations": 0, "problem": str(exc)})
    if json_out:
        print(json.dumps(rows, indent=2))
        return
    if not rows:
        console.print(f"no lessons yet in {store.store_dir(genomes)}; training writes them (stem train)")
        return
    table = Table(title=f"lessons in {store.store_dir(genomes)}")
    for col in ("domain", "lessons", "observations", "problem"):
        table.add_column(col, overflow="fold")
    for r in rows:
        table.add_row(r["domain"], str(r["lessons"]), str(r["observations"]), r["problem"] or "-")
    console.print(table)


def list_view(genomes: Path, domain: str, json_out: bool) -> None:
    found = sorted(_lessons(genomes, domain), key=lambda x: -x.count)
    if json_out:
        print(json.dumps([_row(x) for x in found], indent=2))
        return
    if not found:
        console.print(f"no lessons for {domain} ({store.store_path(genomes, domain)})")
        return
    table = Table(title=f"lessons for {domain} ({len(found)})")
    for col in ("id", "seen", "by", "tags", "lesson", "outcome"):
        table.add_column(col, overflow="fold")
    for x in found:
        table.add_row(x.id, str(x.count), "+".join(x.kinds), ",".join(x.tags) or "-", x.text, x.outcome or "-")
    console.print(table, markup=False)


def show_view(genomes: Path, domain: str, lesson: str | None, json_out: bool) -> None:
    found = _lessons(genomes, domain)
    if lesson is not None:
        found = [x for x in found if x.id == lesson]
        if not found:
            raise StemError(f"no lesson {lesson} for {domain}; see: stem lessons list {domain}")
    if json_out:
        print(json.dumps([x.model_dump(mode="json") | {"count": x.count} for x in found], indent=2))
        return
    if not found:
        console.print(f"no lessons for {domain} ({store.store_path(genomes, domain)})")
        return
    for x in found:
        console.print(f"lesson {x.id} ({domain}), seen {x.count}x, by {'+'.join(x.kinds)}; tags: "
                      f"{', '.join(x.tags) or '-'}", markup=False)
        console.print(f"  {x.text}", markup=False)
        for p in x.provenance:
            where = f"{p.run} generation {p.generation}" + (f" candidate {p.candidate}" if p.candidate else "")
            console.print(f"  - from {where}" + (f" ({p.organ})" if p.organ else "") + f": {p.outcome or '-'}",
                          markup=False)
            if p.episodes:
                console.print(f"      episodes: {', '.join(p.episodes)}", markup=False)
            if p.source:
                console.print(f"      came from: {' '.join(p.source.split())[:300]}", markup=False)


def forget_view(genomes: Path, domain: str, lesson: str | None) -> None:
    gone = store.forget(genomes, domain, lesson)
    if lesson is not None:
        console.print(f"forgot lesson {lesson} of {domain}")
    else:
        console.print(f"forgot {gone} lesson{'s' if gone != 1 else ''} of {domain} "
                      f"({store.store_path(genomes, domain)} removed)" if gone else
                      f"no lessons stored for {domain}; nothing to forget")
