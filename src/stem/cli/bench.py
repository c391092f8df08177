"""`stem bench list|show|generate|verify|import|baselines`: the benchmark's public side, your own instances, baselines."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from stem.cli.base import ConfigOpt, group

bench = group("Benchmark episodes: list, show, generate, verify, import, baselines.")


@bench.command("list")
def bench_list(config: Optional[Path] = ConfigOpt,
               json_out: bool = typer.Option(False, "--json", help="Machine-readable output.")) -> None:
    """Domains, suites and splits with episode counts."""
    from stem.cli import bench_views
    bench_views.show_list(config, json_out)


@bench.command("show")
def bench_show(episode: str = typer.Argument(..., help="Classic id, generated id (trading-s1000-d2) or public dir."),
               full: bool = typer.Option(False, "--full", help="Print whole files, not the first lines."),
               config: Optional[Path] = ConfigOpt,
               json_out: bool = typer.Option(False, "--json", help="Machine-readable output.")) -> None:
    """The public view of one episode: manifest schedule and public files (never private fixtures)."""
    from stem.cli import bench_views
    bench_views.show_episode(config, episode, full, json_out)


@bench.command("generate")
def bench_generate(domain: str = typer.Option(..., "--domain", "-d", help="trading | matrix | security | all"),
                   split: str = typer.Option("train", "--split", "-s", help="train | validation | test"),
                   count: Optional[int] = typer.Option(None, "--count", "-n", min=1, help="Episodes per domain."),
                   seed: Optional[int] = typer.Option(None, "--seed", min=0, help="First seed (default: the split's)."),
                   difficulty: Optional[int] = typer.Option(None, "--difficulty", help="Fix one level instead of cycling."),
                   out: Path = typer.Option(..., "--out", "-o", help="Suite directory to write public/ and private/ into."),
                   config: Optional[Path] = ConfigOpt,
                   json_out: bool = typer.Option(False, "--json", help="Machine-readable output.")) -> None:
    """Generate episodes (byte-identical for the same seed) into a suite directory."""
    from stem.cli import bench_views
    bench_views.generate(config, domain, split, count, seed, difficulty, out, json_out)


@bench.command("verify")
def bench_verify(submission: Path = typer.Argument(..., help="JSON file: the final artifact (or {artifact, probes|record})."),
                 episode: str = typer.Option(..., "--episode", "-e", help="Classic id, generated id or public dir."),
                 config: Optional[Path] = ConfigOpt,
                 json_out: bool = typer.Option(False, "--json", help="Print the verdict as JSON.")) -> None:
    """Verify a submitted artifact against an episode. Exit 0 pass, 1 fail, 2 bad input."""
    from stem.cli import bench_views
    passed = bench_views.verify(config, episode, submission, json_out)
    raise typer.Exit(0 if passed else 1)


@bench.command("import")
def bench_import(instance: Path = typer.Argument(..., help='JSON: {"capacity": C, "items": [...]} or an object of named instances.'),
                 domain: str = typer.Option(..., "--domain", "-d", help="binpacking"),
                 out: Path = typer.Option(..., "--out", "-o", help="Directory to write public/ and private/ task folders into."),
                 config: Optional[Path] = ConfigOpt,
                 json_out: bool = typer.Option(False, "--json", help="Machine-readable output.")) -> None:
    """Turn your own instances into task folders that stem infer --task-file runs and scores."""
    from stem.cli import bench_views
    bench_views.import_instances(config, domain, instance, out, json_out)


@bench.command("baselines")
def bench_baselines(domain: str = typer.Option(..., "--domain", "-d", help="binpacking"),
                    episodes: int = typer.Option(20, "--episodes", "-n", min=1, help="Generated episodes per level."),
                    seed: int = typer.Option(0, "--seed", min=0, help="First seed."),
                    config: Optional[Path] = ConfigOpt,
                    json_out: bool = typer.Option(False, "--json", help="Machine-readable output.")) -> None:
    """First Fit, Best Fit and the reference heuristic: mean excess over the lower bound per level."""
    from stem.cli import bench_views
    bench_views.show_baselines(config, domain, episodes, seed, json_out)
