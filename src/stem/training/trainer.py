"""`stem train`: open (or resume) a run, then Stage 1 (baseline.py), Stage 2 (evolve.py) and Stage 3
(maturation.py). Every finished generation is on disk before the next begins, so `--resume` after a
crash continues without losing or repeating one."""

from __future__ import annotations

import os
import platform
import sys

from stem import executors
from stem.benchmark import domains as domainlib
from stem.benchmark import splits
from stem.config import Settings
from stem.errors import Interrupted, StemError, WriteFault
from stem.evolution.prompts import load_templates
from stem.genome import Genome
from stem.jsonio import write_json
from stem.llm.budget import Budget
from stem.llm.client import LLMClient, build_client
from stem.runlog import RunLog, new_run_dir
from stem.runtime.sandbox import Sandbox
from stem.training.baseline import stage1
from stem.training.evolve import stage2
from stem.training.maturation import stage3
from stem.training.shared import Reporter, RunContext, TrainOptions
from stem.version import __version__


class Trainer:
    def __init__(self, settings: Settings, opts: TrainOptions, reporter: Reporter):
        self.settings, self.opts, self.rep = settings, opts, reporter
        self.domains = domainlib.domain_names(opts.domain)
        self.templates = load_templates(settings.path("prompts"))  # a missing template stops before any run starts
        recorded = self._recorded_options(opts)
        self.population = opts.population or recorded.get("population") or settings.evolution.population
        self.max_epochs = opts.max_epochs or recorded.get("max_epochs") or settings.evolution.max_epochs

    @staticmethod
    def _recorded_options(opts: TrainOptions) -> dict:
        """A replay asks the recorded run's questions again: its population and epochs, unless flags say otherwise."""
        if opts.replay_from is None or opts.resume is not None:
            return {}
        source = opts.replay_from if opts.replay_from.is_dir() else opts.replay_from.parent.parent
        if not (source / "run.json").is_file():
            return {}
        options = RunLog(source).read_run().get("options")
        return options if isinstance(options, dict) else {}

    def _resume(self) -> RunLog:
        log = RunLog(self.opts.resume)
        state = log.read_run()
        if state["status"] == "finished":
            raise StemError(f"{self.opts.resume}: this run already finished; start a new one without --resume")
        if "front" not in state:
            raise StemError(f"{self.opts.resume}: this run was recorded by an older stem (no Pareto front); "
                            "start a new run without --resume")
        self.domains = state["domains"]
        self.population, self.max_epochs = state["options"]["population"], state["options"]["max_epochs"]
        finished = state["progress"]["generation"]
        for path in sorted(log.path.glob("generation_*")):
            if int(path.name.split("_")[1]) > finished:
                log.discard_generation(int(path.name.split("_")[1]))
        log.update_run(status="running")
        log.event("resumed", after_generation=finished)
        self.rep.line(f"resuming {log.path} after generation {finished}")
        return log

    def _new(self) -> RunLog:
        import openai
        log = RunLog(new_run_dir(self.settings.path("logs")))
        log.write_run({
            "status": "running", "stop_reason": None, "stem_version": __version__,
            "versions": {"python": sys.version.split()[0], "openai": openai.__version__, "platform": platform.platform()},
            "config": self.settings.model_dump(mode="json"), "domains": self.domains,
            "options": {"population": self.population, "max_epochs": self.max_epochs, "objective": self.opts.objective,
                        "llm": self.opts.llm,
                        "model": self.opts.model, "base_url": self.opts.base_url,
                        "replay_from": str(self.opts.replay_from) if self.opts.replay_from else None,
                        "unsafe_no_isolation": self.opts.unsafe},
            "progress": {"stage": 1, "generation": 0},
            "domain_state": {d: {"epochs": 0, "objective": self._objective(d), "done": None, "last_failures": "",
                                 "best_history": []} for d in self.domains},
            "front": {d: [] for d in self.domains}, "rejected": [], "llm_usage": None, "calls_saved": 0,
            "stage1": None, "stage2": None, "stage3": None, "mature": None, "test_seeds": None,
        })
        write_json(log.path / "genome.json", Genome().model_dump(mode="json"))
        write_json(log.path / "phenotypic_scars.json", [])
        log.event("run_started", domains=self.domains)
        return log

    def _objective(self, domain: str) -> str:
        """--objective, else config evolution.objective, else the domain's own (binpacking: climb)."""
        return self.opts.objective or self.settings.evolution.objective or domainlib.get(domain).objective

    def run(self) -> dict:
        log = self._resume() if self.opts.resume is not None else self._new()
        try:
            sandbox = Sandbox(unsafe_no_isolation=self.opts.unsafe, prestart=1)
            log.update_run(isolation=sandbox.report.as_dict(), isolation_layers=sandbox.layers)
            if self.opts.unsafe:
                self.rep.line("[bold red]WARNING: organs run WITHOUT namespace isolation (--unsafe-no-isolation)[/]")
            workers = self.opts.workers or self.settings.evolution.workers or os.cpu_count() or 1
            kind = self.opts.executor or self.settings.evolution.executor
            executor = executors.build(kind, sandbox, workers, self.opts.ray_address, self.opts.unsafe,
                                       self.settings.domain_paths())
            log.update_run(executor=kind)
            ctx = RunContext(self.settings, self.opts, log, self.rep, self.templates, self.domains, self.population,
                             self.max_epochs, executor)
            train = {d: splits.split_episodes(self.settings, d, "train") for d in self.domains}
            validation = {d: splits.split_episodes(self.settings, d, "validation") for d in self.domains}
            log.update_run(split_ids={"train": {d: [e.episode_id for e in v] for d, v in train.items()},
                                      "validation": {d: [e.episode_id for e in v] for d, v in validation.items()}})
            with sandbox:
                try:
                    if log.read_run()["stage1"] is None:
                        stage1(ctx, validation)
                    if log.read_run()["progress"]["stage"] <= 2:  # a resumed Stage 3 needs no LLM
                        stage2(ctx, self._client(log), train, validation)
                    return stage3(ctx, validation)
                finally:
                    executor.close()
        except (WriteFault, OSError) as exc:  # the disk refused a write: say where, keep what is on disk
            fault = exc if isinstance(exc, WriteFault) else WriteFault(exc.filename or log.path, exc)
            _mark(log, "stopped", fault.problem)
            raise fault.continue_with(f"stem train --resume {log.path}") from None
        except StemError as exc:
            _mark(log, "stopped", str(exc))
            raise
        except KeyboardInterrupt as exc:
            what = f"terminated by {exc.signal_name}" if isinstance(exc, Interrupted) else "interrupted"
            _mark(log, "interrupted", f"{what} by the user" if what == "interrupted" else what)
            raise StemError(f"{what}; continue with: stem train --resume {log.path}") from None
        except BaseException as exc:
            _mark(log, "failed", f"{type(exc).__name__}: {exc}")
            raise

    def _client(self, log: RunLog) -> LLMClient:
        state = log.read_run()
        if self.opts.client is not None:
            client = self.opts.client
            client.calls_file = log.path / "llm" / "calls.jsonl"
        else:
            try:
                client = build_client(self.settings.llm, self.opts.llm, self.opts.model, self.opts.base_url,
                                      calls_file=log.path / "llm" / "calls.jsonl", replay_from=self.opts.replay_from)
            except StemError as exc:  # Stage 1 is kept: once an LLM is there, the run goes on from here
                raise StemError(f"{exc}; then continue with: stem train --resume {log.path}") from None
        usage = state.get("llm_usage")
        if usage:
            client.budget = Budget(self.settings.llm.budget, usage["calls"], usage["prompt_tokens"],
                                   usage["completion_tokens"], usage["usd"])
        log.update_run(llm={"profile": client.name, "model": client.model_label, "provider": client.profile.provider,
                            "chosen_by": client.why})
        self.rep.line(f"llm: {client.name} ({client.model_label}) - {client.why}")
        return client


def _mark(log: RunLog, status: str, reason: str) -> None:
    """Record how the run ended, if the disk still lets us; the message to the user never depends on it."""
    try:
        log.update_run(status=status, stop_reason=reason)
        log.event(status, reason=reason)
    except StemError:
        pass
