"""`stem infer`: a saved genome on one task or on benchmark splits."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer

from stem.cli.base import ConfigOpt, UnsafeOpt, console, progress
from stem.cli.bench_views import render_verdict
from stem.config import load_settings


def infer(genome: Path = typer.Option(Path("genomes/mature_cell.json"), "--genome", "-g", help="Genome JSON."),
          task_file: Optional[Path] = typer.Option(None, "--task-file", "-t", help="A task's manifest.json or public dir."),
          benchmark: Optional[str] = typer.Option(None, "--benchmark", "-b", help="validation | test | train | all"),
          domain: str = typer.Option("all", "--domain", "-d", help="Domains for --benchmark."),
          unsafe: bool = UnsafeOpt, config: Optional[Path] = ConfigOpt,
          json_out: bool = typer.Option(False, "--json", help="Machine-readable output.")) -> None:
    """Run a saved genome on one task or on benchmark splits. Exit 0 all pass, 1 some fail, 2 bad input."""
    raise typer.Exit(run(config, genome, task_file, benchmark, domain, unsafe, json_out))


def run(config: Path | None, genome: Path, task_file: Path | None, benchmark: str | None, domain: str,
          unsafe: bool, json_out: bool) -> int:
    from stem.errors import StemError
    from stem.inference import infer_benchmark, infer_task
    settings = load_settings(config)
    if (task_file is None) == (benchmark is None):
        raise StemError("pass exactly one of --task-file F or --benchmark validation|test|train|all")
    if task_file is not None:
        result = infer_task(genome, task_file, unsafe)
        if json_out:
            print(json.dumps({"episode": result.episode_id, "domain": result.domain,
                              "verdict": result.verdict.model_dump()}, indent=2, default=str))
        else:
            render_verdict(result.verdict, f"{result.episode_id} ({result.domain}) with {genome}")
        return 0 if result.verdict.success else 1
    from stem.benchmark import domains as domainlib
    from stem.benchmark import splits
    chosen = {"all": ["train", "validation", "test"]}.get(benchmark, [benchmark])
    total = sum(len(splits.split_specs(settings, s)) for s in chosen if s in ("train", "validation", "test")) \
        * len(domainlib.domain_names(domain))
    with progress(total, f"{benchmark} episodes") as advance:
        results, seeds = infer_benchmark(settings, genome, benchmark, domain, unsafe, advance)
    rows = [{"episode": r.episode_id, "domain": r.domain, "success": r.verdict.success,
             "score": round(r.verdict.score, 4), "tags": r.verdict.tags} for r in results]
    if json_out:
        print(json.dumps({"benchmark": benchmark, "test_seeds": seeds, "episodes": rows}, indent=2))
    else:
        from stem.cli.logs_views import _pass_table
        passed = sum(r["success"] for r in rows)
        console.print(_pass_table(f"{benchmark}: {passed}/{len(rows)} passed with {genome}", rows))
        if seeds:
            console.print(f"test seeds drawn fresh: {seeds}")
    return 0 if all(r["success"] for r in rows) else 1
