"""Mutation prompts: templates from prompts/, filled with the contract, public context and feedback.

Only public material and TRAIN-split feedback ever enter a prompt. Validation and test episodes
are not passed to this module at all.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from stem.benchmark.episode import EpisodeResult
from stem.benchmark.episode_model import Episode
from stem.errors import StemError
from stem.evolution import scars as scarlib
from stem.runtime.validator import ALLOWED_IMPORTS

TEMPLATES = ("system", "organ_contract", "new_organ", "repair_organ", "repair_json")


def load_templates(prompts_dir: Path) -> dict[str, str]:
    out = {}
    for name in TEMPLATES:
        path = prompts_dir / f"{name}.txt"
        try:
            out[name] = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise StemError(f"{path}: prompt template missing; restore it from the repository") from None
    return out


def contract_text(templates: dict[str, str]) -> str:
    return templates["organ_contract"].replace("{allowed_imports}", ", ".join(sorted(ALLOWED_IMPORTS)))


def public_sample(episode: Episode, lines: int = 6) -> str:
    m = episode.manifest
    parts = [f"episode {m.episode_id}: {len(m.turns)} turns (minimum {m.min_turns}); output keys: "
             f"{', '.join(m.output_contract.artifact_keys)}"]
    for t in m.turns:
        loads = ", ".join(f"delta['{ld.key}'] <- {ld.kind}({ld.file or 'inline'})" for ld in t.loaders)
        parts.append(f"  turn {t.turn} [{t.event}]: {loads or 'no data'}")
    if m.probe_limit_per_turn:
        parts.append(f"  probes: up to {m.probe_limit_per_turn} per turn, budget {m.probe_budget or 'unlimited'}")
    for name, text in sorted(episode.public_files.items()):
        if name == "rules.txt":
            continue
        head = text.splitlines()[:lines]
        parts.append(f"--- {name} (first {len(head)} of {len(text.splitlines())} lines)\n" + "\n".join(head))
    return "\n".join(parts)


def _short(value, limit: int = 300) -> str:
    text = json.dumps(value, default=str, ensure_ascii=False) if not isinstance(value, str) else value
    return text if len(text) <= limit else text[:limit] + "…"


def failures_text(results: list[EpisodeResult], limit: int = 10) -> str:
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


@dataclass
class Parent:
    name: str
    source: str
    score: float
    failures: str


def build_messages(templates: dict[str, str], domain: str, sample: Episode, parent: Parent | None,
                   failures: str, scars: list[scarlib.Scar], rejected: list[dict]) -> list[dict]:
    """The mutation prompt. `failures` and `sample` come from TRAIN episodes only."""
    common = {"domain": domain, "contract": contract_text(templates), "rules": sample.public_files.get("rules.txt", ""),
              "public_sample": public_sample(sample), "scars": scarlib.render(scars),
              "rejected": rejected_text(rejected)}
    if parent is None:
        user = templates["new_organ"].format(failures=failures or "(none yet)", **common)
    else:
        user = templates["repair_organ"].format(failures=parent.failures, parent_name=parent.name,
                                                parent_source=parent.source, parent_score=parent.score, **common)
    return [{"role": "system", "content": templates["system"].strip()}, {"role": "user", "content": user}]
