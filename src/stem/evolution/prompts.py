"""Mutation prompts: templates from prompts/, filled per candidate role with what a model reading
them cold needs: the contract (rendered from the enforcing constants, evolution/contract.py), the
rules, real observations with the public files that decide them in full, the parents' sources and
per-episode results, what happened in their failing episodes, scars and rejected proposals.

Only public material and TRAIN-split feedback ever enter a prompt. Validation and test episodes
are not passed to this module at all.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from typing import Any

from stem.benchmark import domains as domainlib
from stem.benchmark.episode import build_observation
from stem.benchmark.episode_model import Episode
from stem.errors import StemError
from stem.evolution import scars as scarlib
from stem.evolution.contract import render_contract
from stem.evolution.pareto import Member, best
from stem.evolution.roles import Role, StopRule
from stem.evolution.transcripts import shown_files_text
from stem.run_models import NearMiss
from stem.runtime.sandbox import Limits

TEMPLATES = ("system", "organ_contract", "new_organ", "repair_organ", "crossover_organ", "revise_organ", "repair_json",
             "exploration_angles", "edit_instructions", "objective_pass", "objective_climb",
             "experience_system", "lesson", "director", "critic")
SAMPLE_CHARS = 12_000
SAMPLE_STR_CHARS = 700  # a longer string in the sample is cut (marked)
SAMPLE_LIST_WHOLE = 8  # a list of at most this many items, or of at most SAMPLE_WHOLE_CHARS as JSON, is shown whole
SAMPLE_WHOLE_CHARS = 400
SAMPLE_ITEMS = 3  # items shown of a longer list
SAMPLE_KEYS = 60  # an object shows every key up to this many
SAMPLE_LINE = 100  # an object or list whose JSON fits in this many chars is written on one line
IMMIGRANT_SCARS = 24


def load_templates(prompts_dir: Path) -> dict[str, str]:
    out = {}
    for name in TEMPLATES:
        path = prompts_dir / f"{name}.txt"
        try:
            out[name] = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise StemError(f"{path}: prompt template missing; restore it from the repository") from None
    return out


def contract_text(templates: dict[str, str], limits: Limits | None = None, max_answer_chars: int | None = None) -> str:
    """The organ contract with every enforced number filled in (the run's Limits when given)."""
    return render_contract(templates["organ_contract"], limits, max_answer_chars)


def angles(templates: dict[str, str]) -> list[str]:
    found = [" ".join(p.split()) for p in templates["exploration_angles"].split("\n\n") if p.strip()]
    return found or ["Write the most direct correct organ you can."]


def sample_episode(train: list[Episode]) -> Episode:
    """The train episode whose observations the prompt shows: the hardest level, then the first."""
    return max(train, key=lambda e: (e.manifest.difficulty or 0, -train.index(e)))


def sample_value(value: Any, depth: int = 0) -> Any:
    """A JSON value as the sample shows it: every object key and every small value whole; only long
    strings and long lists are shortened, each cut marked with what was left out."""
    if isinstance(value, str):
        if len(value) <= SAMPLE_STR_CHARS:
            return value
        return value[:SAMPLE_STR_CHARS] + f"…[+{len(value) - SAMPLE_STR_CHARS} chars]"
    if depth > 24:
        return f"…[{type(value).__name__} nested deeper than the sample shows]"
    if isinstance(value, list):
        if len(value) <= SAMPLE_LIST_WHOLE or len(json.dumps(value, default=str)) <= SAMPLE_WHOLE_CHARS:
            return [sample_value(v, depth + 1) for v in value]
        return [sample_value(v, depth + 1) for v in value[:SAMPLE_ITEMS]] + [f"…[+{len(value) - SAMPLE_ITEMS} more items]"]
    if isinstance(value, dict):
        keys = list(value)
        out = {k: sample_value(value[k], depth + 1) for k in keys[:SAMPLE_KEYS]}
        if len(keys) > SAMPLE_KEYS:
            out["…"] = f"+{len(keys) - SAMPLE_KEYS} more keys"
        return out
    return value


def sample_json(value: Any, indent: str = "") -> str:
    """JSON with one item per line, except that an object or list short enough stays on one line."""
    flat = json.dumps(value, ensure_ascii=False)
    if not isinstance(value, (dict, list)) or len(flat) + len(indent) <= SAMPLE_LINE or not value:
        return flat
    inner = indent + " "
    if isinstance(value, dict):
        items = [f"{inner}{json.dumps(k, ensure_ascii=False)}: {sample_json(v, inner)}" for k, v in value.items()]
        return "{\n" + ",\n".join(items) + "\n" + indent + "}"
    return "[\n" + ",\n".join(inner + sample_json(v, inner) for v in value) + "\n" + indent + "]"


def observation_sample(episode: Episode, limit: int = SAMPLE_CHARS, shown_files: tuple[str, ...] = ()) -> str:
    """Turn 1, the first data turn and the final turn of a real episode, as the organ receives them
    (memory shown empty; on later turns it holds what the organ's previous turn returned). A value
    equal to the rules or to one of `shown_files` is named instead (the prompt shows those in full)."""
    m = episode.manifest
    turns = [1] + [t.turn for t in m.turns if t.event == "data"][:1] + [m.turns[-1].turn]
    named = {}
    if "rules.txt" in episode.public_files:
        named[episode.public_files["rules.txt"]] = "<the DOMAIN RULES text above>"
    for name in shown_files:
        if name in episode.public_files:
            named.setdefault(episode.public_files[name], f"<the text of {name}, shown in full below>")
    acting = domainlib.get(episode.domain).environment(episode) is not None
    parts = [f"episode {m.episode_id} (level {m.difficulty}): {len(m.turns)} turns; artifact keys "
             f"{', '.join(m.output_contract.artifact_keys)}. Shown: turns {', '.join(map(str, dict.fromkeys(turns)))} "
             "as an organ that returns empty memory" + (" and sends no action sees them, so every memory is {} and "
             "the environment's state (what it adds to delta) is as if no action was ever taken; in a real run "
             "they carry what your organ returned and did" if acting else " sees them, so every memory is {}; in a "
             "real run it holds what your organ's previous turn returned") + "."]
    for turn in dict.fromkeys(turns):
        obs = build_observation(episode, turn, {})
        obs["delta"] = {k: named.get(v, v) if isinstance(v, str) else v for k, v in obs["delta"].items()}
        parts.append(f"turn {turn} observation:\n" + sample_json(sample_value(obs)))
    text = "\n".join(parts)
    return text if len(text) <= limit else text[:limit] + f"\n[… sample cut: {len(text) - limit} more chars]"


def decisive_files_text(episode: Episode, shown_files: tuple[str, ...]) -> str:
    """The section naming the public files that decide the sample episode, each in full (capped,
    cut marked); empty when the domain names none."""
    files = shown_files_text(episode, shown_files)
    if not files:
        return ""
    return ("PUBLIC FILES THAT DECIDE THE EPISODE ABOVE (as the organ receives them in delta on turn 1):\n"
            + files + "\n\n")


def _short(value, limit: int = 300) -> str:
    text = json.dumps(value, default=str, ensure_ascii=False) if not isinstance(value, str) else value
    return text if len(text) <= limit else text[:limit] + "…"


def failures_text(results, limit: int = 10) -> str:
    """Failing checks of TRAIN episodes with expected vs actual (callers pass train results only)."""
    lines = []
    for r in results:
        if r.verdict.success:
            continue
        if r.failure:
            lines.append(f"- {r.episode_id}: {r.failure['tag']} on turn {r.failure['turn']}: {r.failure['message']}")
            continue
        for c in r.verdict.failing()[:4]:
            lines.append(f"- {r.episode_id} {c.id}: {c.message}\n    expected: {_short(c.expected)}\n    actual:   {_short(c.actual)}")
    if not lines:
        return "(no failing training episodes)"
    return "\n".join(lines[:limit]) + (f"\n… {len(lines) - limit} more" if len(lines) > limit else "")


def rejected_text(rejected: list[dict], limit: int = 6) -> str:
    if not rejected:
        return "(none)"
    return "\n".join(f"- gen {r['generation']} {r['organ']}: {r['reason']}" for r in rejected[-limit:])


def _numbers(values: dict[str, float]) -> str:
    return ", ".join(f"{k} {v:g}" if float(v).is_integer() else f"{k} {v:.4f}" for k, v in sorted(values.items()))


def _result_word(member: Member, episode_id: str) -> str:
    score = member.scores.get(episode_id)
    if score is None:
        return "not run"
    numbers = member.details.get(episode_id)
    shown = f"{score:.2f}" if abs(round(score, 2) - score) < 1e-9 else f"{score:.4f}"
    return (f"{'pass' if episode_id in member.passed_ids else 'FAIL'} {shown}"
            + (f" ({_numbers(numbers)})" if numbers else ""))


def per_episode_text(members: list[Member], train: list[Episode], indent: str = "") -> str:
    labels = "ABCDEFGH"
    lines = []
    for ep in train:
        cols = [(f"{labels[i]} " if len(members) > 1 else "") + _result_word(m, ep.episode_id) for i, m in enumerate(members)]
        lines.append(f"{indent}- {ep.episode_id} (level {ep.manifest.difficulty}): {' | '.join(cols)}")
    return "\n".join(lines)


def approaches_text(front: list[Member], train_count: int) -> str:
    if not front:
        return "(none yet)"
    lines = []
    for m in front:
        origin = m.role + (f" of {' and '.join(m.parents)}" if m.parents else "")
        failing = [k for k in m.scores if k not in m.passed_ids]
        lines.append(f"- {m.organ.name} (generation {m.generation}, {origin}): score {m.score:.2f}, passes "
                     f"{m.passed}/{train_count}" + (f", fails {', '.join(failing[:6])}" if failing else "")
                     + f"\n    idea: {_short(' '.join(m.rationale.split()), 280)}")
    return "\n".join(lines)


@dataclass
class Parent:
    member: Member
    source: str
    transcripts: str = ""


@dataclass
class Revision:
    """A near miss of the previous generation and its source (the part that arrived, when cut off)."""
    near_miss: NearMiss
    source: str


@dataclass(frozen=True)
class Objective:
    """How the domain's training is judged and stopped, as the prompt states it."""
    rule: StopRule = StopRule("pass", 6)
    score_rule: str = "the share of its verdict's checks that pass"

    @property
    def kind(self) -> str:
        return self.rule.objective


def rejection_text(near_miss: NearMiss, source: str) -> str:
    """Each rejection with its rule, place and message, and the source line it points at."""
    lines = source.splitlines()
    out = []
    for r in near_miss.rejections:
        out.append(f"- {r.rule} at line {r.line}:{r.col}: {r.message}")
        if r.rule not in ("too_large", "too_many_nodes", "too_deep") and 1 <= r.line <= len(lines):
            out.append(f"    line {r.line}: {lines[r.line - 1].strip()[:200]}")
    return "\n".join(out) or f"- {near_miss.reason}"


@dataclass
class GenerationPrompts:
    """Everything one generation's prompts are built from (TRAIN material only)."""
    templates: dict[str, str]
    domain: str
    generation: int
    train: list[Episode]
    roles: list[Role]
    parents: dict[str, Parent]  # organ name -> parent
    front: list[Member]
    failures: str
    scars: list[scarlib.Scar]
    rejected: list[dict]
    stagnating: bool = False
    stagnant_for: int = 0
    objective: Objective = field(default_factory=Objective)
    revisions: dict[str, Revision] = field(default_factory=dict)  # organ name -> near miss to revise
    limits: Limits | None = None  # the run's sandbox limits (default Limits()), stated in the contract
    max_answer_chars: int | None = None  # the run's llm.max_answer_chars (default: the settings' default)
    shown_files: tuple[str, ...] | None = None  # the domain's decisive public files (default: its transcript_files)
    experience: Any = None  # evolution.experience.Experience: lessons, Director, Critic ({experience}; None: empty)
    _sample: str | None = field(default=None, repr=False)

    def decisive_files(self) -> tuple[str, ...]:
        if self.shown_files is None:
            self.shown_files = tuple(domainlib.get(self.domain).transcript_files)
        return self.shown_files

    def standing(self, role: Role) -> str:
        """The numbers a candidate has to beat: the front's best and (repairs, crossovers) its parents,
        per training episode with what the verdicts reported."""
        top = best(self.front)
        if top is None:
            return "(no organ scores yet on the training episodes)"
        shown = [top] + [self.parents[n].member for n in role.parents if n in self.parents
                         and self.parents[n].member.organ.name != top.organ.name]
        lines = []
        for m in shown:
            label = "front best" if m is top else "parent"
            lines.append(f"- {label} {m.organ.name}: mean score {m.score:.4f}, passes {m.passed}/{len(self.train)}")
            lines.append(per_episode_text([m], self.train, indent="    "))
        return "\n".join(lines)

    def objective_text(self, role: Role) -> str:
        o = self.objective
        template = self.templates["objective_climb" if o.kind == "climb" else "objective_pass"]
        levels = sorted({e.manifest.difficulty for e in self.train if e.manifest.difficulty is not None})
        return template.format(score_rule=o.score_rule, domain=self.domain, train_count=len(self.train),
                               max_epochs=o.rule.max_epochs, patience=o.rule.patience, min_delta=o.rule.min_delta,
                               generation=self.generation, levels=", ".join(map(str, levels)) or "-",
                               standing=self.standing(role)).strip()

    def common(self, index: int) -> dict:
        episode = sample_episode(self.train)
        if self._sample is None:
            self._sample = observation_sample(episode, shown_files=self.decisive_files())
        role = self.roles[index - 1]
        scars = scarlib.for_prompt(self.scars, self.domain, IMMIGRANT_SCARS if role.kind == "immigrant" else 8)
        if self.stagnating:
            title = (f"APPROACHES THAT PLATEAUED (the best training score has not risen for {self.stagnant_for} "
                     "generations; do something different from all of them)")
        else:
            title = "APPROACHES ALREADY IN THE POPULATION (Pareto front; yours should differ or improve on them)"
        return {"domain": self.domain, "contract": contract_text(self.templates, self.limits, self.max_answer_chars),
                "rules": episode.public_files.get("rules.txt", ""), "observation_sample": self._sample,
                "decisive_files": decisive_files_text(episode, self.decisive_files()), "scars": scarlib.render(scars),
                "rejected": rejected_text(self.rejected), "candidate_header": self.header(index),
                "approaches_title": title, "approaches": approaches_text(self.front, len(self.train)),
                "objective": self.objective_text(role),
                "experience": self.experience.text_for(role) if self.experience is not None else ""}

    def header(self, index: int) -> str:
        role, count = self.roles[index - 1], len(self.roles)
        text = f"CANDIDATE {index} of {count} in generation {self.generation}. Your role: {role.describe()}."
        if count > 1:
            others = "; ".join(f"candidate {i} {r.describe()}" for i, r in enumerate(self.roles, 1) if i != index)
            text += f"\nThe other candidates of this generation: {others}. Each should try a different idea."
        return text

    def messages(self, index: int) -> list[dict]:
        role = self.roles[index - 1]
        fill = self.common(index)
        t = self.templates
        if role.kind == "revise":
            r = self.revisions[role.parents[0]]
            cut = r.near_miss.kind == "cut_off"
            note = (f"; the part that arrived before the answer was cut off, {len(r.source)} characters" if cut
                    else f", {len(r.source.encode('utf-8'))} bytes")
            edits = ("EDITS ARE NOT ACCEPTED for a cut-off answer: send the complete module as \"source\", shorter "
                     "than the one that was cut off." if cut else
                     t["edit_instructions"].replace("{edit_target}", "the rejected organ above").strip())
            user = t["revise_organ"].format(near_miss_reason=r.near_miss.reason, near_miss_name=r.near_miss.organ,
                                            source_note=note, near_miss_source=r.source,
                                            rejection=rejection_text(r.near_miss, r.source), edit_instructions=edits,
                                            **fill)
        elif role.kind == "repair":
            p = self.parents[role.parents[0]]
            climbing = self.objective.kind == "climb" and p.member.all_pass
            note = ("It passes every training episode; raise its score (see the numbers to beat)." if climbing
                    else f"It runs and passes {p.member.passed} of {len(self.train)} training episodes.")
            user = t["repair_organ"].format(repair_note=note, parent_name=p.member.organ.name, parent_source=p.source,
                                            edit_instructions=t["edit_instructions"].replace(
                                                "{edit_target}", "the parent organ's source above").strip(),
                                            parent_score=p.member.score,
                                            parent_passed=f"{p.member.passed}/{len(self.train)} training episodes",
                                            parent_results=per_episode_text([p.member], self.train),
                                            transcripts=p.transcripts or "(none)", **fill)
        elif role.kind == "crossover":
            a, b = (self.parents[name] for name in role.parents)
            user = t["crossover_organ"].format(
                a_name=a.member.organ.name, a_source=a.source, a_score=a.member.score,
                a_passed=f"{a.member.passed}/{len(self.train)}", b_name=b.member.organ.name, b_source=b.source,
                b_score=b.member.score, b_passed=f"{b.member.passed}/{len(self.train)}",
                pair_results=per_episode_text([a.member, b.member], self.train),
                pair_failures=f"A ({a.member.organ.name}):\n{a.member.failures or '(none)'}\n"
                              f"B ({b.member.organ.name}):\n{b.member.failures or '(none)'}", **fill)
        else:
            pool = angles(t)
            note = ("The current genome has no organ for it." if role.kind == "new_organ" else
                    "Organs for it exist (listed below) but a fresh idea is wanted: write a new organ from "
                    "scratch that avoids every scar below.")
            user = t["new_organ"].format(task_note=note, failures=self.failures or "(none yet)",
                                         angle=pool[role.angle % len(pool)], **fill)
        return [{"role": "system", "content": t["system"].strip()}, {"role": "user", "content": user}]
