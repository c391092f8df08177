"""`stem perf …`: benchmarks that print numbers (never timed assertions in tests)."""

from __future__ import annotations

import typer

from stem.cli.base import UnsafeOpt, group

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
