"""Who each candidate of a generation is: the policy that spends a population on different ideas.

- new_organ: no organ of the domain scores yet; each candidate gets another exploration angle.
- repair: fix one parent from the Pareto front, shown its failing episodes turn by turn.
- crossover: merge two front members that are each better on different episodes.
- immigrant: a fresh organ written from every scar, told which approaches the front already holds.
- revise: fix a near miss of the previous generation (an organ rejected for its form: too large, a
  banned name on a few lines, a syntax error, an answer cut off), shown its source and the exact rule.

Near misses come first: each gets one revision in the next generation of its domain.

While the best train score keeps rising, a generation mixes repair, crossover and immigrant
(in that order, cycling; each front member is repaired at most once per generation, and a missing
crossover pair or parent gives its slot to another repair or an immigrant). After `patience` generations without a better best score the domain is
stagnating and the generation is all crossovers and immigrants.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from stem.benchmark.domain_api import Objective
from stem.evolution.pareto import Member, complementary_pairs

KINDS = ("new_organ", "repair", "crossover", "immigrant", "revise")


@dataclass(frozen=True)
class StopRule:
    """How a domain's training stops (evolution/outcome.domain_done applies it; prompts state it)."""
    objective: Objective
    max_epochs: int
    patience: int = 3
    min_delta: float = 0.001


@dataclass(frozen=True)
class Role:
    kind: str
    parents: tuple[str, ...] = field(default_factory=tuple)  # organ names, best first
    angle: int = 0  # exploration angle index for new_organ / immigrant

    def describe(self) -> str:
        if self.kind == "repair":
            return f"repair of {self.parents[0]}"
        if self.kind == "crossover":
            return f"crossover of {self.parents[0]} and {self.parents[1]}"
        if self.kind == "immigrant":
            return "a fresh organ unlike the current ones (immigrant)"
        if self.kind == "revise":
            return f"revision of the rejected near miss {self.parents[0]}"
        return "a new organ"

    def as_dict(self) -> dict:
        return {"role": self.kind, "parents": list(self.parents), "angle": self.angle}


def generations_without_gain(history: list[float], min_delta: float = 0.0) -> int:
    """How many generations have passed since the best train score last rose by more than
    `min_delta` (history holds the domain's best score after each of its generations)."""
    best, since = 0.0, 0
    for score in history:
        if score > best + min_delta + 1e-9:
            best, since = score, 0
        else:
            since += 1
    return since


def is_stagnating(history: list[float], patience: int) -> bool:
    return patience > 0 and bool(history) and max(history) > 0 and generations_without_gain(history) >= patience


def assign(count: int, front: list[Member], generation: int, stagnating: bool,
           near_misses: list[str] | tuple[str, ...] = ()) -> list[Role]:
    """`count` roles for one generation; deterministic in its inputs. `near_misses`: organ names of
    the previous generation's near misses, each revised once, before any other role."""
    revisions = [Role("revise", (name,)) for name in near_misses][:count]
    rest = count - len(revisions)
    if not front:
        return revisions + [Role("new_organ", angle=generation + i) for i in range(rest)]
    return revisions + _front_roles(rest, front, generation, stagnating)


def _front_roles(count: int, front: list[Member], generation: int, stagnating: bool) -> list[Role]:
    ranked = sorted(front, key=Member.rank, reverse=True)
    pairs = complementary_pairs(front)
    cycle = ("crossover", "immigrant") if stagnating else ("repair", "crossover", "immigrant")
    roles: list[Role] = []
    used = {"repair": 0, "crossover": 0, "immigrant": 0}
    for i in range(count):
        kind = cycle[i % len(cycle)]
        if kind == "crossover" and not pairs:
            kind = "repair" if not stagnating and used["repair"] < len(ranked) else "immigrant"
        if kind == "repair" and used["repair"] >= len(ranked):
            kind = "immigrant"  # never two repairs of one parent in a generation: that buys one idea twice
        n = used[kind]
        used[kind] += 1
        if kind == "repair":
            roles.append(Role("repair", (ranked[n % len(ranked)].organ.name,)))
        elif kind == "crossover":
            a, b = pairs[n % len(pairs)]
            roles.append(Role("crossover", (a.organ.name, b.organ.name)))
        else:
            roles.append(Role("immigrant", angle=generation + i))
    return roles
