"""What happened in an episode, told to the model: turn by turn, from the run's own turn records
(stem.turn_records: the compact record, or the per-turn files of runs written before it).

A verdict says *that* an organ failed; a transcript says *why*: what each turn delivered (keys,
sizes, first items), what the organ did (trace, action, memory size), what the environment
answered (any domain's answers: security's probe results and notes, binpacking's placements, a
plugin's own keys; a domain may word them itself with Domain.describe_answers), the final artifact,
the failing checks, and the public files that decide the episode in full (for security, target.py).
An episode of many turns is summarised: its first turns and its last turns (where a failure ends
it) whole, the turns between counted, the cut marked. Everything here is TRAIN-split material from
the run directory; the caller bounds it by a character budget and every cut is marked in the text.
"""

from __future__ import annotations

import json
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from stem.benchmark import domains
from stem.benchmark.episode_model import Episode
from stem.errors import StemError
from stem.turn_records import TurnRecord, open_episode

STR_LIMIT = 160
ITEMS_SHOWN = 3
TURN_ITEMS = 12  # a turn's delivered items are shown whole up to this many: which arrived when matters
FILE_LIMIT = 8000


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)


def compact(value: Any, str_limit: int = STR_LIMIT, items: int = ITEMS_SHOWN, depth: int = 4) -> Any:
    """A JSON value cut down to its shape: long strings and lists shortened with a visible marker."""
    if isinstance(value, str):
        return value if len(value) <= str_limit else value[:str_limit] + f"…[+{len(value) - str_limit} chars]"
    if isinstance(value, list):
        if depth <= 0:
            return f"[list of {len(value)} items]"
        head = [compact(v, str_limit, items, depth - 1) for v in value[:items]]
        return head + ([f"…[+{len(value) - items} more items]"] if len(value) > items else [])
    if isinstance(value, dict):
        if depth <= 0:
            return f"{{object with {len(value)} keys}}"
        keys = sorted(value)  # the same text whatever order the record kept the keys in
        out = {k: compact(value[k], str_limit, items, depth - 1) for k in keys[:12]}
        if len(keys) > 12:
            out["…"] = f"+{len(keys) - 12} more keys"
        return out
    return value


def describe(value: Any, known: dict[str, str], limit: int = 320) -> str:
    """One value of a delta or response, in a line: type, size, the first items."""
    if isinstance(value, str):
        for label, text in known.items():
            if value == text:
                return f"text of {len(value)} chars ({label})"
        text = _dumps(compact(value))
    elif isinstance(value, list):
        text = f"list of {len(value)}: " + _dumps(compact(value, items=TURN_ITEMS))
    elif isinstance(value, dict):
        text = f"object with {len(value)} keys: " + _dumps(compact(value, items=TURN_ITEMS))
    else:
        text = _dumps(value)
    return text if len(text) <= limit else text[:limit] + f"…[+{len(text) - limit} chars]"


RUNNER_KEYS = ("failure", "output", "limitations", "action_notes")  # the runner's keys in a turn's result; the rest is the environment's
SHOW_ALL_TURNS = 12  # episodes of up to this many turns are told turn by turn, whole
HEAD_TURNS = 3  # longer ones: the first turns, the last turns (the failure ends an episode), and counts
TAIL_TURNS = 4
LISTED_TURNS = 6  # a key seen on at most this many of the turns not shown: its turns are named


def _answer_lines(episode: Episode, answers: dict[str, Any]) -> list[str]:
    """What the environment answered on a turn, a line each: the domain's own wording when it gives
    one (Domain.describe_answers), else every key with its values."""
    if not answers:
        return []
    try:
        custom = domains.get(episode.domain).describe_answers(answers)
    except Exception:  # a domain's renderer that fails falls back to the plain form
        custom = None
    if isinstance(custom, list) and all(isinstance(line, str) for line in custom):
        return custom
    return generic_answer_lines(answers)


def generic_answer_lines(answers: dict[str, Any]) -> list[str]:
    lines = []
    for key in sorted(answers):
        value = answers[key]
        if isinstance(value, list) and value:
            for item in value[:TURN_ITEMS]:
                lines.append(f"environment {key}: {describe(item, {}, 400)}")
            if len(value) > TURN_ITEMS:
                lines.append(f"environment {key}: …[+{len(value) - TURN_ITEMS} more items]")
        else:
            lines.append(f"environment {key}: {describe(value, {}, 400)}")
    return lines


def _turn_lines(episode: Episode, rec: TurnRecord, before: dict, known: dict[str, str]) -> list[str]:
    """One turn as the organ lived it; `before` is the previous turn's result (what the environment
    answered then, which this turn's delta may carry)."""
    m = episode.manifest
    obs = rec.observation if isinstance(rec.observation, dict) else {}
    event = m.turns[rec.turn - 1].event if 0 < rec.turn <= len(m.turns) else obs.get("event", "?")
    lines = [f"turn {rec.turn} [{event}]"]
    delta = obs.get("delta") or {}
    for key in sorted(delta):
        value = delta[key]
        if key in before and key not in RUNNER_KEYS and value == before[key]:
            what = f"the {len(value)} results" if isinstance(value, list) else "the answer"
            lines.append(f"  delta.{key} = {what} shown under turn {rec.turn - 1}")
            continue
        lines.append(f"  delta.{key} = {describe(value, known, 700)}")
    action = rec.response
    if isinstance(action, dict):
        if "raw" in action and len(action) == 1:
            lines.append(f"  organ returned (not a JSON object): {describe(action['raw'], known)}")
        else:
            lines.append(f"  organ trace: {describe(action.get('trace'), known, 400)}")
            if action.get("action") is not None:
                lines.append(f"  organ action: {describe(action['action'], known, 700)}")
            memory = action.get("memory")
            if isinstance(memory, dict):
                lines.append(f"  organ memory: keys {sorted(memory)[:12]} ({len(_dumps(memory))} chars)")
            if "artifact" in action:
                lines.append(f"  organ artifact: {describe(action['artifact'], known, 900)}")
            if action.get("limitations"):
                lines.append(f"  organ limitations: {describe(action['limitations'], known)}")
    result = rec.result if isinstance(rec.result, dict) else {}
    if result.get("failure"):
        f = result["failure"]
        line = f" (organ line {f['line']})" if f.get("line") else ""
        lines.append(f"  FAILED HERE: {f.get('tag')}: {f.get('message')}{line}")
    answers = {k: v for k, v in result.items() if k not in RUNNER_KEYS}
    lines += [f"  {line}" for line in _answer_lines(episode, answers)]
    lines += [f"  note: {note}" for note in result.get("action_notes") or [] if isinstance(note, str)]
    return lines


class _Counts:
    """What the turns a summary leaves out did, counted: which delta keys arrived, which actions were
    sent and answered, which turns had no trace, the memory's size."""

    def __init__(self) -> None:
        self.turns: list[int] = []
        self.keys: dict[str, dict[str, list[int]]] = {"delta": {}, "action": {}, "environment": {}}
        self.untraced: list[int] = []
        self.memory: list[int] = []

    def add(self, rec: TurnRecord) -> None:
        self.turns.append(rec.turn)
        obs = rec.observation if isinstance(rec.observation, dict) else {}
        for key in obs.get("delta") or {}:
            self.keys["delta"].setdefault(key, []).append(rec.turn)
        response = rec.response if isinstance(rec.response, dict) else {}
        action = response.get("action")
        for key in (action if isinstance(action, dict) else {}):
            self.keys["action"].setdefault(key, []).append(rec.turn)
        for key in (rec.result if isinstance(rec.result, dict) else {}):
            if key not in RUNNER_KEYS:
                self.keys["environment"].setdefault(key, []).append(rec.turn)
        trace = response.get("trace")
        if not (isinstance(trace, list) and trace):
            self.untraced.append(rec.turn)
        if isinstance(response.get("memory"), dict):
            self.memory.append(len(_dumps(response["memory"])))

    def text(self) -> str:
        n = len(self.turns)
        parts = []
        for group, label in (("delta", "delta keys"), ("action", "organ actions"),
                             ("environment", "environment answers")):
            seen = self.keys[group]
            if seen:
                parts.append(f"{label}: " + ", ".join(f"{k} on {_turns_text(v, n)}" for k, v in sorted(seen.items())))
        parts.append("no trace on " + _turns_text(self.untraced, n) if self.untraced else "a trace on every turn")
        if self.memory:
            parts.append(f"memory {min(self.memory)}-{max(self.memory)} chars")
        return (f"[… turns {self.turns[0]}-{self.turns[-1]} not shown ({n} turns); on them: "
                + "; ".join(parts) + "]")


def _turns_text(turns: list[int], of: int) -> str:
    if len(turns) == of:
        return f"all {of}"
    if len(turns) <= LISTED_TURNS:
        return "turn" + ("s " if len(turns) > 1 else " ") + ", ".join(map(str, turns))
    return f"{len(turns)} turns (first {turns[0]}, last {turns[-1]})"


def episode_transcript(trace_dir: Path, episode: Episode, shown_files: tuple[str, ...],
                       budget: int | None = None) -> str:
    """The turn-by-turn record of one episode as the organ lived it, read from its turn record (either
    layout; files shown in full come from shown_files_text, outside the character budget). An
    episode of more than SHOW_ALL_TURNS turns is summarised: its first and last turns whole (the last
    include the failure, which ends an episode), the turns between counted, the cut marked; with a
    `budget`, fewer turns are shown whole until the text fits."""
    known = {"the DOMAIN RULES above": episode.public_files.get("rules.txt", "\0")}
    for name in shown_files:
        if name in episode.public_files:
            known[f"{name}, shown in full below"] = episode.public_files[name]
    m = episode.manifest
    problem = None
    try:
        record = open_episode(trace_dir)
    except StemError as exc:
        record, problem = None, str(exc)
    verdict = (record.verdict if record is not None else None) or {}
    head = [f"EPISODE {m.episode_id} (level {m.difficulty}, {len(m.turns)} turns): "
            f"score {verdict.get('score', 0.0):.2f}, {'passed' if verdict.get('success') else 'FAILED'}"]
    tail = _failing_checks(verdict)
    if record is None:
        note = f"(turn record unreadable: {problem})" if problem else \
            "(no turn record for this episode: logs.keep_turns may be none)"
        return "\n".join(head + [note] + tail)
    if not record.turns_kept:
        return "\n".join(head + [f"({record.note})"] + tail)
    first: list[tuple[TurnRecord, dict]] = []
    last: deque[tuple[TurnRecord, dict]] = deque(maxlen=SHOW_ALL_TURNS + 1)
    middle = _Counts()
    before: dict = {}
    count = 0
    try:
        for rec in record.turns():
            count += 1
            pair = (rec, before)
            before = rec.result if isinstance(rec.result, dict) else {}
            if len(first) < HEAD_TURNS:
                first.append(pair)
                continue
            if len(last) == last.maxlen:
                middle.add(last[0][0])
            last.append(pair)
    except StemError as exc:
        problem = str(exc)
    if count <= SHOW_ALL_TURNS:
        body = [line for rec, b in first + list(last) for line in _turn_lines(episode, rec, b, known)]
        return "\n".join(head + body + ([f"(the rest is unreadable: {problem})"] if problem else []) + tail)
    text = ""
    for shown_head, shown_tail in ((HEAD_TURNS, TAIL_TURNS), (2, 2), (1, 1)):
        counts = _Counts()
        for rec, _ in first[shown_head:]:
            counts.add(rec)
        kept_tail = list(last)[-shown_tail:]
        hidden = list(last)[:-shown_tail]
        body = [line for rec, b in first[:shown_head] for line in _turn_lines(episode, rec, b, known)]
        merged = _merge(counts, middle, hidden)
        body.append(merged.text())
        body += [line for rec, b in kept_tail for line in _turn_lines(episode, rec, b, known)]
        text = "\n".join(head + body + ([f"(the rest is unreadable: {problem})"] if problem else []) + tail)
        if budget is None or len(text) <= budget:
            break
    return text


def _merge(counts: _Counts, middle: _Counts, hidden: list[tuple[TurnRecord, dict]]) -> _Counts:
    """The counts of every turn not shown whole, in turn order: head turns left out, the middle, and
    tail turns left out."""
    out = _Counts()
    for part in (counts, middle):
        out.turns += part.turns
        out.untraced += part.untraced
        out.memory += part.memory
        for group, seen in part.keys.items():
            for key, turns in seen.items():
                out.keys[group].setdefault(key, []).extend(turns)
    for rec, _ in hidden:
        out.add(rec)
    return out


def _failing_checks(verdict: dict) -> list[str]:
    failing = [c for c in verdict.get("checks", []) if not c.get("passed")]
    if not failing:
        return []
    lines = ["failing checks:"]
    for c in failing[:6]:
        lines.append(f"  - {c.get('id')}: {c.get('message')}\n      expected: {describe(c.get('expected'), {}, 400)}"
                     f"\n      actual:   {describe(c.get('actual'), {}, 400)}")
    return lines


def shown_files_text(episode: Episode, shown_files: tuple[str, ...], seen: dict[str, str] | None = None) -> str:
    """The public files that decide the episode, in full (each capped at FILE_LIMIT, cut marked). With
    `seen` (file text -> where it was shown), a file already shown is named, not repeated, and the
    ones shown here are added to it."""
    out = []
    for name in shown_files:
        text = episode.public_files.get(name)
        if text is None:
            continue
        if seen is not None and text in seen:
            out.append(f"--- {name}: the same text as {seen[text]} ---")
            continue
        if seen is not None:
            seen[text] = f"{name} of {episode.episode_id}"
        text = text.rstrip()
        if len(text) > FILE_LIMIT:
            text = text[:FILE_LIMIT] + f"\n[… {len(text) - FILE_LIMIT} more chars of {name} not shown]"
            out.append(f"--- {name} (first {FILE_LIMIT} chars) ---\n{text}\n--- end of {name} ---")
        else:
            out.append(f"--- {name} (in full) ---\n{text}\n--- end of {name} ---")
    return "\n".join(out)


@dataclass
class EpisodeRecord:
    episode: Episode
    trace_dir: Path
    score: float
    success: bool


def failing_transcripts(records: list[EpisodeRecord], shown_files: tuple[str, ...], budget_chars: int,
                        max_episodes: int, seen: dict[str, str] | None = None) -> str:
    """The worst failing episodes (lowest score first) within `budget_chars`; cuts are marked. A
    decisive file whose text is in `seen` (shown elsewhere in the prompt) is named, not repeated."""
    seen = dict(seen or {})
    failing = sorted((r for r in records if not r.success), key=lambda r: (r.score, r.episode.episode_id))
    if not failing:
        return "(every training episode passed)"
    parts: list[str] = []
    used = 0
    for n, rec in enumerate(failing[:max_episodes]):
        room = budget_chars - used
        text = episode_transcript(rec.trace_dir, rec.episode, shown_files, budget=room)
        files = shown_files_text(rec.episode, shown_files, seen)
        if room <= 200:
            parts.append(f"[… {len(failing) - n} more failing episodes not shown: transcript budget of "
                         f"{budget_chars} chars reached (evolution.transcript_chars)]")
            return "\n\n".join(parts)
        if len(text) > room:
            text = (text[:room] + f"\n[… transcript cut here: {len(text) - room} more chars of this episode not shown; "
                                  f"budget {budget_chars} chars (evolution.transcript_chars)]")
        parts.append(text + ("\n" + files if files else ""))
        used += len(text)
    if len(failing) > max_episodes:
        parts.append(f"[… {len(failing) - max_episodes} more failing episodes not shown "
                     f"(evolution.transcript_episodes = {max_episodes})]")
    return "\n\n".join(parts)
