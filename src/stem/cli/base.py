"""What every command group shares: one-line errors (StemGroup), the consoles, and the common options."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from typer.core import TyperGroup
from typer.exceptions import TyperException

from stem.errors import Interrupted, StemError

if TYPE_CHECKING:
    from stem.config import Settings

console = Console()  # views print here; --quiet silences it, NO_COLOR is honoured by rich
results = Console(highlight=False, soft_wrap=True)  # result lines (PASS/FAIL, summaries): printed even with --quiet
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


def plural(n: int, word: str, words: str | None = None) -> str:
    return f"{n} {word if n == 1 else (words or word + 's')}"


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


class StemGroup(TyperGroup):
    """One line on stderr, never a traceback: a StemError (bad input, a refused write, an interrupted
    run) exits 2; any other OSError is an environment fault and exits 2; anything else is a bug in
    stem and exits 3. With --debug or STEM_DEBUG=1 the stack is shown instead."""

    def invoke(self, ctx):  # noqa: ANN001 - click signature
        try:
            return super().invoke(ctx)
        except (typer.Exit, typer.Abort, TyperException):
            raise
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
        except OSError as exc:
            if debugging():
                raise
            where = f" ({exc.filename})" if exc.filename else ""
            typer.echo(f"error: {(exc.strerror or str(exc)).lower()}{where}; fix the environment and run the "
                       "command again", err=True)
            raise typer.Exit(2) from None
        except Exception as exc:
            if debugging():
                raise
            typer.echo(f"error: internal error in stem ({type(exc).__name__}: {str(exc)[:300]}); this is a bug: "
                       "rerun with --debug (or STEM_DEBUG=1) for the stack and report it", err=True)
            raise typer.Exit(3) from None


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
