"""One candidate's life in a generation: ask for a plan (its role's prompt), apply its edits when it
answered with edits, gate it, evaluate it on the train episodes, and turn what went wrong into scars."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from stem.benchmark.episode import EpisodeResult
from stem.benchmark.episode_model import Episode
from stem.evolution import prompts as promptlib
from stem.evolution import scars as scarlib
from stem.evolution.edits import EditMismatch, apply_edits
from stem.evolution.near_miss import is_near_miss, salvage_source
from stem.evolution.roles import Role
from stem.genome import OrganRef, TransformationPlan
from stem.genome_store import write_organ
from stem.llm.budget import BudgetExceeded
from stem.llm.client import LLMClient
from stem.llm.retry import LLMError
from stem.llm.structured import ask_structured
from stem.runtime.validator import ValidationReport, validate

# llm_failed: the answer was unusable (the model's failure, a scar) | llm_error: the endpoint failed after
# its retries | not_sent: the budget was reached | rejected: the validator refused the source |
# evaluated: it ran on every train episode | saved: never requested (an earlier wave already won)
CandidateStatus = Literal["pending", "llm_failed", "llm_error", "not_sent", "rejected", "evaluated", "saved"]
# LLMError kinds that are the answering model's failure on this one request, not the endpoint's
MODEL_FAILURE_KINDS = frozenset({"empty_answer"})


@dataclass
class Candidate:
    index: int
    role: Role = field(default_factory=lambda: Role("new_organ"))
    plan: TransformationPlan | None = None
    raw_answers: list[str] = field(default_factory=list)
    status: CandidateStatus = "pending"
    reason: str = ""
    fail_tag: str = ""  # the scar tag of an llm_failed candidate
    source: str | None = None  # the module that was gated: the plan's source, or the parent with the edits applied
    salvaged: str | None = None  # the part of a source that arrived before the answer was cut off
    cut_off: bool = False
    report: ValidationReport | None = None
    organ: OrganRef | None = None
    results: list[EpisodeResult] = field(default_factory=list)

    @property
    def score(self) -> float:
        return sum(r.verdict.score for r in self.results) / len(self.results) if self.results else 0.0

    @property
    def passed(self) -> int:
        return sum(1 for r in self.results if r.verdict.success)

    @property
    def all_pass(self) -> bool:
        return self.status == "evaluated" and bool(self.results) and self.passed == len(self.results)

    @property
    def perfect(self) -> bool:
        return self.status == "evaluated" and bool(self.results) and all(r.verdict.score >= 1.0 - 1e-9 for r in self.results)

    @property
    def answered(self) -> bool:
        return self.status not in ("not_sent", "llm_error", "pending", "saved")

    @property
    def near_miss(self) -> bool:
        """Rejected for its form, not its idea (or cut off mid-answer): the next generation revises it."""
        if self.status == "rejected" and self.report is not None:
            return is_near_miss(self.report)
        return self.status == "llm_failed" and self.cut_off and self.salvaged is not None

    def summary(self) -> dict:
        return {"candidate": self.index, **self.role.as_dict(), "organ": self.organ.name if self.organ else None,
                "status": self.status, "reason": self.reason, "score": round(self.score, 4), "passed": self.passed,
                "episodes": len(self.results), "all_pass": self.all_pass, "repaired_json": len(self.raw_answers) > 1,
                "plan_mode": self.plan.mode if self.plan else None,
                "edits": len(self.plan.edits) if self.plan and self.plan.edits else 0,
                "near_miss": self.near_miss,
                "rationale": self.plan.rationale if self.plan else None}


@dataclass
class GenerationContext:
    generation: int
    domain: str
    train: list[Episode]
    skills_dir: Path
    trace_root: Path
    forbidden_literals: frozenset[str]


def propose(client: LLMClient, ctx: GenerationContext, index: int, role: Role, messages: list[dict],
            repair_template: str, base_source: str | None = None) -> Candidate:
    """Ask for one plan. Never raises for the endpoint's sake: a budget cap makes the candidate
    not_sent, an endpoint that gave up after retries makes it llm_error, an empty answer or an
    unusable plan (edits that do not match included) makes it llm_failed. `base_source` is the
    source edits apply to (the parent of a repair or revision)."""
    cand = Candidate(index, role)
    try:
        result = ask_structured(client, messages, TransformationPlan, repair_template,
                                purpose=f"gen{ctx.generation:03d}:{ctx.domain}:c{index}:{role.kind}")
    except BudgetExceeded as exc:
        cand.status, cand.reason = "not_sent", f"budget: {exc.reason}"
        return cand
    except LLMError as exc:
        if exc.kind in MODEL_FAILURE_KINDS:
            cand.status, cand.fail_tag, cand.reason = "llm_failed", exc.kind, f"no answer: {exc}"
        else:
            cand.status, cand.reason = "llm_error", f"llm: {exc}"
        return cand
    cand.raw_answers = result.raw_answers
    if result.value is None:
        cand.status, cand.fail_tag = "llm_failed", "unparseable_plan"
        cand.reason = "answer was not a valid TransformationPlan: " + "; ".join(result.errors[:3])
        cand.cut_off = result.truncated
        if result.truncated:
            cand.salvaged = next((s for s in map(salvage_source, reversed(result.raw_answers)) if s), None)
        return cand
    cand.plan = result.value.model_copy(update={"domain": ctx.domain})
    if cand.plan.edits is None:
        cand.source = cand.plan.source
        return cand
    if base_source is None:
        cand.status, cand.fail_tag = "llm_failed", "edit_without_parent"
        cand.reason = "the answer gave 'edits' but this role has no parent source to edit; send 'source'"
        return cand
    try:
        cand.source = apply_edits(base_source, cand.plan.edits)
    except EditMismatch as exc:
        cand.status, cand.fail_tag, cand.reason = "llm_failed", "edit_mismatch", f"edits not applied: {exc}"
    return cand


def gate(cand: Candidate, ctx: GenerationContext) -> Candidate:
    cand.report = validate(cand.source, ctx.forbidden_literals)
    filename = f"{ctx.domain}__g{ctx.generation:03d}c{cand.index}__{cand.plan.organ_name}.py"
    cand.organ = write_organ(ctx.skills_dir, filename, cand.source)
    if not cand.report.ok:
        cand.status, cand.reason = "rejected", "validator: " + cand.report.summary(3)
    return cand


def evaluate(cand: Candidate, ctx: GenerationContext, executor: Any) -> Candidate:
    """The candidate on every train episode, through the run's executor (local threads or Ray)."""
    cand.results = executor.run({ctx.domain: cand.source}, ctx.train,
                                lambda ep: ctx.trace_root / f"c{cand.index}" / ep.episode_id)
    cand.status = "evaluated"
    return cand


def candidate_name(cand: Candidate, generation: int, domain: str) -> str:
    """The organ's name, or for a plan that never produced one, a name that still carries its domain."""
    return cand.organ.name if cand.organ else f"{domain}__g{generation:03d}c{cand.index}"


def scars_of(cand: Candidate, generation: int, domain: str) -> list[scarlib.Scar]:
    organ = candidate_name(cand, generation, domain)
    if cand.status == "llm_failed":
        return [scarlib.Scar(generation=generation, phase="llm", organ=organ, tag=cand.fail_tag or "unparseable_plan",
                             message=cand.reason)]
    if cand.status == "llm_error":  # the endpoint failed, not the model's idea: recorded, never prompted
        return [scarlib.Scar(generation=generation, phase="llm", organ=organ, tag=scarlib.ENDPOINT_TAG, message=cand.reason)]
    if cand.status == "rejected":
        return [scarlib.Scar(generation=generation, phase="validate", organ=organ, tag="validator_rejection",
                             message=f"{r.rule} at line {r.line}:{r.col}: {r.message}")
                for r in cand.report.rejections[:4]]
    out: list[scarlib.Scar] = []
    for result in cand.results:
        out += scarlib.from_episode(result, generation, organ)
    return out


def failures_of(cand: Candidate) -> str:
    return promptlib.failures_text(cand.results)
