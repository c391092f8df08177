"""`stem organ check|run`: the validator's verdict, and one organ through an episode in the sandbox."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from stem.cli.base import ConfigOpt, UnsafeOpt, group

organ = group("Organs: validate and run one in the sandbox.")


@organ.command("check")
def organ_check(file: Path = typer.Argument(..., help="Organ source file."),
                domain: str = typer.Option("all", "--domain", "-d",
                                           help="Domains whose held-out answers the organ may not hard-code."),
                config: Optional[Path] = ConfigOpt,
                json_out: bool = typer.Option(False, "--json", help="Machine-readable output.")) -> None:
    """The validator's verdict with line-numbered reasons, held-out literals included as in training.
    Exit 0 accepted, 1 rejected, 2 bad input."""
    from stem.cli import organ_views
    raise typer.Exit(0 if organ_views.check(file, json_out, config, domain) else 1)


@organ.command("run")
def organ_run(file: Path = typer.Argument(..., help="Organ source file."),
              episode: str = typer.Option(..., "--episode", "-e", help="Classic id, generated id or public dir."),
              trace_dir: Optional[Path] = typer.Option(None, "--trace-dir", help="Write the episode's turn record (turns.jsonl.gz) here."),
              unsafe: bool = UnsafeOpt, config: Optional[Path] = ConfigOpt,
              json_out: bool = typer.Option(False, "--json", help="Machine-readable output.")) -> None:
    """Run an organ through a full episode in the sandbox and print the verdict. Exit 0 pass, 1 fail, 2 bad input."""
    from stem.cli import organ_views
    raise typer.Exit(0 if organ_views.run(file, episode, config, unsafe, trace_dir, json_out) else 1)
