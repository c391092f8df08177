"""`stem infer`: a saved genome on one task (answered or not) or on benchmark splits; the work is done
by stem.inference (the library API), this module parses and renders."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer

from stem.cli.base import ConfigOpt, UnsafeOpt, console, progress, project, result
from stem.errors import StemError


def infer(genome: Path = typer.Option(Path("genomes/mature_cell.json"), "--genome", "-g", help="Genome JSON."),
          task_file: Optional[Path] = typer.Option(None, "--task-file", "-t",
                                                   help="A task's public folder or manifest.json (a private answer "
                                                        "beside it is optional)."),
          benchmark: Optional[str] = typer.Option(None, "--benchmark", "-b", help="validation | test | train | all"),
          domain: str = typer.Option("all", "--domain", "-d", help="Domains for --benchmark."),
          out: Optional[Path] = typer.Option(None, "--out", "-o", help="Write the artifact (JSON) to this file."),
          unsafe: bool = UnsafeOpt, config: Optional[Path] = ConfigOpt,
          json_out: bool = typer.Option(False, "--json", help="Machine-readable output.")) -> None:
    """Run a saved genome on one task (with or without its answer) or on benchmark splits. Exit 0 ok, 1 not, 2 bad input.

    A task's artifact is printed (--out writes it), checked against the task's output contract, and scored
    when its private answer is there or its domain scores from public data. Exit 0: a valid artifact
    (verified or not), or every episode passes; 1: a failing verdict or an invalid artifact; 2: bad input."""
    raise typer.Exit(run(config, genome, task_file, benchmark, domain, unsafe, json_out, out))


def run(config: Path | None, genome: Path, task_file: Path | None, benchmark: str | None, domain: str,
        unsafe: bool, json_out: bool, out: Path | None = None) -> int:
    from stem.cli.infer_views import render_solution, render_split
    from stem.inference import benchmark_episodes, genome_cell, write_artifact
    if (task_file is None) == (benchmark is None):
        raise StemError("pass exactly one of --task-file F or --benchmark validation|test|train|all")
    if out is not None and task_file is None:
        raise StemError("--out writes one task's artifact; use it with --task-file")
    settings = project(config)
    cell = genome_cell(genome, unsafe)
    if task_file is not None:
        solution = cell.solve(task_file)
        written = write_artifact(solution, out) if out is not None else None
        if json_out:
            print(json.dumps(solution.as_dict() | ({"out": str(out), "written": written} if out else {}),
                             indent=2, default=str, ensure_ascii=False))
        else:
            render_solution(solution, f"{solution.episode_id} ({solution.domain}) with {genome}")
        if written is not None:
            typer.echo(f"wrote the artifact to {out}" if written else
                       f"{out}: not written: the artifact is invalid", err=True)
        return 0 if solution.ok else 1
    episodes, seeds = benchmark_episodes(settings, benchmark, domain)
    with progress(len(episodes), f"{benchmark} episodes") as advance:
        solutions = cell.solve_all(episodes, on_done=lambda s: advance(s.episode_id))
    if json_out:
        print(json.dumps({"benchmark": benchmark, "test_seeds": seeds,
                          "episodes": [s.row() for s in solutions]}, indent=2, default=str))
    else:
        render_split(solutions, f"{benchmark}: {{passed}}/{len(solutions)} passed with {genome}")
        if seeds:
            console.print(f"test seeds drawn fresh: {seeds}")
    if not solutions:
        result("no episodes")
    return 0 if solutions and all(s.ok for s in solutions) else 1
