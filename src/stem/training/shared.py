"""What every stage of `stem train` shares: the options, the reporter, the open run, and evaluating a
genome (or none) on a list of episodes."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from stem.benchmark import splits
from stem.benchmark.episode import EpisodeResult
from stem.benchmark.episode_model import Episode
from stem.config import Settings
from stem.evolution.roles import StopRule
from stem.genome_store import genome_organs
from stem.run_models import DomainState
from stem.runlog import RunLog
from stem.runtime.validator import FIXTURE_LITERAL_MIN
from stem.turn_records import RecordPlace


class Reporter(Protocol):
    def stage(self, number: int, title: str) -> None: ...
    def line(self, text: str) -> None: ...
    def status(self, **fields: Any) -> None: ...
    def detail(self, text: str) -> None: ...  # shown with --verbose only


@dataclass
class TrainOptions:
    domain: str = "trading"
    population: int | None = None
    max_epochs: int | None = None
    llm: str | None = None
    model: str | None = None
    base_url: str | None = None
    replay_from: Path | None = None
    unsafe: bool = False
    resume: Path | None = None
    workers: int | None = None
    executor: str | None = None  # local | ray (default: config evolution.executor)
    ray_address: str | None = None
    client: Any = None  # an LLMClient built by the caller (stem perf train's scripted one); None: from config
    objective: str | None = None  # pass | climb (default: config evolution.objective, else each domain's own)
    lessons: bool | None = None  # --lessons on|off (default: config evolution.lessons)
    from_genome: Path | None = None  # --from GENOME: start the domains' fronts from its organs


@dataclass
class RunContext:
    """One open run: its settings, record, prompt templates and executor, and the shape it was started with."""
    settings: Settings
    opts: TrainOptions
    log: RunLog
    rep: Reporter
    templates: dict[str, str]
    domains: list[str]
    population: int
    max_epochs: int
    executor: Any  # stem.executors.LocalExecutor or RayExecutor (which owns the sandbox)


def episode_summary(results: list[EpisodeResult]) -> list[dict]:
    return [{"episode": r.episode_id, "domain": r.domain, "success": r.verdict.success,
             "score": round(r.verdict.score, 4), "tags": r.verdict.tags} for r in results]


def private_literals(episodes: list[Episode]) -> frozenset[str]:
    """String values of held-out expected artifacts that no public file reveals: an organ may not
    hard-code them. Values the public files contain (a marker named in the rules, a candidate
    vector) are public knowledge and stay allowed."""
    out: set[str] = set()
    public = ""

    def walk(value: Any) -> None:
        if isinstance(value, str) and len(value) >= FIXTURE_LITERAL_MIN and value not in public:
            out.add(value)
        elif isinstance(value, dict):
            for v in value.values():
                walk(v)
        elif isinstance(value, list):
            for v in value:
                walk(v)

    for ep in episodes:
        public = "\n".join(ep.public_files.values())
        walk(ep.private.get("expected"))
    return frozenset(out)


def stop_rule(ctx: RunContext, dstate: DomainState) -> StopRule:
    """The domain's stop rule in this run: its objective, the run's max epochs, the configured patience."""
    evo = ctx.settings.evolution
    return StopRule(dstate.objective, ctx.max_epochs, evo.patience, evo.min_delta)


def held_out_literals(settings: Settings, domains: list[str]) -> frozenset[str]:
    """What the validator refuses as hard-coded answers: private_literals of the configured validation
    split of `domains` (training and `stem organ check` use this one rule)."""
    return private_literals([e for d in domains for e in splits.split_episodes(settings, d, "validation")])


def evaluate_genome(ctx: RunContext, genome_path: Path | None, episodes: list[Episode], stage: str) -> list[EpisodeResult]:
    """Run a saved genome (None: the bare stem cell) on `episodes`, traced under episodes/<stage>/."""
    organs = genome_organs(genome_path) if genome_path is not None else {}
    done: list[EpisodeResult] = []

    def report(result: EpisodeResult) -> None:
        done.append(result)
        ctx.rep.status(stage=stage, episode=result.episode_id, passed=sum(r.verdict.success for r in done),
                       done=len(done), total=len(episodes))
    return ctx.executor.run(organs, episodes, lambda ep: RecordPlace(ctx.log.path / "episodes" / stage / ep.episode_id,
                                                                     ctx.log.blobs, ctx.settings.logs.keep_turns),
                            report)
