"""Lessons: what one run learned, kept for the next as small increments with provenance.

A lesson is a short sentence with tags, the domain it is about, where it came from (run, generation,
candidate, episodes, the scar or diff behind it) and the measured outcome that taught it. The store
(stem/lessons_store.py) holds one *entry* per observation, append-only; reading merges entries with
the same normalised text by counting: the count and the provenance list grow, the text stays as it
was first written. No model ever rewrites a stored lesson.

Where lessons come from, after a generation with a clear outcome:
- a validator rejection: a deterministic rule writes the lesson (the rule id and the validator's
  own sentence with the limit). The validator already states the fact exactly, so an LLM call
  would only add cost and a chance to get it wrong;
- a repair that fixed failing train episodes, or a domain that starts to plateau: one `lesson`
  call, shown the measured outcome and the diff or the plateaued approaches, answers with at most
  MAX_PER_OUTCOME lessons. Why a repair worked or what the plateaued approaches share is a
  judgement the rules cannot make.

A lesson that names a held-out (validation or test) episode, any generated episode id outside the
run's train split, or a held-out expected value (training.shared.private_literals) is dropped,
when it is written and again when a later run reads it. Pure functions; the store does the I/O.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from stem.evolution.generation import Candidate
from stem.run_models import Member
from stem.runtime import validator

MAX_PER_OUTCOME = 3
MAX_TEXT = 400
MAX_TAGS = 6
MAX_TAG = 32
RULE_MESSAGE_CHARS = 220
GENERATED_ID = re.compile(r"\b[a-z][a-z0-9_]*-s\d+-d\d+\b")
WORD = re.compile(r"[a-z0-9_]{3,}")
STOPWORDS = frozenset("""the and for with that this from into are was were not but its their them then than when
what which while have has had each every one two any all can may must should would could per via only also
more most less just does did done out off over under organ organs episode episodes train training""".split())
CAPS = frozenset({validator.MAX_BYTES, validator.MAX_NODES, validator.MAX_DEPTH})
Kind = Literal["rule", "model"]


class Provenance(BaseModel):
    """Where one observation of a lesson came from, and what was measured."""
    model_config = ConfigDict(extra="ignore")

    run: str = Field(min_length=1, max_length=200)
    generation: int = Field(ge=0)
    candidate: int | None = Field(default=None, ge=0)
    organ: str | None = Field(default=None, max_length=300)
    episodes: list[str] = Field(default_factory=list, max_length=64)  # train episode ids of that run
    source: str = Field(default="", max_length=2000)  # the scar or the diff it came from
    outcome: str = Field(default="", max_length=500)  # the measured outcome behind it

    def key(self) -> tuple:
        return (self.run, self.generation, self.candidate)


class LessonEntry(BaseModel):
    """One line of genomes/lessons/<domain>.jsonl."""
    model_config = ConfigDict(extra="ignore")

    format: Literal["stem-lesson/1"] = "stem-lesson/1"
    id: str = Field(pattern=r"^[0-9a-f]{10}$")
    domain: str = Field(min_length=1, max_length=100)
    text: str = Field(min_length=1, max_length=MAX_TEXT)
    tags: list[str] = Field(default_factory=list, max_length=MAX_TAGS)
    kind: Kind
    provenance: Provenance


class Lesson(BaseModel):
    """Every entry of one lesson, merged: the first text, every tag, every distinct provenance."""
    id: str
    domain: str
    text: str
    tags: list[str]
    kinds: list[Kind]
    provenance: list[Provenance]

    @property
    def count(self) -> int:
        return len(self.provenance)

    @property
    def outcome(self) -> str:
        return self.provenance[-1].outcome if self.provenance else ""


class Draft(BaseModel):
    """One lesson as the lesson call answers it."""
    model_config = ConfigDict(extra="ignore")

    text: str
    tags: list[str] = Field(default_factory=list)


class LessonAnswer(BaseModel):
    """The lesson call's answer: {"lessons": [{"text": "...", "tags": ["..."]}]}."""
    model_config = ConfigDict(extra="ignore")

    lessons: list[Draft] = Field(max_length=20)


# ---------------------------------------------------------------- identity and merging
def normalise(text: str) -> str:
    """Case and spacing do not make a different lesson; nor does closing punctuation."""
    return " ".join(text.lower().split()).strip(" .;:!")


def lesson_id(domain: str, text: str) -> str:
    return hashlib.sha256(f"{domain}\n{normalise(text)}".encode("utf-8")).hexdigest()[:10]


def clean_tags(tags: list[str]) -> list[str]:
    out: list[str] = []
    for tag in tags:
        t = re.sub(r"[^a-z0-9_-]+", "_", str(tag).strip().lower()).strip("_")[:MAX_TAG]
        if t and t not in out:
            out.append(t)
    return out[:MAX_TAGS]


def entry(domain: str, text: str, tags: list[str], kind: Kind, provenance: Provenance) -> LessonEntry:
    text = " ".join(text.split())
    return LessonEntry(id=lesson_id(domain, text), domain=domain, text=text, tags=clean_tags(tags), kind=kind,
                       provenance=provenance)


def merge(entries: list[LessonEntry]) -> list[Lesson]:
    """Entries of one lesson (same id) become one Lesson, in order of first appearance. The same
    provenance twice (a generation redone after a crash) counts once."""
    out: dict[str, Lesson] = {}
    for e in entries:
        lesson = out.get(e.id)
        if lesson is None:
            out[e.id] = Lesson(id=e.id, domain=e.domain, text=e.text, tags=list(e.tags), kinds=[e.kind],
                               provenance=[e.provenance])
            continue
        lesson.tags += [t for t in e.tags if t not in lesson.tags]
        if e.kind not in lesson.kinds:
            lesson.kinds.append(e.kind)
        if all(p.key() != e.provenance.key() for p in lesson.provenance):
            lesson.provenance.append(e.provenance)
    return list(out.values())


# ---------------------------------------------------------------- what must never be in a lesson
@dataclass(frozen=True)
class Secrets:
    """What a lesson must not carry: held-out episode ids, held-out expected values (private
    literals), and any generated episode id that is not one of the run's train episodes."""
    held_ids: frozenset[str] = frozenset()
    literals: frozenset[str] = frozenset()
    train_ids: frozenset[str] = frozenset()

    def leak(self, text: str) -> str | None:
        """Why `text` may not be kept, or None."""
        for eid in self.held_ids:
            if eid in text:
                return "names a held-out episode"
        for literal in self.literals:
            if literal in text:
                return "carries a held-out expected value"
        for eid in GENERATED_ID.findall(text):
            if eid not in self.train_ids:
                return f"names an episode ({eid}) outside the train split"
        return None


def leak_of(item: LessonEntry | Lesson, secrets: Secrets, whole: bool = False) -> str | None:
    """What of the item leaks: its text, tags and outcomes (what a prompt shows), and with `whole`
    also the diff or scar and the episodes of its provenance (what the store keeps)."""
    provs = item.provenance if isinstance(item, Lesson) else [item.provenance]
    parts = [item.text, " ".join(item.tags)] + [p.outcome for p in provs]
    if whole:
        parts += [p.source for p in provs] + [" ".join(p.episodes) for p in provs]
    return secrets.leak("\n".join(parts))


def keep(items: list, secrets: Secrets, whole: bool = False) -> tuple[list, list[str]]:
    """The items that leak nothing, and one reason per dropped item. A run checks what it writes
    whole; what it reads only as far as a prompt shows it (another run's train ids may be this
    run's held-out ones, and its provenance never reaches a prompt)."""
    kept, dropped = [], []
    for item in items:
        why = leak_of(item, secrets, whole)
        if why is None:
            kept.append(item)
        else:
            dropped.append(f"lesson {item.id} dropped: it {why}")
    return kept, dropped


# ---------------------------------------------------------------- lessons from outcomes
def _generic(message: str) -> str:
    """The validator's sentence without the numbers of one organ (its size, a line), keeping the limits,
    and without a long list (e.g. the import allowlist: the contract in every prompt states it)."""
    text = re.sub(r"\d+", lambda m: m.group() if int(m.group()) in CAPS else "N", " ".join(message.split()))
    clauses = text.split("; ")
    text = "; ".join([clauses[0]] + [c for c in clauses[1:] if len(c) <= 100])
    return text if len(text) <= RULE_MESSAGE_CHARS else text[:RULE_MESSAGE_CHARS] + "…"


def rule_lessons(domain: str, run: str, generation: int, cands: list[Candidate]) -> list[LessonEntry]:
    """One lesson per distinct validator rule that refused a candidate of the generation."""
    out: list[LessonEntry] = []
    seen: set[str] = set()
    for c in cands:
        if c.status != "rejected" or c.report is None:
            continue
        for r in c.report.rejections:
            if r.rule in seen or len(out) >= MAX_PER_OUTCOME:
                continue
            seen.add(r.rule)
            count = sum(1 for x in c.report.rejections if x.rule == r.rule)
            organ = c.organ.name if c.organ else None
            prov = Provenance(run=run, generation=generation, candidate=c.index, organ=organ,
                              source=f"scar validate/validator_rejection: {r.rule} at line {r.line}:{r.col}: "
                                     f"{' '.join(r.message.split())[:300]}",
                              outcome=f"the validator rejected the candidate ({count} rejection"
                                      f"{'s' if count != 1 else ''} of rule {r.rule}); it never ran")
            out.append(entry(domain, f"The validator refuses an organ for rule {r.rule}: {_generic(r.message)}",
                             ["validator", r.rule], "rule", prov))
    return out


@dataclass
class Outcome:
    """A clear outcome of a generation that a lesson call is asked about."""
    kind: Literal["repair_fixed", "plateau"]
    measured: str  # e.g. "repair fixed 2 of 3 failing train episodes, mean 0.62 -> 0.88"
    candidate: int | None = None
    organ: str | None = None
    episodes: list[str] = field(default_factory=list)
    source: str = ""  # the diff or the plateaued approaches, as the call is shown them
    facts: str = ""  # what the prompt states about it


def repair_fixed(cands: list[Candidate], by_name: dict[str, Member]) -> tuple[Candidate, Member, list[str]] | None:
    """The evaluated repair that fixed the most of its parent's failing train episodes (then the best score)."""
    best = None
    for c in cands:
        if c.status != "evaluated" or c.role.kind != "repair" or not c.role.parents:
            continue
        parent = by_name.get(c.role.parents[0])
        if parent is None:
            continue
        failing = [e for e in parent.scores if e not in parent.passed_ids]
        fixed = [r.episode_id for r in c.results if r.verdict.success and r.episode_id in failing]
        if fixed and (best is None or (len(fixed), c.score) > (len(best[2]), best[0].score)):
            best = (c, parent, fixed)
    return best


def repair_measure(cand: Candidate, parent: Member, fixed: list[str]) -> str:
    failing = [e for e in parent.scores if e not in parent.passed_ids]
    return (f"repair fixed {len(fixed)} of {len(failing)} failing train episodes, "
            f"mean {parent.score:.2f} -> {cand.score:.2f}")


def plateau_measure(history: list[float], since: int) -> str:
    best = max(history) if history else 0.0
    return f"the best mean train score stayed at {best:.2f} for {since} generations of the domain"


def drafts_to_entries(answer: LessonAnswer, domain: str, run: str, generation: int,
                      outcome: Outcome) -> tuple[list[LessonEntry], list[str]]:
    """At most MAX_PER_OUTCOME usable lessons from the call's answer, and a reason per dropped one."""
    out: list[LessonEntry] = []
    dropped: list[str] = []
    for n, d in enumerate(answer.lessons, 1):
        text = " ".join(d.text.split())
        if not text:
            dropped.append(f"lesson {n} of the answer is empty")
        elif len(text) > MAX_TEXT:
            dropped.append(f"lesson {n} of the answer is {len(text)} characters; a lesson is at most {MAX_TEXT}")
        elif len(out) >= MAX_PER_OUTCOME:
            dropped.append(f"lesson {n} of the answer is over the {MAX_PER_OUTCOME} kept per outcome")
        else:
            prov = Provenance(run=run, generation=generation, candidate=outcome.candidate, organ=outcome.organ,
                              episodes=outcome.episodes, source=outcome.source[:2000], outcome=outcome.measured)
            out.append(entry(domain, text, d.tags, "model", prov))
    return out, dropped


# ---------------------------------------------------------------- into a prompt
def words(text: str) -> set[str]:
    return {w for w in WORD.findall(text.lower()) if w not in STOPWORDS}


def ranked(lessons: list[Lesson], context: str) -> list[Lesson]:
    """Most relevant first: keyword overlap with the context (failing episodes and scars), then how
    often the lesson was seen, then the newest."""
    ctx = words(context)
    order = {l.id: i for i, l in enumerate(lessons)}
    return sorted(lessons, key=lambda l: (-len(ctx & words(l.text + " " + " ".join(l.tags))), -l.count,
                                          -order[l.id]))


def _line(lesson: Lesson) -> str:
    first = lesson.provenance[0]
    seen = f"seen {lesson.count}x" if lesson.count > 1 else "seen once"
    kind = "rule" if lesson.kinds == ["rule"] else "lesson call" if lesson.kinds == ["model"] else "rule + lesson call"
    where = f"{first.run} generation {first.generation}" + (f" candidate {first.candidate}" if first.candidate else "")
    outcome = f"; outcome: {lesson.outcome}" if lesson.outcome else ""
    return f"- [{lesson.id}] {lesson.text}\n    ({seen}, by {kind}; first from {where}{outcome})"


def render(lessons: list[Lesson], domain: str, budget: int) -> str:
    """The lessons section within `budget` characters (empty when none fit), most relevant first."""
    if not lessons or budget <= 0:
        return ""
    head = (f"LESSONS FROM EARLIER RUNS ({domain}; increments recorded after measured outcomes, merged by "
            "counting; advice, not rules of the harness):")
    lines, used = [], len(head)
    for lesson in lessons:
        line = _line(lesson)
        if used + 1 + len(line) > budget:
            break
        lines.append(line)
        used += 1 + len(line)
    if not lines:
        return ""
    left = len(lessons) - len(lines)
    tail = f"\n[… {left} more lessons not shown: evolution.lessons_chars is {budget}]" if left else ""
    return head + "\n" + "\n".join(lines) + tail


# ---------------------------------------------------------------- the lesson call
DIFF_CHARS = 6000


def _bounded(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit] + f"\n[… cut: {len(text) - limit} more characters]"


def repair_outcome(cand: Candidate, parent: Member, fixed: list[str], parent_source: str,
                   per_episode: str) -> Outcome:
    """What the lesson call is told about a repair that fixed failing episodes: the numbers, the
    parent's failing checks (train) and the diff from parent to child."""
    from stem.evolution.edits import unified_diff
    diff = "\n".join(unified_diff(parent_source, cand.source or "", parent.organ.name, cand.organ.name
                                  if cand.organ else "child"))
    facts = (f"The repair {cand.organ.name if cand.organ else cand.index} of {parent.organ.name} fixed these failing "
             f"train episodes: {', '.join(fixed)}.\nPer train episode (A: the parent, B: the repair):\n{per_episode}\n"
             f"The parent's failing checks:\n{parent.failures or '(none recorded)'}\n"
             f"The repair's rationale: {' '.join((cand.plan.rationale if cand.plan else '').split())[:600]}")
    return Outcome("repair_fixed", repair_measure(cand, parent, fixed), cand.index,
                   cand.organ.name if cand.organ else None, fixed, _bounded(diff, DIFF_CHARS), facts)


def plateau_outcome(history: list[float], since: int, approaches: str, scar_tags: str) -> Outcome:
    facts = (f"Best mean train score after each generation of the domain: "
             f"{', '.join(f'{h:.2f}' for h in history)}.\nThe approaches on the Pareto front:\n{approaches}\n"
             f"Scars by tag:\n{scar_tags}")
    return Outcome("plateau", plateau_measure(history, since), source=_bounded(approaches, 2000), facts=facts)


def lesson_messages(templates: dict[str, str], domain: str, outcome: Outcome) -> list[dict]:
    what = ("A REPAIR THAT FIXED FAILING TRAINING EPISODES" if outcome.kind == "repair_fixed"
            else "A PLATEAU: THE BEST TRAINING SCORE STOPPED RISING")
    shown = "THE DIFF FROM PARENT TO REPAIR" if outcome.kind == "repair_fixed" else "THE APPROACHES THAT PLATEAUED"
    user = templates["lesson"].format(domain=domain, outcome_kind=what, measured=outcome.measured,
                                      facts=outcome.facts, source_title=shown, source=outcome.source or "(none)",
                                      max_lessons=MAX_PER_OUTCOME, max_chars=MAX_TEXT)
    return [{"role": "system", "content": templates["experience_system"].strip()}, {"role": "user", "content": user}]
