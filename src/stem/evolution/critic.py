"""The Critic: before an organ enters the genome (the front's best changes to a new organ), one call
reviews its source against the train episodes' public data for hard-coded answers, memorised ids,
fragile parsing and cases the rules name that it does not handle.

Its findings go into the next prompts and into `stem logs organ`; a `hard_coded` or `memorised`
finding marks the organ suspect in the run record. No organ is refused on the Critic's word: the
hidden test split stays the judge. Pure functions: the call is made by training.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from stem.benchmark.episode_model import Episode
from stem.evolution import prompts as promptlib
from stem.run_models import CriticFinding as Finding
from stem.run_models import Member
from stem.run_models import CriticReview as Review

SUSPECT_KINDS = frozenset({"hard_coded", "memorised"})
MAX_FINDINGS = 8
SECTION_CHARS = 1500


class CriticAnswer(BaseModel):
    """{"findings": [{"kind": "hard_coded|memorised|fragile|unhandled", "text": "..."}]}"""
    model_config = ConfigDict(extra="ignore")

    findings: list[Any] = Field(max_length=40)


def suspect(findings: list[Finding]) -> bool:
    return any(f.kind in SUSPECT_KINDS for f in findings)


def numbered(source: str) -> str:
    """The source with its line numbers, as findings name them."""
    lines = source.splitlines()
    width = len(str(len(lines)))
    return "\n".join(f"{n:>{width}}| {line}" for n, line in enumerate(lines, 1))


def messages(templates: dict[str, str], domain: str, organ: str, source: str, train: list[Episode],
             shown_files: tuple[str, ...], member: Member | None = None) -> list[dict]:
    episode = promptlib.sample_episode(train)
    results = (f"mean score {member.score:.4f}, passes {member.passed}/{len(train)}:\n"
               + promptlib.per_episode_text([member], train)) if member is not None else "(not given)"
    user = templates["critic"].format(
        domain=domain, organ_name=organ, source=numbered(source), results=results,
        rules=episode.public_files.get("rules.txt", ""),
        observation_sample=promptlib.observation_sample(episode, shown_files=shown_files),
        decisive_files=promptlib.decisive_files_text(episode, shown_files),
        train_ids=", ".join(e.episode_id for e in train), max_findings=MAX_FINDINGS)
    return [{"role": "system", "content": templates["experience_system"].strip()}, {"role": "user", "content": user}]


def findings_of(answer: CriticAnswer) -> tuple[list[Finding], int]:
    """The usable findings (at most MAX_FINDINGS) and how many items of the answer were not one
    (an unknown kind, no text): one bad item does not cost the others."""
    out, bad = [], 0
    for item in answer.findings:
        try:
            out.append(Finding.model_validate(item))
        except ValidationError:
            bad += 1
    return out[:MAX_FINDINGS], bad


def render(reviews: list[Review], parents: tuple[str, ...] = ()) -> str:
    """The findings as a prompt section: the role's parents first, then the other reviewed organs on
    the front; within SECTION_CHARS (cut marked). Empty when there is nothing to say."""
    with_findings = [r for r in reviews if r.findings]
    if not with_findings:
        return ""
    ordered = sorted(with_findings, key=lambda r: (r.organ not in parents, -r.generation, r.organ))
    head = ("CRITIC'S FINDINGS (a model's review of organs on the front before they entered the genome; the "
            "hidden test split judges, not the critic):")
    lines: list[str] = []
    used, shown = len(head), 0
    total = sum(len(r.findings) for r in ordered)
    for r in ordered:
        title = (f"- on {r.organ} (generation {r.generation}{', a parent of yours' if r.organ in parents else ''}"
                 f"{', SUSPECT' if r.suspect else ''}):")
        items = [f"    {f.kind}: {f.text}" for f in r.findings]
        if used + 1 + len(title) + 1 + len(items[0]) > SECTION_CHARS:
            break
        lines.append(title)
        used += 1 + len(title)
        for item in items:
            if used + 1 + len(item) > SECTION_CHARS:
                break
            lines.append(item)
            used += 1 + len(item)
            shown += 1
    if not lines:
        return ""
    left = total - shown
    return head + "\n" + "\n".join(lines) + (f"\n[… {left} more findings not shown]" if left else "")
