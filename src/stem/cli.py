"""The `stem` command line: parse flags, call one function, render with rich. No logic lives here."""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path
from typing import Optional

import typer
from typer.core import TyperGroup

from typer.exceptions import TyperException

from stem.errors import Interrupted, StemError


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


app = typer.Typer(cls=StemGroup, no_args_is_help=True, add_completion=False,
                  help="stem: grow verified, executable skills (organs) under task pressure. "
                       "Add --debug (or STEM_DEBUG=1) to see the stack of an error instead of one line.")
bench = typer.Typer(cls=StemGroup, no_args_is_help=True,
                    help="Benchmark episodes: list, show, generate, verify.")
app.add_typer(bench, name="bench")
organ = typer.Typer(cls=StemGroup, no_args_is_help=True, help="Organs: validate and run one in the sandbox.")
app.add_typer(organ, name="organ")
perf = typer.Typer(cls=StemGroup, no_args_is_help=True, help="Benchmarks that print numbers.")
app.add_typer(perf, name="perf")
logs = typer.Typer(cls=StemGroup, no_args_is_help=True, help="Inspect run directories.")
app.add_typer(logs, name="logs")

ConfigOpt = typer.Option(None, "--config", help="config.yaml to use (default: ./config.yaml).")


@bench.command("list")
def bench_list(config: Optional[Path] = ConfigOpt,
               json_out: bool = typer.Option(False, "--json", help="Machine-readable output.")) -> None:
    """Domains, suites and splits with episode counts."""
    from stem import bench_views
    bench_views.show_list(config, json_out)


@bench.command("show")
def bench_show(episode: str = typer.Argument(..., help="Classic id, generated id (trading-s1000-d2) or public dir."),
               full: bool = typer.Option(False, "--full", help="Print whole files, not the first lines."),
               config: Optional[Path] = ConfigOpt,
               json_out: bool = typer.Option(False, "--json", help="Machine-readable output.")) -> None:
    """The public view of one episode: manifest schedule and public files (never private fixtures)."""
    from stem import bench_views
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
    from stem import bench_views
    bench_views.generate(config, domain, split, count, seed, difficulty, out, json_out)


@bench.command("verify")
def bench_verify(submission: Path = typer.Argument(..., help="JSON file: the final artifact (or {artifact, probes})."),
                 episode: str = typer.Option(..., "--episode", "-e", help="Classic id, generated id or public dir."),
                 config: Optional[Path] = ConfigOpt,
                 json_out: bool = typer.Option(False, "--json", help="Print the verdict as JSON.")) -> None:
    """Verify a submitted artifact against an episode. Exit 0 pass, 1 fail, 2 bad input."""
    from stem import bench_views
    passed = bench_views.verify(config, episode, submission, json_out)
    raise typer.Exit(0 if passed else 1)


UnsafeOpt = typer.Option(False, "--unsafe-no-isolation",
                         help="Run organs without namespaces when isolation is unavailable (loud, recorded).")


@organ.command("check")
def organ_check(file: Path = typer.Argument(..., help="Organ source file."),
                json_out: bool = typer.Option(False, "--json", help="Machine-readable output.")) -> None:
    """The validator's verdict with line-numbered reasons. Exit 0 accepted, 1 rejected, 2 bad input."""
    from stem import organ_views
    raise typer.Exit(0 if organ_views.check(file, json_out) else 1)


@organ.command("run")
def organ_run(file: Path = typer.Argument(..., help="Organ source file."),
              episode: str = typer.Option(..., "--episode", "-e", help="Classic id, generated id or public dir."),
              trace_dir: Optional[Path] = typer.Option(None, "--trace-dir", help="Write turn_NN_*.json here."),
              unsafe: bool = UnsafeOpt, config: Optional[Path] = ConfigOpt,
              json_out: bool = typer.Option(False, "--json", help="Machine-readable output.")) -> None:
    """Run an organ through a full episode in the sandbox and print the verdict. Exit 0 pass, 1 fail, 2 bad input."""
    from stem import organ_views
    raise typer.Exit(0 if organ_views.run(file, episode, config, unsafe, trace_dir, json_out) else 1)


LlmOpt = typer.Option(None, "--llm", help="LLM profile from config.yaml (gemini, openai, ollama, vllm, llamacpp, command, replay).")
ModelOpt = typer.Option(None, "--model", help="Override the profile's model.")
BaseUrlOpt = typer.Option(None, "--base-url", help="Override the profile's base URL.")


@app.command("doctor")
def doctor(llm: Optional[str] = LlmOpt, model: Optional[str] = ModelOpt, base_url: Optional[str] = BaseUrlOpt,
           offline: bool = typer.Option(False, "--offline", help="Skip the network checks of the LLM profile."),
           config: Optional[Path] = ConfigOpt,
           json_out: bool = typer.Option(False, "--json", help="Machine-readable output.")) -> None:
    """Isolation layers for organs and the selected LLM profile. Exit 1 when something is not usable."""
    from stem import organ_views
    raise typer.Exit(0 if organ_views.doctor(json_out, config, llm, model, base_url, offline) else 1)


@perf.command("sandbox")
def perf_sandbox(calls: int = typer.Option(60, "--calls", min=5, help="Sandboxed calls per mode."),
                 pool: int = typer.Option(2, "--pool", min=1, help="Pre-started workers."),
                 pause_ms: float = typer.Option(50.0, "--pause-ms", min=0, help="Gap between calls in the paced mode."),
                 unsafe: bool = UnsafeOpt,
                 json_out: bool = typer.Option(False, "--json", help="Machine-readable output.")) -> None:
    """Sandboxed organ calls per second, median and p95 latency, beside in-process calls."""
    from stem import organ_views
    organ_views.perf_sandbox(calls, pool, pause_ms, unsafe, json_out)


@app.command("train")
def train(domain: str = typer.Option("trading", "--domain", "-d", help="trading | matrix | security | all (aliases ok)."),
          population: Optional[int] = typer.Option(None, "--population", min=1, help="Candidate plans per generation."),
          max_epochs: Optional[int] = typer.Option(None, "--max-epochs", min=1, help="Generations per domain at most."),
          llm: Optional[str] = LlmOpt, model: Optional[str] = ModelOpt, base_url: Optional[str] = BaseUrlOpt,
          replay_from: Optional[Path] = typer.Option(None, "--replay-from", help="Run directory to replay (--llm replay)."),
          resume: Optional[Path] = typer.Option(None, "--resume", help="Continue an interrupted run directory."),
          unsafe: bool = UnsafeOpt, config: Optional[Path] = ConfigOpt,
          json_out: bool = typer.Option(False, "--json", help="Print the final summary as JSON.")) -> None:
    """Stage 1 stem baseline, Stage 2 evolution, Stage 3 validation + hidden test. Exit 0 mature, 1 not, 2 bad input."""
    from stem import train_cmd
    raise typer.Exit(train_cmd.run(config, domain, population, max_epochs, llm, model, base_url, replay_from, resume,
                                   unsafe, json_out))


@app.command("infer")
def infer(genome: Path = typer.Option(Path("genomes/mature_cell.json"), "--genome", "-g", help="Genome JSON."),
          task_file: Optional[Path] = typer.Option(None, "--task-file", "-t", help="A task's manifest.json or public dir."),
          benchmark: Optional[str] = typer.Option(None, "--benchmark", "-b", help="validation | test | train | all"),
          domain: str = typer.Option("all", "--domain", "-d", help="Domains for --benchmark."),
          unsafe: bool = UnsafeOpt, config: Optional[Path] = ConfigOpt,
          json_out: bool = typer.Option(False, "--json", help="Machine-readable output.")) -> None:
    """Run a saved genome on one task or on benchmark splits. Exit 0 all pass, 1 some fail, 2 bad input."""
    from stem import train_cmd
    raise typer.Exit(train_cmd.infer(config, genome, task_file, benchmark, domain, unsafe, json_out))


RunArg = typer.Argument(..., help="Run directory, its name under logs/, or 'latest'.")
JsonOpt = typer.Option(False, "--json", help="Machine-readable output.")


def _run_path(config: Optional[Path], run: str) -> Path:
    from stem.config import load_settings
    from stem.runlog import resolve_run
    return resolve_run(load_settings(config).path("logs"), run)


@logs.command("list")
def logs_list(config: Optional[Path] = ConfigOpt, json_out: bool = JsonOpt) -> None:
    """Every run with status, pass counts, tokens and cost."""
    from stem import report
    from stem.config import load_settings
    report.list_view(load_settings(config).path("logs"), json_out)


@logs.command("show")
def logs_show(run: str = RunArg, config: Optional[Path] = ConfigOpt, json_out: bool = JsonOpt) -> None:
    """Stages, generations, held-out results and warnings for one run."""
    from stem import report
    report.show_view(_run_path(config, run), json_out)


@logs.command("scars")
def logs_scars(run: str = RunArg, config: Optional[Path] = ConfigOpt, json_out: bool = JsonOpt) -> None:
    """The run's phenotypic scars."""
    from stem import report
    report.scars_view(_run_path(config, run), json_out)


@logs.command("lineage")
def logs_lineage(run: str = RunArg, config: Optional[Path] = ConfigOpt, json_out: bool = JsonOpt) -> None:
    """Domains, generations and candidates as a tree, with the genome's organ lineage."""
    from stem import report
    report.lineage_view(_run_path(config, run), json_out)


@logs.command("organ")
def logs_organ(run: str = RunArg, generation: int = typer.Argument(..., help="Generation number."),
               candidate: Optional[int] = typer.Option(None, "--candidate", "-c", help="A candidate instead of the selected organ."),
               config: Optional[Path] = ConfigOpt, json_out: bool = JsonOpt) -> None:
    """The organ source a generation selected (or one candidate's)."""
    from stem import report
    report.organ_view(_run_path(config, run), generation, candidate, json_out)


@logs.command("diff")
def logs_diff(run: str = RunArg, a: int = typer.Argument(..., help="Generation A."),
              b: int = typer.Argument(..., help="Generation B."),
              config: Optional[Path] = ConfigOpt, json_out: bool = JsonOpt) -> None:
    """Unified diff between the organs selected in two generations."""
    from stem import report
    report.diff_view(_run_path(config, run), a, b, json_out)


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
    app()


if __name__ == "__main__":
    main()
