"""The Director: every few generations of a domain, and when it starts to stagnate, one call reads
the run's state and writes plain-text guidance that the next generation's prompts carry.

It is shown the front with per-episode train scores, the scars by tag, the approaches already tried
(named as plateaued when the domain stagnates), the score history and the budget left; nothing from
validation or test. Its answer is plain text, cut at MAX_CHARS (the cut marked). Pure functions: the
call itself is made by training (training/experience.py).
"""

from __future__ import annotations

from dataclasses import dataclass

from stem.benchmark.episode_model import Episode
from stem.evolution import prompts as promptlib
from stem.evolution import scars as scarlib
from stem.evolution.pareto import Member
from stem.evolution.roles import is_stagnating

MAX_CHARS = 2000
FRONT_SHOWN = 4


def due(history: list[float], every: int, stagnation_generations: int) -> str | None:
    """Why a Director call is due before the next generation of a domain whose best score after each
    generation is `history`, or None: every `every` generations (0: never), and when the domain has
    just started to stagnate."""
    if every <= 0 or not history:
        return None
    if is_stagnating(history, stagnation_generations) and not is_stagnating(history[:-1], stagnation_generations):
        return "the domain started to stagnate"
    if len(history) % every == 0:
        return f"every {every} generations"
    return None


@dataclass
class DirectorState:
    domain: str
    generation: int  # the generation the guidance is for
    reason: str
    train: list[Episode]
    front: list[Member]
    history: list[float]
    stagnating: bool
    scars: list[scarlib.Scar]
    rejected: list[dict]
    budget: str  # what is left of the run's LLM budget, as a sentence
    objective: str  # pass | climb


def budget_text(usage: dict, caps) -> str:
    """The budget used and left, from Budget.as_dict() and the caps (BudgetSettings). Cost spent is
    left out: a replay prices nothing, and the prompt must read the same in a replay."""
    parts = [f"{usage['calls']} calls made" + (f" of {caps.max_calls} ({caps.max_calls - usage['calls']} left)"
                                                if caps.max_calls is not None else "")]
    tokens = usage["prompt_tokens"] + usage["completion_tokens"]
    parts.append(f"{tokens} tokens" + (f" of {caps.max_tokens}" if caps.max_tokens is not None else ""))
    if caps.max_usd is not None:
        parts.append(f"cost capped at ${caps.max_usd:.2f}")
    return ", ".join(parts)


def messages(templates: dict[str, str], s: DirectorState) -> list[dict]:
    shown = sorted(s.front, key=Member.rank, reverse=True)[:FRONT_SHOWN]
    labels = "ABCDEFGH"
    names = "\n".join(f"{labels[i]}: {m.organ.name} (mean {m.score:.4f}, passes {m.passed}/{len(s.train)})"
                      for i, m in enumerate(shown)) or "(no organ scores yet)"
    table = promptlib.per_episode_text(shown, s.train) if shown else ""
    title = "APPROACHES THAT PLATEAUED" if s.stagnating else "APPROACHES ON THE PARETO FRONT"
    user = templates["director"].format(
        domain=s.domain, generation=s.generation, reason=s.reason, objective=s.objective,
        generations=len(s.history), history=", ".join(f"{h:.4f}" for h in s.history) or "(none)",
        front_names=names, front_table=table or "(none)", approaches_title=title,
        approaches=promptlib.approaches_text(s.front, len(s.train)), scars=scarlib.by_tag(s.scars, s.domain),
        rejected=promptlib.rejected_text(s.rejected), budget=s.budget, max_chars=MAX_CHARS)
    return [{"role": "system", "content": templates["experience_system"].strip()}, {"role": "user", "content": user}]


def guidance(answer: str) -> str | None:
    """The guidance from the answer: stripped, cut at MAX_CHARS (marked); None when empty."""
    text = (answer or "").strip()
    if not text:
        return None
    return text if len(text) <= MAX_CHARS else text[:MAX_CHARS] + f"\n[… guidance cut at {MAX_CHARS} characters]"


def render(text: str, generation: int) -> str:
    """The guidance as a prompt section, marked as the Director's with where it came from."""
    return (f"DIRECTOR'S GUIDANCE (a model's advice written before generation {generation} of this run from the "
            f"front, the scars and the budget; generation_{generation:03d}/director.md):\n{text}")
