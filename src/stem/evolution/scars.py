"""Phenotypic scars: every failure, kept as data, de-duplicated, and the most informative few prompted."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel

from stem.benchmark.episode import EpisodeResult

Phase = Literal["llm", "validate", "runtime", "verify"]
RUNTIME_TAGS = {"runtime_exception", "timeout", "resource_limit", "malformed_response", "non_json_output",
                "multi_turn_collapse", "sandbox_setup_failed"}
PHASE_RANK = {"runtime": 0, "validate": 1, "verify": 2, "llm": 3}
ENDPOINT_TAG = "endpoint_error"  # the LLM endpoint failed (HTTP, timeout): no lesson for the next prompt


class Scar(BaseModel):
    generation: int
    phase: Phase
    organ: str
    tag: str
    message: str
    episode: str | None = None
    turn: int | None = None

    def key(self) -> tuple:
        """Two scars are the same lesson when phase, tag and message agree once numbers are masked."""
        return (self.phase, self.tag, re.sub(r"\d+", "#", self.message)[:160])


def from_episode(result: EpisodeResult, generation: int, organ: str) -> list[Scar]:
    """Scars from one episode: a runtime failure, or the verifier's failing checks."""
    if result.failure:
        phase: Phase = "runtime" if result.failure["tag"] in RUNTIME_TAGS else "verify"
        msg = result.failure["message"] + (f" (organ line {result.failure['line']})" if result.failure.get("line") else "")
        return [Scar(generation=generation, phase=phase, organ=organ, tag=result.failure["tag"], message=msg,
                     episode=result.episode_id, turn=result.failure.get("turn"))]
    return [Scar(generation=generation, phase="verify", organ=organ, tag=c.tag or c.id, message=f"{c.id}: {c.message}",
                 episode=result.episode_id) for c in result.verdict.failing()]


def dedupe(scars: list[Scar]) -> list[Scar]:
    seen, out = set(), []
    for scar in scars:
        if scar.key() not in seen:
            seen.add(scar.key())
            out.append(scar)
    return out


def for_prompt(scars: list[Scar], domain: str | None = None, limit: int = 8) -> list[Scar]:
    """One domain's scars (organ names start with '<domain>__'), newest first within each phase,
    runtime and validator scars before verifier ones."""
    pool = [s for s in dedupe(list(reversed(scars))) if (domain is None or s.organ.startswith(f"{domain}__"))
            and s.tag != ENDPOINT_TAG]
    pool.sort(key=lambda s: (PHASE_RANK[s.phase], -s.generation))
    return pool[:limit]


def render(scars: list[Scar]) -> str:
    if not scars:
        return "(none yet)"
    lines = []
    for s in scars:
        where = f" [{s.episode} turn {s.turn}]" if s.turn else (f" [{s.episode}]" if s.episode else "")
        lines.append(f"- gen {s.generation} {s.phase}/{s.tag} in {s.organ}{where}: {s.message}")
    return "\n".join(lines)


def by_tag(scars: list[Scar], domain: str | None = None, limit: int = 12) -> str:
    """One line per scar tag of a domain, the most frequent first: how many, in which phase, and the
    newest message (endpoint failures left out: they say nothing about the organs)."""
    groups: dict[tuple[str, str], list[Scar]] = {}
    for s in scars:
        if s.tag == ENDPOINT_TAG or (domain is not None and not s.organ.startswith(f"{domain}__")):
            continue
        groups.setdefault((s.phase, s.tag), []).append(s)
    if not groups:
        return "(none yet)"
    ordered = sorted(groups.items(), key=lambda kv: (-len(kv[1]), PHASE_RANK[kv[0][0]], kv[0][1]))
    lines = [f"- {phase}/{tag}: {len(group)}x, newest (gen {group[-1].generation}): {group[-1].message[:240]}"
             for (phase, tag), group in ordered[:limit]]
    if len(ordered) > limit:
        lines.append(f"… {len(ordered) - limit} more tags")
    return "\n".join(lines)
