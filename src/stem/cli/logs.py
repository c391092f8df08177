"""`stem logs list|show|scars|lineage|organ|diff|prompt|turns|plot|compare`: reading runs back."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from stem.cli.base import ConfigOpt, JsonOpt, RunArg, group

logs = group("Inspect run directories.")


def _run_path(config: Optional[Path], run: str) -> Path:
    from stem.config import load_settings
    from stem.runlog import resolve_run
    return resolve_run(load_settings(config).path("logs"), run)


@logs.command("list")
def logs_list(config: Optional[Path] = ConfigOpt, json_out: bool = JsonOpt) -> None:
    """Every run with status, pass counts, tokens and cost."""
    from stem.cli import logs_views as report
    from stem.config import load_settings
    report.list_view(load_settings(config).path("logs"), json_out)


@logs.command("show")
def logs_show(run: str = RunArg, config: Optional[Path] = ConfigOpt, json_out: bool = JsonOpt) -> None:
    """Stages, generations, held-out results and warnings for one run."""
    from stem.cli import logs_views as report
    report.show_view(_run_path(config, run), json_out)


@logs.command("scars")
def logs_scars(run: str = RunArg, config: Optional[Path] = ConfigOpt, json_out: bool = JsonOpt) -> None:
    """The run's phenotypic scars."""
    from stem.cli import logs_views as report
    report.scars_view(_run_path(config, run), json_out)


@logs.command("lineage")
def logs_lineage(run: str = RunArg, config: Optional[Path] = ConfigOpt, json_out: bool = JsonOpt) -> None:
    """Domains, generations and candidates as a tree, with the genome's organ lineage."""
    from stem.cli import logs_views as report
    report.lineage_view(_run_path(config, run), json_out)


@logs.command("organ")
def logs_organ(run: str = RunArg, generation: int = typer.Argument(..., help="Generation number."),
               candidate: Optional[int] = typer.Option(None, "--candidate", "-c", help="A candidate instead of the selected organ."),
               raw: bool = typer.Option(False, "--raw", help="The source as it is (the default into a file or pipe)."),
               config: Optional[Path] = ConfigOpt, json_out: bool = JsonOpt) -> None:
    """The organ source a generation selected (or one candidate's): line numbers on a terminal, as it is with --raw."""
    from stem.cli import logs_views as report
    report.organ_view(_run_path(config, run), generation, candidate, json_out, raw)


@logs.command("diff")
def logs_diff(run: str = RunArg, a: int = typer.Argument(..., help="Generation A."),
              b: Optional[int] = typer.Argument(None, help="Generation B (or --candidate)."),
              candidate: Optional[int] = typer.Option(None, "--candidate", "-c",
                                                      help="A candidate of generation A, diffed against its parent."),
              config: Optional[Path] = ConfigOpt, json_out: bool = JsonOpt) -> None:
    """Unified diff between the organs selected in two generations, or from a candidate's parent to the
    candidate (what a repair, revision or edit changed)."""
    from stem.cli import logs_views as report
    from stem.errors import StemError
    if (b is None) == (candidate is None):
        raise StemError("pass a second generation (stem logs diff RUN A B) or a candidate of A "
                        "(stem logs diff RUN A --candidate N)")
    report.diff_view(_run_path(config, run), a, b, json_out, candidate)


@logs.command("prompt")
def logs_prompt(run: str = RunArg, generation: int = typer.Argument(..., help="Generation number."),
                candidate: int = typer.Option(1, "--candidate", "-c", help="The candidate whose prompt to show."),
                config: Optional[Path] = ConfigOpt, json_out: bool = JsonOpt) -> None:
    """The prompt a candidate of a generation was sent (kept once, in llm/calls.jsonl)."""
    from stem.cli import logs_views as report
    report.prompt_view(_run_path(config, run), generation, candidate, json_out)


@logs.command("turns")
def logs_turns(folder: Path = typer.Argument(..., help="An episode folder of a run (…/episodes/<stage>/<episode> "
                                             "or …/generation_NNN/episodes/cK/<episode>) or a --trace-dir."),
               turn: Optional[int] = typer.Option(None, "--turn", "-t", min=1, help="Only this turn."),
               json_out: bool = JsonOpt) -> None:
    """An episode's turn record, each turn's observation, response and result whole (either layout)."""
    from stem.cli import logs_views as report
    report.turns_view(folder, turn, json_out)


@logs.command("plot")
def logs_plot(run: str = RunArg, config: Optional[Path] = ConfigOpt, json_out: bool = JsonOpt) -> None:
    """Best and mean train score per generation per domain, held-out marks, cumulative calls and tokens."""
    from stem.cli import logs_views as report
    report.plot_view(_run_path(config, run), json_out)


@logs.command("compare")
def logs_compare(a: str = typer.Argument(..., help="First run (path, name under logs/, or 'latest')."),
                 b: str = typer.Argument(..., help="Second run."),
                 config: Optional[Path] = ConfigOpt, json_out: bool = JsonOpt) -> None:
    """Two runs side by side: scores per generation, calls to mature, tokens, cost."""
    from stem.cli import logs_views as report
    report.compare_view(_run_path(config, a), _run_path(config, b), json_out)
