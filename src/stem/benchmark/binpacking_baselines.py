"""The binpacking baseline table (`stem bench baselines --domain binpacking`): First Fit, Best Fit and the
private reference heuristic on generated episodes, per level: mean excess over the L1 lower bound and
how often each baseline meets the reference's bins (the pass bar)."""

from __future__ import annotations

from dataclasses import dataclass

from stem.benchmark import binpacking, domains
from stem.benchmark import binpacking_reference as ref
from stem.errors import StemError

@dataclass(frozen=True)
class BaselineRow:
    level: int
    distribution: str  # uniform | weibull | mixture
    capacity: int
    items: int
    episodes: int
    first_fit_excess: float  # mean (bins - lower bound) / lower bound
    best_fit_excess: float
    reference_excess: float
    first_fit_pass: float  # share of episodes where First Fit uses at most the reference's bins
    best_fit_pass: float


def baselines(levels: list[int], episodes: int, seed: int = 0) -> list[BaselineRow]:
    """First Fit, Best Fit and the reference on `episodes` generated episodes per level (seeds
    seed .. seed + episodes - 1, the same instances the domain generates)."""
    rows = []
    for level in levels:
        spec = ref.level_spec(level)
        ff, bf, rf, ff_pass, bf_pass = [], [], [], 0, 0
        for s in range(seed, seed + episodes):
            inst = ref.episode_instance(s, level)
            bound = ref.lower_bound(inst.sizes, inst.capacity)
            first = len(ref.pack_first_fit(inst.sizes, inst.capacity))
            best = len(ref.pack_best_fit(inst.sizes, inst.capacity))
            reference = ref.reference_bins(level, inst)
            ff.append(ref.excess(first, bound))
            bf.append(ref.excess(best, bound))
            rf.append(ref.excess(reference, bound))
            ff_pass += first <= reference
            bf_pass += best <= reference
        rows.append(BaselineRow(level, spec.distribution.kind, spec.capacity, spec.item_count, episodes, sum(ff) / episodes,
                                sum(bf) / episodes, sum(rf) / episodes, ff_pass / episodes, bf_pass / episodes))
    return rows


def baselines_for(domain: str, episodes: int, seed: int = 0, levels: list[int] | None = None) -> list[BaselineRow]:
    """`stem bench baselines`: the table for `domain` (binpacking has one)."""
    if domains.domain_name(domain) != binpacking.NAME:
        raise StemError(f"baselines exist for binpacking only; use --domain binpacking (got {domain})")
    if episodes < 1:
        raise StemError("--episodes must be at least 1")
    return baselines(list(levels or binpacking.DOMAIN.levels), episodes, seed)
