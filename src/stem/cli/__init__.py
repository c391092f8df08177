"""The `stem` command line: one module per command group (with its views beside it); each parses
flags, calls one function of the core, and renders with rich. The core never imports from here."""

from __future__ import annotations

import os
import signal
import sys

import typer

from stem.cli import base
from stem.cli.base import StemGroup
from stem.cli.bench import bench
from stem.cli.doctor import doctor
from stem.cli.domain import domain
from stem.cli.infer import infer
from stem.cli.lessons import lessons
from stem.cli.logs import logs
from stem.cli.organ import organ
from stem.cli.perf import perf
from stem.cli.train import train
from stem.errors import Interrupted

app = typer.Typer(cls=StemGroup, no_args_is_help=True, add_completion=False,
                  help="stem: grow verified, executable skills (organs) under task pressure. "
                       "Add --debug (or STEM_DEBUG=1) to see the stack of an error instead of one line.")


def _version(asked: bool) -> None:
    if asked:
        import stem
        typer.echo(f"stem {stem.__version__}")
        raise typer.Exit(0)


@app.callback()
def _options(quiet: bool = typer.Option(False, "--quiet", help="Print only results and errors (no progress, no tables)."),
             verbose: bool = typer.Option(False, "--verbose", help="Print more detail (e.g. each candidate's rationale)."),
             version: bool = typer.Option(False, "--version", is_eager=True, callback=_version,
                                          help="Print stem's version and exit.")) -> None:
    """stem: grow verified, executable skills (organs) under task pressure."""
    base.console.quiet = quiet
    base.VERBOSE["on"] = verbose


app.add_typer(bench, name="bench")
app.add_typer(organ, name="organ")
app.add_typer(perf, name="perf")
app.add_typer(logs, name="logs")
app.add_typer(domain, name="domain")
app.add_typer(lessons, name="lessons")
app.command("doctor")(doctor)
app.command("train")(train)
app.command("infer")(infer)


def _raise_interrupted(signum: int, frame) -> None:  # noqa: ANN001 - signal handler signature
    raise Interrupted(signal.Signals(signum).name)


def main() -> None:
    """The console script. SIGTERM and SIGHUP end a command the way Ctrl-C does (one line, writes kept
    atomic, sandbox workers killed); `--debug` may stand anywhere and is removed before parsing."""
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, _raise_interrupted)
    if "--debug" in sys.argv[1:]:
        os.environ["STEM_DEBUG"] = "1"
        sys.argv = [a for a in sys.argv if a != "--debug"]
    moved = [a for a in sys.argv[2:] if a in ("--quiet", "--verbose")]  # accepted anywhere on the line
    if moved:
        sys.argv = sys.argv[:1] + moved + [a for a in sys.argv[1:] if a not in moved]
    app(prog_name="stem")  # the same name in usage lines whether run as `stem` or `python -m stem.cli`


if __name__ == "__main__":
    main()
