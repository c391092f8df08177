"""What happened in an episode, told to the model: turn by turn, from the run's own turn files.

A verdict says *that* an organ failed; a transcript says *why*: what each turn delivered (keys,
sizes, first items), what the organ did (trace, action, memory size), what the environment
answered (probe results and notes), the final artifact, the failing checks, and the public files
that decide the episode in full (for security, target.py). Everything here is TRAIN-split
material from the run directory; the caller bounds it by a character budget and every cut is
marked in the text.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from stem.benchmark.episode_model import Episode

STR_LIMIT = 160
ITEMS_SHOWN = 3
TURN_ITEMS = 12  # a turn's delivered items are shown whole up to this many: which arrived when matters
FILE_LIMIT = 8000
_RUNNER_KEYS = ("output", "failure", "limitations", "probe_results", "probe_notes")  # shown above, or not the environment's


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
        keys = list(value)
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


def _read(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def episode_transcript(trace_dir: Path, episode: Episode, shown_files: tuple[str, ...]) -> str:
    """The turn-by-turn record of one episode as the organ lived it (files shown in full come
    from shown_files_text, outside the character budget)."""
    known = {"the DOMAIN RULES above": episode.public_files.get("rules.txt", "\0")}
    for name in shown_files:
        if name in episode.public_files:
            known[f"{name}, shown in full below"] = episode.public_files[name]
    verdict = _read(trace_dir / "verdict.json") or {}
    m = episode.manifest
    served_before = None
    lines = [f"EPISODE {m.episode_id} (level {m.difficulty}, {len(m.turns)} turns): "
             f"score {verdict.get('score', 0.0):.2f}, {'passed' if verdict.get('success') else 'FAILED'}"]
    for spec in m.turns:
        obs = _read(trace_dir / f"turn_{spec.turn:02d}_observation.json")
        if obs is None:
            break
        lines.append(f"turn {spec.turn} [{spec.event}]")
        delta = obs.get("delta") or {}
        for key, value in delta.items():
            if key == "probe_results" and value == served_before:
                lines.append(f"  delta.{key} = the {len(value)} results shown under turn {spec.turn - 1}")
                continue
            lines.append(f"  delta.{key} = {describe(value, known, 700)}")
        action = _read(trace_dir / f"turn_{spec.turn:02d}_action.json")
        if isinstance(action, dict):
            if "raw" in action and len(action) == 1:
                lines.append(f"  organ returned (not a JSON object): {describe(action['raw'], known)}")
            else:
                trace = action.get("trace")
                lines.append(f"  organ trace: {describe(trace, known, 400)}")
                if action.get("action") is not None:
                    lines.append(f"  organ action: {describe(action['action'], known, 700)}")
                memory = action.get("memory")
                if isinstance(memory, dict):
                    lines.append(f"  organ memory: keys {sorted(memory)[:12]} ({len(_dumps(memory))} chars)")
                if "artifact" in action:
                    lines.append(f"  organ artifact: {describe(action['artifact'], known, 900)}")
                if action.get("limitations"):
                    lines.append(f"  organ limitations: {describe(action['limitations'], known)}")
        result = _read(trace_dir / f"turn_{spec.turn:02d}_result.json") or {}
        served_before = result.get("probe_results")
        if result.get("failure"):
            f = result["failure"]
            line = f" (organ line {f['line']})" if f.get("line") else ""
            lines.append(f"  FAILED HERE: {f.get('tag')}: {f.get('message')}{line}")
        for item in result.get("probe_results") or []:
            lines.append(f"  environment ran target({_dumps(item.get('vector'))}) -> {_dumps(item.get('result'))}")
        for note in result.get("probe_notes") or []:
            lines.append(f"  environment note: {note}")
        for key, value in result.items():  # any other domain's environment: what it did with the action
            if key not in _RUNNER_KEYS:
                lines.append(f"  environment {key}: {describe(value, known, 400)}")
    failing = [c for c in verdict.get("checks", []) if not c.get("passed")]
    if failing:
        lines.append("failing checks:")
        for c in failing[:6]:
            lines.append(f"  - {c.get('id')}: {c.get('message')}\n      expected: {describe(c.get('expected'), {}, 400)}"
                         f"\n      actual:   {describe(c.get('actual'), {}, 400)}")
    return "\n".join(lines)


def shown_files_text(episode: Episode, shown_files: tuple[str, ...]) -> str:
    """The public files that decide the episode, in full (each capped at FILE_LIMIT, cut marked)."""
    out = []
    for name in shown_files:
        text = episode.public_files.get(name)
        if text is None:
            continue
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
                        max_episodes: int) -> str:
    """The worst failing episodes (lowest score first) within `budget_chars`; cuts are marked."""
    failing = sorted((r for r in records if not r.success), key=lambda r: (r.score, r.episode.episode_id))
    if not failing:
        return "(every training episode passed)"
    parts: list[str] = []
    used = 0
    for n, rec in enumerate(failing[:max_episodes]):
        text = episode_transcript(rec.trace_dir, rec.episode, shown_files)
        files = shown_files_text(rec.episode, shown_files)
        room = budget_chars - used
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
