"""The run directory's files as pydantic models: written through them and read back through them, so a
damaged or hand-edited run file is one line naming the file and the field, never a crash in a view."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from stem.evolution.pareto import Member


class _Open(BaseModel):
    model_config = ConfigDict(extra="allow")


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
    done: str | None = None
    last_failures: str = ""
    best_history: list[float] = Field(default_factory=list)


class Rejected(_Open):
    generation: int
    domain: str
    organ: str
    reason: str


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


class PromptRef(_Open):
    """A prompt kept once, in llm/calls.jsonl: the record with this request hash holds its messages."""
    request_hash: str
    purpose: str = ""
    chars: int = Field(default=0, ge=0)


class GenerationTrace(_Open):
    """generation_NNN/trace.json (prompts: whole in runs before prompts were kept once, else references)"""
    generation: int = Field(ge=1)
    domain: str
    stagnating: bool = False
    selected: str | None = None
    saved: int = Field(default=0, ge=0)
    candidates: list[CandidateSummary]
    front: list[FrontRow] = Field(default_factory=list)
    llm_usage: Usage | None = None
    prompts: dict[str, list[dict[str, Any]] | PromptRef] = Field(default_factory=dict)
