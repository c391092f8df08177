"""The run directory's files as pydantic models: written through them and read back through them, so a
damaged or hand-edited run file is one line naming the file and the field, never a crash in a view."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from stem.genome import OrganRef


class _Open(BaseModel):
    model_config = ConfigDict(extra="allow")


class Member(BaseModel):
    """One organ on a domain's Pareto front (run.json `front`): its per-episode train scores, the
    numbers its verdicts reported per episode (e.g. binpacking's excess), and where it came from."""
    organ: OrganRef
    domain: str
    generation: int
    candidate: int
    role: str = "new_organ"
    parents: list[str] = Field(default_factory=list)
    lineage: list[str] = Field(default_factory=list)
    origin: str | None = None  # where a warm-started organ came from (a genome file); None: this run
    rationale: str = ""
    scores: dict[str, float]  # train episode id -> score in [0, 1]
    details: dict[str, dict[str, float]] = Field(default_factory=dict)  # episode id -> the verdict's numbers
    passed_ids: list[str] = Field(default_factory=list)
    failures: str = ""

    @property
    def score(self) -> float:
        return sum(self.scores.values()) / len(self.scores) if self.scores else 0.0

    @property
    def passed(self) -> int:
        return len(self.passed_ids)

    @property
    def episodes(self) -> int:
        return len(self.scores)

    @property
    def all_pass(self) -> bool:
        return self.episodes > 0 and self.passed == self.episodes

    @property
    def perfect(self) -> bool:
        """Every train episode scored 1.0: nothing is left to climb on this train split."""
        return self.episodes > 0 and all(v >= 1.0 - 1e-9 for v in self.scores.values())

    def rank(self) -> tuple:
        """Best first: mean score, episodes passed, then the newer organ."""
        return (self.score, self.passed, self.generation, -self.candidate)


class Usage(_Open):
    calls: int = Field(ge=0)
    prompt_tokens: int = Field(ge=0)
    completion_tokens: int = Field(ge=0)
    usd: float = Field(ge=0)


class EpisodeRow(_Open):
    episode: str
    domain: str
    success: bool
    score: float = Field(ge=0, le=1)
    tags: list[str] = Field(default_factory=list)


class Stage1(_Open):
    validation: list[EpisodeRow]
    passed: int = Field(ge=0)
    total: int = Field(ge=0)


class Stage2(_Open):
    stop_reason: str


class Stage3(_Open):
    validation: list[EpisodeRow]
    test: list[EpisodeRow]
    validation_passed: int = Field(ge=0)
    validation_total: int = Field(ge=0)
    test_passed: int = Field(ge=0)
    test_total: int = Field(ge=0)


class Mature(_Open):
    written: bool
    path: str | None = None
    message: str


class Progress(_Open):
    stage: int = Field(ge=1, le=4)
    generation: int = Field(ge=0)


class Options(_Open):
    population: int = Field(ge=1)
    max_epochs: int = Field(ge=1)


class DomainState(_Open):
    epochs: int = Field(ge=0)
    objective: Literal["pass", "climb"] = "pass"
    done: str | None = None  # why the domain stopped: all_train_pass, all_train_perfect, patience, max_epochs
    last_failures: str = ""
    best_history: list[float] = Field(default_factory=list)


class Rejected(_Open):
    generation: int
    domain: str
    organ: str
    reason: str


class RejectionLine(_Open):
    rule: str
    line: int
    col: int = 0
    message: str


class NearMiss(_Open):
    """A candidate rejected for a mechanical reason, kept for a revision in the next generation."""
    organ: str
    domain: str
    generation: int
    candidate: int
    source_file: str  # relative to the run directory
    kind: Literal["validator", "cut_off"] = "validator"
    reason: str
    rejections: list[RejectionLine] = Field(default_factory=list)


class LLMChoice(_Open):
    profile: str
    model: str
    provider: str


class RunRecord(_Open):
    """run.json"""
    status: Literal["running", "stopped", "interrupted", "finished", "failed"]
    stop_reason: str | None = None
    domains: list[str] = Field(min_length=1)
    options: Options
    progress: Progress
    domain_state: dict[str, DomainState]
    front: dict[str, list[Member]] = Field(default_factory=dict)  # absent in runs before round 2
    rejected: list[Rejected] = Field(default_factory=list)
    near_misses: dict[str, list[NearMiss]] = Field(default_factory=dict)  # absent in runs before round 3
    llm_usage: Usage | None = None
    llm: LLMChoice | None = None
    calls_saved: int = Field(default=0, ge=0)
    stage1: Stage1 | None = None
    stage2: Stage2 | None = None
    stage3: Stage3 | None = None
    mature: Mature | None = None
    test_seeds: list[int] | None = None
    isolation_layers: list[str] | None = None


class CandidateSummary(_Open):
    candidate: int = Field(ge=1)
    role: str = "new_organ"
    parents: list[str] = Field(default_factory=list)
    organ: str | None = None
    status: str
    reason: str = ""
    score: float = Field(ge=0, le=1)
    passed: int = Field(ge=0)
    episodes: int = Field(ge=0)
    outcome: str | None = None


class FrontRow(_Open):
    organ: str
    score: float
    passed: int
    generation: int
    role: str = "new_organ"
    parents: list[str] = Field(default_factory=list)


class GenerationTrace(_Open):
    """generation_NNN/trace.json"""
    generation: int = Field(ge=1)
    domain: str
    stagnating: bool = False
    selected: str | None = None
    saved: int = Field(default=0, ge=0)
    candidates: list[CandidateSummary]
    front: list[FrontRow] = Field(default_factory=list)
    llm_usage: Usage | None = None
    prompts: dict[str, list[dict[str, Any]]] = Field(default_factory=dict)
