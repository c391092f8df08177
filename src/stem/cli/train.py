"""`stem train`: settings, the live display, exit codes and the final line; the stages live in stem.training."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer

from rich.markup import escape

from stem.cli.base import BaseUrlOpt, ConfigOpt, LlmOpt, ModelOpt, UnsafeOpt
from stem.cli.base import result as line
from stem.cli.train_views import TrainDisplay
from stem.config import load_settings


def train(domain: str = typer.Option("trading", "--domain", "-d",
                                     help="trading | matrix | security | binpacking | yours | a,b,c | all (aliases ok)."),
          population: Optional[int] = typer.Option(None, "--population", min=1, help="Candidate plans per generation."),
          max_epochs: Optional[int] = typer.Option(None, "--max-epochs", min=1, help="Generations per domain at most."),
          llm: Optional[str] = LlmOpt, model: Optional[str] = ModelOpt, base_url: Optional[str] = BaseUrlOpt,
          replay_from: Optional[Path] = typer.Option(None, "--replay-from", help="Run directory to replay (--llm replay)."),
          resume: Optional[Path] = typer.Option(None, "--resume", help="Continue an interrupted run directory."),
          workers: Optional[int] = typer.Option(None, "--workers", min=1,
                                                help="Episodes evaluated at once (default: the core count)."),
          executor: Optional[str] = typer.Option(None, "--executor", help="local (default) or ray."),
          ray_address: Optional[str] = typer.Option(None, "--ray-address",
                                                    help="Ray cluster to join (default: start a local Ray)."),
          objective: Optional[str] = typer.Option(None, "--objective",
                                                  help="pass: stop a domain at the first organ passing every train "
                                                       "episode; climb: go on while the best mean train score improves "
                                                       "(default: config, else the domain's own)."),
          lessons: Optional[str] = typer.Option(None, "--lessons",
                                                help="on: prompts carry the domain's lessons from earlier runs and "
                                                     "the run records new ones; off: neither (default: config "
                                                     "evolution.lessons, on)."),
          from_genome: Optional[Path] = typer.Option(None, "--from",
                                                     help="Start each domain's Pareto front from this genome's organ "
                                                          "(e.g. genomes/mature_cell.json): generation 1 repairs it."),
          unsafe: bool = UnsafeOpt, config: Optional[Path] = ConfigOpt,
          json_out: bool = typer.Option(False, "--json", help="Print the final summary as JSON.")) -> None:
    """Stage 1 stem baseline, Stage 2 evolution, Stage 3 validation + hidden test. Exit 0 mature, 1 not, 2 bad input."""
    raise typer.Exit(run(config, domain, population, max_epochs, llm, model, base_url, replay_from, resume,
                         unsafe, json_out, workers, executor, ray_address, objective, lessons, from_genome))


def run(config: Path | None, domain: str, population: int | None, max_epochs: int | None, llm: str | None,
        model: str | None, base_url: str | None, replay_from: Path | None, resume: Path | None, unsafe: bool,
        json_out: bool, workers: int | None = None, executor: str | None = None,
        ray_address: str | None = None, objective: str | None = None, lessons: str | None = None,
        from_genome: Path | None = None) -> int:
    from stem.errors import StemError
    from stem.training import TrainOptions, Trainer
    settings = load_settings(config)
    if objective is not None and objective not in ("pass", "climb"):
        raise StemError(f"--objective {objective}: use pass or climb")
    if lessons is not None and lessons not in ("on", "off"):
        raise StemError(f"--lessons {lessons}: use on or off")
    opts = TrainOptions(domain, population, max_epochs, llm, model, base_url, replay_from, unsafe, resume, workers,
                        executor, ray_address, objective=objective,
                        lessons=None if lessons is None else lessons == "on", from_genome=from_genome)
    display = TrainDisplay()
    try:
        result = Trainer(settings, opts, display).run()
    finally:
        display.close()
    if json_out:
        print(json.dumps(result, indent=2, default=str))
    else:
        name = Path(result["run"]).name
        line(f"{'[green]MATURE[/]' if result['mature']['written'] else '[red]NOT MATURE[/]'}: "
             f"{escape(result['mature']['message'])}; hidden test {result['test_passed']}/{result['test_total']}; "
             f"run {escape(name)} (stem logs show {escape(name)})")
    return 0 if result["mature"]["written"] else 1
