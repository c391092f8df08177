"""The binpacking domain's private mathematics: generators, the L1 bound, First/Best Fit, the reference."""

from __future__ import annotations

import itertools
import math
import random
from fractions import Fraction

import pytest

from stem.benchmark.binpacking_reference import (
    NEW_BIN, Distribution, ReferencePacker, ReferenceParams, best_fit, closing_shares, episode_instance,
    excess, first_fit, generate_instance, generate_sizes, level_spec, lower_bound, pack, pack_best_fit,
    pack_first_fit, pack_reference, reference_bins, reference_packer,
)

BOUNDS = {"uniform": (20, 100, 150), "weibull": (1, 100, 100), "mixture": (1, 150, 150)}


# --- generators ---------------------------------------------------------------------------------


@pytest.mark.parametrize("level", [1, 2, 3, 4, 5, 6])
def test_generated_instances_are_deterministic_per_seed_and_within_bounds(level):
    spec = level_spec(level)
    one = generate_instance(level, random.Random(7))
    assert one == generate_instance(level, random.Random(7))
    assert one != generate_instance(level, random.Random(8))
    assert episode_instance(3, level) == episode_instance(3, level) != episode_instance(4, level)
    low, high, capacity = BOUNDS[spec.distribution.kind]
    assert one.capacity == spec.capacity == capacity
    assert len(one.sizes) == spec.item_count
    assert all(isinstance(s, int) and low <= s <= high for s in one.sizes)


def test_levels_follow_the_documented_table():
    table = {lv: (level_spec(lv).distribution.kind, level_spec(lv).item_count, level_spec(lv).capacity)
             for lv in range(1, 7)}
    assert table == {1: ("uniform", 100, 150), 2: ("uniform", 200, 150), 3: ("uniform", 500, 150),
                     4: ("weibull", 1000, 100), 5: ("weibull", 5000, 100), 6: ("mixture", 5000, 150)}
    for bad in (0, 7, "3"):
        with pytest.raises(ValueError, match="no level"):
            level_spec(bad)
    with pytest.raises(ValueError, match="unknown size distribution"):
        Distribution("normal")


@pytest.mark.parametrize("kind", ["uniform", "weibull", "mixture"])
def test_the_pmf_describes_what_the_sampler_draws(kind):
    dist = Distribution(kind)
    pmf = dist.pmf()
    assert len(pmf) == dist.capacity + 1 and pmf[0] == 0.0
    assert math.isclose(sum(pmf), 1.0, abs_tol=1e-9)
    draws = generate_sizes(dist, 40000, random.Random(11))
    mean_pmf = sum(k * p for k, p in enumerate(pmf))
    mean_draws = sum(draws) / len(draws)
    assert abs(mean_draws - mean_pmf) < 0.5
    for cut in (30, 45, 60, 80):  # the cumulative shares agree too, not just the mean
        share = sum(1 for d in draws if d <= cut) / len(draws)
        assert abs(share - sum(pmf[: cut + 1])) < 0.012, cut


def test_weibull_matches_the_published_parameters():
    # Weibull shape 3 scale 45 has mean 45 * Gamma(4/3) = 40.19; rounding and clipping barely move it
    draws = generate_sizes(Distribution("weibull"), 40000, random.Random(5))
    assert abs(sum(draws) / len(draws) - 45 * math.gamma(4 / 3)) < 0.4
    mixture = generate_sizes(Distribution("mixture"), 40000, random.Random(5))
    # only the Weibull half (scale 67.5 at capacity 150) goes past 100: half of P(X > 100.5)
    expected = 0.5 * math.exp(-((100.5 / 67.5) ** 3))
    assert abs(sum(1 for d in mixture if d > 100) / len(mixture) - expected) < 0.004


# --- lower bound --------------------------------------------------------------------------------


def optimal_bins(sizes, capacity):
    """Brute force: the fewest bins over every assignment of items to bins."""
    n = len(sizes)
    for k in range(1, n + 1):
        for assign in itertools.product(range(k), repeat=n):
            loads = [0] * k
            for item, b in zip(sizes, assign):
                loads[b] += item
            if max(loads) <= capacity:
                return k
    return 0


def test_lower_bound_on_small_cases():
    assert lower_bound([], 150) == 0
    assert lower_bound([150], 150) == 1
    assert lower_bound([75, 75], 150) == 1
    assert lower_bound([75, 76], 150) == 2
    assert lower_bound([50, 50, 50, 1], 150) == 2
    with pytest.raises(ValueError, match="capacity"):
        lower_bound([1], 0)
    rng = random.Random(3)
    for _ in range(60):
        capacity = rng.randint(5, 20)
        sizes = [rng.randint(1, capacity) for _ in range(rng.randint(1, 6))]
        bound = lower_bound(sizes, capacity)
        assert bound == math.ceil(Fraction(sum(sizes), capacity))
        assert bound <= optimal_bins(sizes, capacity)


def test_excess_is_the_share_of_bins_over_the_bound():
    assert excess(210, 200) == pytest.approx(0.05)
    assert excess(200, 200) == 0.0
    assert excess(0, 0) == 0.0


# --- First Fit and Best Fit ---------------------------------------------------------------------


def naive_pack(sizes, capacity, rule):
    """An independent packer: bins as lists of items, every feasible bin enumerated for each item."""
    bins: list[list[int]] = []
    for size in sizes:
        feasible = [(capacity - sum(b) - size, i) for i, b in enumerate(bins) if sum(b) + size <= capacity]
        if not feasible:
            bins.append([size])
            continue
        if rule == "first":
            chosen = min(i for _, i in feasible)
        else:
            chosen = min(feasible)[1]  # least room left, then lowest index
        bins[chosen].append(size)
    return [capacity - sum(b) for b in bins]


def test_first_and_best_fit_match_brute_force_on_small_cases():
    rng = random.Random(17)
    differ = 0
    for _ in range(300):
        capacity = rng.randint(5, 40)
        sizes = [rng.randint(1, capacity) for _ in range(rng.randint(1, 30))]
        first = naive_pack(sizes, capacity, "first")
        best = naive_pack(sizes, capacity, "best")
        assert pack(sizes, capacity, first_fit) == first == pack_first_fit(sizes, capacity)
        assert pack(sizes, capacity, best_fit) == best == pack_best_fit(sizes, capacity)
        differ += first != best
    assert differ > 30  # the cases tell the two rules apart


def test_choosers_answer_for_the_bins_they_are_shown():
    assert first_fit([], 5) == NEW_BIN and best_fit([], 5) == NEW_BIN
    assert first_fit([3, 10, 6, 6], 6) == 1
    assert best_fit([3, 10, 6, 6], 6) == 2
    assert first_fit([3, 4], 5) == NEW_BIN and best_fit([3, 4], 5) == NEW_BIN


def test_fast_packers_match_the_choosers_on_generated_levels():
    for level in (3, 4, 6):
        inst = episode_instance(0, level)
        sizes = inst.sizes[:1500]
        assert pack_first_fit(sizes, inst.capacity) == pack(sizes, inst.capacity, first_fit)
        assert pack_best_fit(sizes, inst.capacity) == pack(sizes, inst.capacity, best_fit)


def test_pack_refuses_an_invalid_answer_naming_the_item():
    with pytest.raises(ValueError, match="item 1: size 8 does not fit bin 0"):
        pack([5, 8], 10, lambda bins, size: 0 if bins else NEW_BIN)
    with pytest.raises(ValueError, match="item 0: chooser answered 0"):
        pack([5], 10, lambda bins, size: 0)  # no bin is open yet
    with pytest.raises(ValueError, match="item 1: chooser answered 'x'"):
        pack([5, 1], 10, lambda bins, size: -1 if not bins else "x")
    with pytest.raises(ValueError, match="item 0 has size 11"):
        pack([11], 10, first_fit)
    with pytest.raises(ValueError, match="item 1 has size 2.5"):
        pack([1, 2.5], 10, first_fit)
    with pytest.raises(ValueError, match="capacity must be a positive integer"):
        pack([1], 10.0, first_fit)
    with pytest.raises(ValueError, match="size True"):
        ReferencePacker(10, 3)([], True)


# --- the reference heuristic --------------------------------------------------------------------


def checked_run(sizes, capacity, chooser, disturb=None):
    """Drive a chooser with our own record of the bins; every answer must be legal for those bins."""
    bins: list[int] = []
    for i, size in enumerate(sizes):
        shown = list(bins)
        choice = chooser(shown, size)
        assert shown == bins  # the chooser did not touch what it was shown
        assert type(choice) is int and (choice == NEW_BIN or 0 <= choice < len(bins)), (i, choice)
        if disturb is not None and i % 7 == 3:
            choice = disturb(bins, size)  # the environment places it elsewhere: the chooser must cope
        if choice == NEW_BIN:
            bins.append(capacity - size)
        else:
            assert bins[choice] >= size, (i, size, choice, bins[choice])
            bins[choice] -= size
    return bins


def test_the_reference_never_overfills_and_always_answers_a_valid_index():
    rng = random.Random(23)
    for case in range(120):
        capacity = rng.choice([10, 37, 100, 150])
        sizes = [rng.randint(1, capacity) for _ in range(rng.randint(1, 400))]
        pmf = None if case % 2 else [0.0] + [1.0 / capacity] * capacity
        bins = checked_run(sizes, capacity, ReferencePacker(capacity, len(sizes), pmf))
        assert sum(capacity - b for b in bins) == sum(sizes)
        disturbed = checked_run(sizes, capacity, ReferencePacker(capacity, len(sizes), pmf), disturb=first_fit)
        assert sum(capacity - b for b in disturbed) == sum(sizes)
    for level in (4, 6):  # its own distributions, longer streams, with and without disturbance
        inst = episode_instance(1, level)
        sizes = inst.sizes[:2000]
        checked_run(sizes, inst.capacity, reference_packer(level_spec(level)))
        checked_run(sizes, inst.capacity, reference_packer(level_spec(level)), disturb=best_fit)


def test_the_reference_is_deterministic():
    inst = episode_instance(2, 4)
    one = pack(inst.sizes, inst.capacity, reference_packer(level_spec(4)))
    assert one == pack(inst.sizes, inst.capacity, reference_packer(level_spec(4)))
    assert len(one) == reference_bins(4, inst)


def test_without_closing_pressure_the_reference_is_best_fit():
    flat = ReferenceParams(kappa=0.0)
    for level in (3, 4):
        inst = episode_instance(5, level)
        pmf = level_spec(level).distribution.pmf()
        flat_bins = len(pack_reference(inst.sizes, inst.capacity, pmf, flat))
        assert flat_bins == len(pack_best_fit(inst.sizes, inst.capacity))


def test_closing_shares_add_the_two_item_sums():
    pmf = [0.0, 0.5, 0.5, 0.0, 0.0]  # sizes 1 and 2, capacity 4
    assert closing_shares(pmf, 0.0) == pmf
    assert closing_shares(pmf, 2.0) == [0.0, 0.5, 0.5 + 2 * 0.25, 2 * 0.5, 2 * 0.25]


@pytest.mark.parametrize(("level", "seeds"), [(3, range(12)), (4, range(6)), (5, range(2)), (6, range(2))])
def test_the_reference_uses_fewer_bins_than_best_fit_on_hard_levels(level, seeds):
    spec = level_spec(level)
    ref = bf = learned = 0
    for seed in seeds:
        inst = episode_instance(900 + seed, level)
        ref += len(pack(inst.sizes, inst.capacity, reference_packer(spec)))
        learned += len(pack_reference(inst.sizes, inst.capacity))  # distribution learned from sizes seen
        bf += len(pack_best_fit(inst.sizes, inst.capacity))
    assert ref < bf
    assert learned < bf
