"""What every command group shares: one-line errors (StemGroup), the consoles, and the common options."""

from __future__ import annotations

import errno
import io
import os
import select
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from typer.core import TyperGroup
from typer.exceptions import TyperException

try:  # typer 0.2x carries its own copy of click
    from typer._click import exceptions as clickexc
except ImportError:  # older typer runs on click itself
    from click import exceptions as clickexc

from stem.errors import Interrupted, StemError
from stem.run_report import plural  # noqa: F401 (the one wording rule, re-exported for the views)

if TYPE_CHECKING:
    from stem.config import Settings

CLOSED_PIPE_EXIT = 141  # 128 + SIGPIPE: what a shell reports for a tool whose reader went away (`| head`)


class _Console(Console):
    def on_broken_pipe(self) -> None:
        """The reader of our output went away (`stem logs list | head -1`): stop quietly, exit 141."""
        _silence_closed_output()
        raise SystemExit(CLOSED_PIPE_EXIT)


console = _Console()  # views print here; --quiet silences it, NO_COLOR is honoured by rich
results = _Console(highlight=False, soft_wrap=True)  # result lines (PASS/FAIL, summaries): printed even with --quiet
VERBOSE = {"on": False}  # --verbose: views add detail lines


@contextmanager
def progress(total: int, what: str) -> Iterator[Callable[[str], None]]:
    """A progress bar on a terminal for work of `total` steps; `advance(label)` after each. Off a
    terminal (pipes, CI) or with --quiet it prints nothing."""
    if not console.is_terminal or console.quiet:
        yield lambda label="": None
        return
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  TextColumn("{task.fields[label]}"), console=console, transient=True) as bar:
        task = bar.add_task(what, total=total, label="")
        yield lambda label="": bar.update(task, advance=1, label=label)


def result(text: str, markup: bool = True) -> None:
    """A result line: printed with and without --quiet, never wrapped."""
    results.print(text, markup=markup)


def raw(text: str) -> None:
    """Text exactly as it is (JSON, source code): no markup, no wrapping; silenced by --quiet."""
    if not console.quiet:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")


def project(config: Path | None) -> "Settings":
    """Settings for a command that uses domains: config.yaml read, then the project's domains loaded."""
    from stem.benchmark import domains
    from stem.config import load_settings
    settings = load_settings(config)
    domains.discover_for(settings)
    return settings


def debugging() -> bool:
    """--debug (anywhere on the command line) or STEM_DEBUG=1: show the stack instead of one line."""
    return os.environ.get("STEM_DEBUG", "") not in ("", "0") or "--debug" in sys.argv[1:]


def output_closed() -> bool:
    """stdout or stderr is a pipe whose reader has gone (`stem ... | head -1`)."""
    for stream in (sys.stdout, sys.stderr):
        try:
            poller = select.poll()
            poller.register(stream.fileno(), select.POLLOUT)
            if any(events & select.POLLERR for _, events in poller.poll(0)):
                return True
        except (AttributeError, ValueError, OSError, io.UnsupportedOperation):
            continue
    return False


def _silence_closed_output() -> None:
    """Point the closed streams at /dev/null, so the flush at exit has nowhere to fail."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    for stream in (sys.stdout, sys.stderr):
        try:
            os.dup2(devnull, stream.fileno())
        except (AttributeError, ValueError, OSError, io.UnsupportedOperation):
            pass
    os.close(devnull)


def _flush() -> None:
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except ValueError:  # a stream closed by a test harness
            pass


class StemGroup(TyperGroup):
    """One line on stderr, never a traceback: a StemError (bad input, a refused write, an interrupted
    run) exits 2; any other OSError is an environment fault and exits 2; anything else is a bug in
    stem and exits 3. With --debug or STEM_DEBUG=1 the stack is shown instead. A usage mistake (an
    unknown option, a bad value) is one line plus the usage; output into a closed pipe (`| head`) ends
    quietly with exit 141, like a tool killed by SIGPIPE."""

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):  # noqa: ANN001
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        try:
            try:
                code = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
            finally:
                _flush()
        except clickexc.NoArgsIsHelpError as exc:
            typer.echo(exc.ctx.get_help())
            code = 2
        except clickexc.UsageError as exc:
            code = usage_error(exc)
        except clickexc.ClickException as exc:
            typer.echo(f"error: {exc.format_message()}", err=True)
            code = exc.exit_code
        except typer.Abort:
            typer.echo("error: aborted", err=True)
            code = 1
        except OSError as exc:
            if exc.errno != errno.EPIPE:
                raise
            _silence_closed_output()
            code = CLOSED_PIPE_EXIT
        sys.exit(code or 0)

    def invoke(self, ctx):  # noqa: ANN001 - click signature
        try:
            try:
                return super().invoke(ctx)
            finally:
                _flush()  # a closed pipe shows here, inside the handlers below, not at interpreter exit
        except (typer.Exit, typer.Abort, TyperException):
            raise
        except OSError as exc:
            if exc.errno == errno.EPIPE and output_closed():
                _silence_closed_output()
                raise typer.Exit(CLOSED_PIPE_EXIT) from None
            return self._fault(exc)
        except StemError as exc:
            if debugging():
                raise
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(exc.exit_code) from None
        except KeyboardInterrupt as exc:
            if debugging():
                raise
            what = f"terminated by {exc.signal_name}" if isinstance(exc, Interrupted) else "interrupted"
            typer.echo(f"error: {what}; nothing half-written was left; run the command again", err=True)
            raise typer.Exit(2) from None
        except Exception as exc:
            if debugging():
                raise
            typer.echo(f"error: internal error in stem ({type(exc).__name__}: {str(exc)[:300]}); this is a bug: "
                       "rerun with --debug (or STEM_DEBUG=1) for the stack and report it", err=True)
            raise typer.Exit(3) from None


    @staticmethod
    def _fault(exc: OSError):  # noqa: ANN205 - never returns
        """Any other OSError is the environment's fault: one line, exit 2."""
        if debugging():
            raise exc
        where = f" ({exc.filename})" if exc.filename else ""
        typer.echo(f"error: {(exc.strerror or str(exc)).lower()}{where}; fix the environment and run the "
                   "command again", err=True)
        raise typer.Exit(2) from None


def usage_error(exc: clickexc.UsageError) -> int:
    """A command-line mistake: the message on one line, then the usage line with where to read more."""
    message = " ".join(exc.format_message().split())
    ctx = exc.ctx
    typer.echo(f"error: {message}", err=True)
    if ctx is not None:
        usage = " ".join(ctx.get_usage().split()).removeprefix("Usage: ")
        typer.echo(f"usage: {usage}  (see {ctx.command_path} --help)", err=True)
    return exc.exit_code


def group(help_text: str) -> typer.Typer:
    return typer.Typer(cls=StemGroup, no_args_is_help=True, help=help_text)


ConfigOpt = typer.Option(None, "--config", help="config.yaml to use (default: ./config.yaml).")
JsonOpt = typer.Option(False, "--json", help="Machine-readable output.")
UnsafeOpt = typer.Option(False, "--unsafe-no-isolation",
                         help="Run organs without namespaces when isolation is unavailable (loud, recorded).")
LlmOpt = typer.Option(None, "--llm", help="LLM profile from config.yaml (auto, gemini, openai, anthropic, openrouter, "
                                          "ollama, vllm, llamacpp, command, claude-code, codex, gemini-cli, llm-cli, replay).")
ModelOpt = typer.Option(None, "--model", help="Override the profile's model.")
BaseUrlOpt = typer.Option(None, "--base-url", help="Override the profile's base URL.")
RunArg = typer.Argument(..., help="Run directory, its name under logs/, or 'latest'.")
