"""`stem perf …`: benchmarks that print numbers (never timed assertions in tests)."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from stem.cli.base import ConfigOpt, UnsafeOpt, group

perf = group("Benchmarks that print numbers.")


@perf.command("sandbox")
def perf_sandbox(calls: int = typer.Option(60, "--calls", min=5, help="Sandboxed calls per mode."),
                 pool: int = typer.Option(2, "--pool", min=1, help="Pre-started workers."),
                 pause_ms: float = typer.Option(50.0, "--pause-ms", min=0, help="Gap between calls in the paced mode."),
                 unsafe: bool = UnsafeOpt,
                 json_out: bool = typer.Option(False, "--json", help="Machine-readable output.")) -> None:
    """Sandboxed organ calls per second, median and p95 latency, beside in-process calls."""
    from stem.cli import perf_views
    perf_views.perf_sandbox(calls, pool, pause_ms, unsafe, json_out)


@perf.command("episode")
def perf_episode(turns: int = typer.Option(5002, "--turns", min=3, help="Turns of the synthetic episode (items + 2)."),
                 domain: str = typer.Option("synthetic", "--domain", help="synthetic, or a registered domain."),
                 level: Optional[int] = typer.Option(None, "--level", help="A registered domain's level (default: its highest)."),
                 seed: int = typer.Option(1, "--seed", help="Episode seed."),
                 organ: Optional[Path] = typer.Option(None, "--organ", help="Organ file (default: the Best Fit fixture)."),
                 paths: str = typer.Option("session,fork_server", "--paths",
                                           help="Comma-separated: session, fork_server, per_call."),
                 keep: str = typer.Option("all", "--keep", help="logs.keep_turns for the episode's record: all, "
                                                               "failing or none (all writes the most)."),
                 unsafe: bool = UnsafeOpt,
                 json_out: bool = typer.Option(False, "--json", help="Machine-readable output.")) -> None:
    """One many-turn episode through the real sandbox and EpisodeRunner on each path, turns recorded as in
    training: total seconds, per-turn median and p95, bytes recorded."""
    from stem.cli import perf_views
    chosen = tuple(p.strip() for p in paths.split(",") if p.strip())
    perf_views.perf_episode(turns, chosen, domain, level, seed, organ, unsafe, json_out, keep)


@perf.command("train")
def perf_train(population: int = typer.Option(4, "--population", min=1, help="Candidates per generation."),
               episodes: int = typer.Option(8, "--episodes", min=1, help="Train episodes."),
               generations: int = typer.Option(3, "--generations", min=1, help="Generations to run."),
               latency_ms: float = typer.Option(0.0, "--llm-latency-ms", min=0, help="Scripted LLM latency per call."),
               workers: Optional[int] = typer.Option(None, "--workers", min=1, help="Episodes at once (default: cores)."),
               unsafe: bool = UnsafeOpt, config: Optional[Path] = ConfigOpt,
               json_out: bool = typer.Option(False, "--json", help="Machine-readable output.")) -> None:
    """A scripted training run (in-process LLM, a fixed benchmark organ): harness seconds per generation,
    sandboxed call latency, and the share of wall time outside the LLM."""
    from stem.cli import perf_views
    perf_views.perf_train(config, population, episodes, generations, latency_ms, workers, unsafe, json_out)


@perf.command("runfiles")
def perf_runfiles(case: Optional[list[str]] = typer.Option(None, "--case", help="DOMAIN:LEVEL (repeatable; "
                                                          "default matrix:6 and trading:6)."),
                  population: int = typer.Option(1, "--population", min=1, help="Candidates in the generation."),
                  episodes: int = typer.Option(8, "--episodes", min=1, help="Train episodes."),
                  turns: Optional[list[int]] = typer.Option(None, "--turns", min=2, help="Turn counts of the "
                                                            "synthetic many-step episodes (repeatable)."),
                  keep: str = typer.Option("all", "--keep", help="logs.keep_turns of the scripted runs: all "
                                           "(default here: every record's size), failing or none."),
                  unsafe: bool = UnsafeOpt, config: Optional[Path] = ConfigOpt,
                  json_out: bool = typer.Option(False, "--json", help="Machine-readable output.")) -> None:
    """Bytes a run folder holds per candidate-episode and per generation (a scripted run with the
    hand-written fixture organs), and bytes per turn of synthetic many-step episodes."""
    from stem.cli import perf_views
    perf_views.perf_runfiles(config, case, population, episodes, turns, keep, unsafe, json_out)
