"""One generation for one domain: ask for K plans, gate each, evaluate the survivors on train episodes."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from stem.agent import StemAgent
from stem.benchmark.episode import EpisodeResult
from stem.benchmark.episode_model import Episode
from stem.evolution import prompts as promptlib
from stem.evolution import scars as scarlib
from stem.genome import OrganRef, TransformationPlan
from stem.genome_store import write_organ
from stem.llm.client import LLMClient
from stem.llm.structured import ask_structured
from stem.runtime.sandbox import Sandbox
from stem.runtime.validator import ValidationReport, validate


@dataclass
class Candidate:
    index: int
    plan: TransformationPlan | None = None
    raw_answers: list[str] = field(default_factory=list)
    status: str = "pending"  # llm_failed | rejected | evaluated
    reason: str = ""
    report: ValidationReport | None = None
    organ: OrganRef | None = None
    results: list[EpisodeResult] = field(default_factory=list)

    @property
    def score(self) -> float:
        return sum(r.verdict.score for r in self.results) / len(self.results) if self.results else 0.0

    @property
    def passed(self) -> int:
        return sum(1 for r in self.results if r.verdict.success)

    def summary(self) -> dict:
        return {"candidate": self.index, "organ": self.organ.name if self.organ else None, "status": self.status,
                "reason": self.reason, "score": round(self.score, 4), "passed": self.passed,
                "episodes": len(self.results), "repaired_json": len(self.raw_answers) > 1,
                "plan_mode": self.plan.mode if self.plan else None}


@dataclass
class GenerationContext:
    generation: int
    domain: str
    messages: list[dict]
    train: list[Episode]
    skills_dir: Path
    trace_root: Path
    forbidden_literals: frozenset[str]


def propose(client: LLMClient, ctx: GenerationContext, index: int, repair_template: str) -> Candidate:
    cand = Candidate(index)
    result = ask_structured(client, ctx.messages, TransformationPlan, repair_template,
                            purpose=f"gen{ctx.generation:03d}:{ctx.domain}:c{index}")
    cand.raw_answers = result.raw_answers
    if result.value is None:
        cand.status, cand.reason = "llm_failed", "answer was not a valid TransformationPlan: " + "; ".join(result.errors[:3])
        return cand
    cand.plan = result.value.model_copy(update={"domain": ctx.domain})
    return cand


def gate(cand: Candidate, ctx: GenerationContext) -> Candidate:
    cand.report = validate(cand.plan.source, ctx.forbidden_literals)
    filename = f"{ctx.domain}__g{ctx.generation:03d}c{cand.index}__{cand.plan.organ_name}.py"
    cand.organ = write_organ(ctx.skills_dir, filename, cand.plan.source)
    if not cand.report.ok:
        cand.status, cand.reason = "rejected", "validator: " + cand.report.summary(3)
    return cand


def evaluate(cand: Candidate, ctx: GenerationContext, sandbox: Sandbox) -> Candidate:
    agent = StemAgent(sandbox, {ctx.domain: cand.plan.source})
    for ep in ctx.train:
        cand.results.append(agent.run_episode(ep, ctx.trace_root / f"c{cand.index}" / ep.episode_id))
    cand.status = "evaluated"
    return cand


def candidate_name(cand: Candidate, generation: int, domain: str) -> str:
    """The organ's name, or for a plan that never produced one, a name that still carries its domain."""
    return cand.organ.name if cand.organ else f"{domain}__g{generation:03d}c{cand.index}"


def scars_of(cand: Candidate, generation: int, domain: str) -> list[scarlib.Scar]:
    organ = candidate_name(cand, generation, domain)
    if cand.status == "llm_failed":
        return [scarlib.Scar(generation=generation, phase="llm", organ=organ, tag="unparseable_plan", message=cand.reason)]
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
