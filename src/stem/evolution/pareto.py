"""The per-episode Pareto front of a domain's organs (GEPA-style selection).

An organ stays on the front while no other organ scores at least as well on every train episode
and better on one. A specialist that alone passes one hard episode therefore survives beside a
generalist with a higher mean score, and can later be crossed with it. An organ whose per-episode
scores equal a member's adds nothing new and is not admitted.
"""

from __future__ import annotations

from itertools import combinations

from stem.run_models import Member

__all__ = ["FRONT_CAP", "Member", "best", "complementary_pairs", "dominates", "insert"]

FRONT_CAP = 8


def dominates(a: Member, b: Member) -> bool:
    keys = set(a.scores) | set(b.scores)
    at_least = all(a.scores.get(k, 0.0) >= b.scores.get(k, 0.0) for k in keys)
    return at_least and any(a.scores.get(k, 0.0) > b.scores.get(k, 0.0) for k in keys)


def insert(front: list[Member], new: Member, cap: int = FRONT_CAP) -> list[Member]:
    """The front after offering `new`; best-ranked first. Over `cap`, the lowest-ranked leave."""
    if any(dominates(m, new) or m.scores == new.scores for m in front):
        return sorted(front, key=Member.rank, reverse=True)
    kept = [m for m in front if not dominates(new, m)] + [new]
    return sorted(kept, key=Member.rank, reverse=True)[:cap]


def best(front: list[Member]) -> Member | None:
    return max(front, key=Member.rank) if front else None


def complementary_pairs(front: list[Member]) -> list[tuple[Member, Member]]:
    """Pairs worth crossing, most promising first: each parent is better than the other on some
    episode (always true for two front members); pairs whose passes together cover the most
    episodes, then the highest per-episode best-of-both score, come first."""
    def merit(pair: tuple[Member, Member]) -> tuple:
        a, b = pair
        union = set(a.passed_ids) | set(b.passed_ids)
        combined = sum(max(a.scores.get(k, 0.0), b.scores.get(k, 0.0)) for k in set(a.scores) | set(b.scores))
        return (len(union), round(combined, 6), a.generation + b.generation)
    pairs = [(a, b) for a, b in combinations(sorted(front, key=Member.rank, reverse=True), 2)
             if not dominates(a, b) and not dominates(b, a) and a.scores != b.scores]
    return sorted(pairs, key=merit, reverse=True)
