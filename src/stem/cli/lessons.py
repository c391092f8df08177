"""`stem lessons list|show|forget DOMAIN`: the per-domain lessons store (genomes/lessons/<domain>.jsonl)."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from stem.cli.base import ConfigOpt, JsonOpt, group

lessons = group("Lessons that outlive a run: list, show and forget them per domain.")
DomainArg = typer.Argument(..., help="Domain (name or alias, e.g. trading).")
LessonArg = typer.Argument(None, help="A lesson id (the 10 hex digits `stem lessons list DOMAIN` shows).")


def _genomes(config: Optional[Path]) -> Path:
    from stem.config import load_settings
    return load_settings(config).path("genomes")


@lessons.command("list")
def lessons_list(domain: Optional[str] = typer.Argument(None, help="Domain (default: every domain with lessons)."),
                 config: Optional[Path] = ConfigOpt, json_out: bool = JsonOpt) -> None:
    """The domain's lessons, most often seen first (or, without DOMAIN, every domain's count)."""
    from stem.cli import lessons_views as views
    genomes = _genomes(config)
    if domain is None:
        views.domains_view(genomes, json_out)
    else:
        views.list_view(genomes, views.domain_of(genomes, domain), json_out)


@lessons.command("show")
def lessons_show(domain: str = DomainArg, lesson: Optional[str] = LessonArg, config: Optional[Path] = ConfigOpt,
                 json_out: bool = JsonOpt) -> None:
    """Every lesson of the domain (or one) with its tags, counts, outcomes and full provenance."""
    from stem.cli import lessons_views as views
    genomes = _genomes(config)
    views.show_view(genomes, views.domain_of(genomes, domain), lesson, json_out)


@lessons.command("forget")
def lessons_forget(domain: str = DomainArg, lesson: Optional[str] = LessonArg,
                   config: Optional[Path] = ConfigOpt) -> None:
    """Forget the domain's lessons, or one lesson; asks nothing; atomic (a damaged store is forgotten whole)."""
    from stem.cli import lessons_views as views
    genomes = _genomes(config)
    views.forget_view(genomes, views.domain_of(genomes, domain), lesson)
