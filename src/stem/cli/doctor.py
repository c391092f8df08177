"""`stem doctor`: what this machine offers organs (isolation layers) and which LLM a run would use."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from stem.cli.base import BaseUrlOpt, ConfigOpt, LlmOpt, ModelOpt


def doctor(llm: Optional[str] = LlmOpt, model: Optional[str] = ModelOpt, base_url: Optional[str] = BaseUrlOpt,
           offline: bool = typer.Option(False, "--offline", help="Skip the network checks of the LLM profile."),
           config: Optional[Path] = ConfigOpt,
           json_out: bool = typer.Option(False, "--json", help="Machine-readable output.")) -> None:
    """Isolation layers for organs and the selected LLM profile. Exit 1 when something is not usable."""
    from stem.cli import doctor_views
    raise typer.Exit(0 if doctor_views.doctor(json_out, config, llm, model, base_url, offline) else 1)
