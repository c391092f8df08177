"""`stem domain new|list|check`: bring your own domain."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from stem.cli.base import ConfigOpt, JsonOpt, group

domain = group("Domains: scaffold your own, list what is loaded, check a domain's contract.")


@domain.command("new")
def domain_new(name: str = typer.Argument(..., help="snake_case name of the new domain."),
               template: str = typer.Option("actions", "--template", "-t",
                                            help="actions (an environment answers the organ's actions) | windows."),
               config: Optional[Path] = ConfigOpt) -> None:
    """Scaffold benchmarks/domains/NAME/ (domain.py, README.md, a test) with a working example."""
    from stem.cli import domain_views
    domain_views.new(config, name, template)


@domain.command("list")
def domain_list(config: Optional[Path] = ConfigOpt, json_out: bool = JsonOpt) -> None:
    """Built-in and plugin domains with their source; broken plugins with the reason."""
    from stem.cli import domain_views
    domain_views.show_list(config, json_out)


@domain.command("check")
def domain_check(name: str = typer.Argument(..., help="Domain name or alias."),
                 episodes: int = typer.Option(5, "--episodes", "-n", min=1, help="Episodes per level."),
                 config: Optional[Path] = ConfigOpt, json_out: bool = JsonOpt) -> None:
    """Check a domain's contract. Exit 0 all checks pass, 1 some fail, 2 bad input."""
    from stem.cli import domain_views
    raise typer.Exit(0 if domain_views.check(config, name, episodes, json_out) else 1)
