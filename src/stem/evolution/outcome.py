"""What a generation decided, as a pure function of what happened in it.

Given the front before the generation, the candidates as they came back and the domain's progress,
`decide()` returns the new front, each candidate's outcome, the organ the genome carries, the
scars, the rejections that go into "do not repeat", the near misses the next generation revises,
and the domain's new state, including whether (and why) the domain is done. Training writes the
outcome; nothing here touches a file.

When a domain is done:
- objective `pass`: the front's best organ passes every train episode ("all_train_pass");
- objective `climb`: every train episode scores 1.0 ("all_train_perfect"), or the best mean train
  score has not risen by more than `min_delta` for `patience` generations ("patience");
- either: `max_epochs` generations of the domain ("max_epochs").
"""

from __future__ import annotations

from dataclasses import dataclass, field

from stem.benchmark.domain_api import Objective
from stem.evolution import pareto
from stem.evolution import scars as scarlib
from stem.evolution.generation import Candidate, candidate_name, failures_of, scars_of
from stem.evolution.roles import Role, StopRule, generations_without_gain
from stem.run_models import DomainState, Member, NearMiss, Rejected, RejectionLine
from stem.runlog import candidate_file, run_organ_ref

SAVED_REASON = {"pass": "not requested: an earlier candidate passed every train episode",
                "climb": "not requested: an earlier candidate scored 1.0 on every train episode"}


def domain_done(top: Member | None, history: list[float], epochs: int, rule: StopRule) -> str | None:
    if rule.objective == "pass" and top is not None and top.all_pass:
        return "all_train_pass"
    if rule.objective == "climb":
        if top is not None and top.perfect:
            return "all_train_perfect"
        if history and generations_without_gain(history, rule.min_delta) >= rule.patience:
            return "patience"
    if epochs >= rule.max_epochs:
        return "max_epochs"
    return None


def won(cand: Candidate, objective: Objective) -> bool:
    """A candidate after which the generation's later waves are not sent: it passes every train episode
    (pass), or scores 1.0 on every one (climb: a pass is no reason to stop climbing)."""
    return cand.perfect if objective == "climb" else cand.all_pass


def lineage_of(role: Role, by_name: dict[str, Member], name: str) -> list[str]:
    """Every ancestor once, oldest first, then the organ itself; a crossover carries both lines."""
    out: list[str] = []
    for parent in role.parents:
        member = by_name.get(parent)
        for ancestor in (member.lineage if member is not None and member.lineage else [parent]):
            if ancestor not in out:
                out.append(ancestor)
    return out + [name]


def _details(cand: Candidate) -> dict[str, dict[str, float]]:
    out = {}
    for r in cand.results:
        numbers = {k: float(v) for k, v in (r.verdict.details or {}).items()
                   if isinstance(v, (int, float)) and not isinstance(v, bool)}
        if numbers:
            out[r.episode_id] = numbers
    return out


def near_miss_of(cand: Candidate, generation: int, domain: str) -> NearMiss | None:
    if not cand.near_miss:
        return None
    organ = candidate_name(cand, generation, domain)
    if cand.status == "rejected":
        return NearMiss(organ=organ, domain=domain, generation=generation, candidate=cand.index,
                        source_file=candidate_file(generation, cand.index), kind="validator", reason=cand.reason,
                        rejections=[RejectionLine(rule=r.rule, line=r.line, col=r.col, message=r.message)
                                    for r in cand.report.rejections])
    return NearMiss(organ=organ, domain=domain, generation=generation, candidate=cand.index,
                    source_file=candidate_file(generation, cand.index, partial=True), kind="cut_off",
                    reason=f"the answer was cut off at the token limit after {len(cand.salvaged or '')} characters "
                           "of source")


@dataclass
class GenerationOutcome:
    front: list[Member]
    outcomes: dict[int, str]  # candidate index -> what became of it
    selected: Candidate | None  # the best candidate evaluated in this generation (generation_NNN/organ.py)
    top: Member | None  # the front's best: the organ the genome carries for the domain
    scars: list[scarlib.Scar]
    rejected: list[Rejected]  # new "do not repeat" entries
    near_misses: list[NearMiss]  # revised by the next generation of the domain
    state: DomainState
    summaries: list[dict] = field(default_factory=list)


def decide(generation: int, domain: str, roles: list[Role], front: list[Member], cands: list[Candidate],
           saved: list[int], state: DomainState, rule: StopRule) -> GenerationOutcome:
    by_name = {m.organ.name: m for m in front}
    evaluated = [c for c in cands if c.status == "evaluated"]
    selected = max(evaluated, key=lambda c: (c.score, c.passed, -c.index), default=None)
    outcomes: dict[int, str] = {}
    for c in evaluated:
        if c.score <= 0:
            outcomes[c.index] = "scored 0: not kept"
            continue
        member = Member(organ=run_organ_ref(c.organ), domain=domain, generation=generation, candidate=c.index,
                        role=c.role.kind, parents=list(c.role.parents),
                        lineage=lineage_of(c.role, by_name, c.organ.name), rationale=c.plan.rationale,
                        scores={r.episode_id: round(r.verdict.score, 6) for r in c.results}, details=_details(c),
                        passed_ids=[r.episode_id for r in c.results if r.verdict.success], failures=failures_of(c))
        front = pareto.insert(front, member)
        outcomes[c.index] = ("joined the front" if any(m.organ.name == member.organ.name for m in front)
                             else "dominated: not kept")
    near = [n for n in (near_miss_of(c, generation, domain) for c in cands) if n is not None]
    for n in near:
        outcomes[n.candidate] = "near miss: revised next generation"
    near_ids = {n.candidate for n in near}
    rejected = [Rejected(generation=generation, domain=domain, organ=candidate_name(c, generation, domain),
                         reason=c.reason) for c in cands
                if c.status in ("rejected", "llm_failed") and c.index not in near_ids]
    top = pareto.best(front)
    history = state.best_history + [round(top.score, 6) if top else 0.0]
    epochs = state.epochs + 1
    last_failures = failures_of(selected) if selected else "; ".join(c.reason for c in cands if c.reason)[:2000]
    new_state = state.model_copy(update={"epochs": epochs, "best_history": history, "last_failures": last_failures,
                                         "done": domain_done(top, history, epochs, rule)})
    summaries = [{**c.summary(), "outcome": outcomes.get(c.index, c.status)} for c in cands]
    for i in saved:
        unsent = Candidate(i, roles[i - 1], status="saved", reason=SAVED_REASON[rule.objective])
        summaries.append({**unsent.summary(), "outcome": "saved"})
    scars = [s for c in cands for s in scars_of(c, generation, domain)]
    return GenerationOutcome(front, outcomes, selected, top, scars, rejected, near, new_state, summaries)
