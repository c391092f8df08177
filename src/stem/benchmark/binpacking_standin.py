"""TEMPORARY stand-in for binpacking_reference (being written on another branch): the few names the
binpacking domain uses, with plain uniform sizes and Best Fit as the "reference". Replaced by the
real module when it lands; nothing here is calibrated."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass

NEW_BIN = -1
LEVELS = (1, 2, 3, 4, 5, 6)
_COUNTS = {1: 100, 2: 200, 3: 500, 4: 1000, 5: 5000, 6: 5000}


@dataclass(frozen=True)
class Instance:
    capacity: int
    sizes: tuple[int, ...]


@dataclass(frozen=True)
class LevelSpec:
    level: int
    item_count: int
    capacity: int = 150

    def describe(self) -> str:
        return f"{self.item_count} items; sizes uniform integers in [20, 100], capacity 150"


def level_spec(level: int) -> LevelSpec:
    return LevelSpec(level, _COUNTS[level])


def episode_instance(seed: int, level: int) -> Instance:
    rng = random.Random(f"binpacking:{level}:{seed}")
    return Instance(150, tuple(rng.randint(20, 100) for _ in range(_COUNTS[level])))


def lower_bound(sizes: Sequence[int], capacity: int) -> int:
    return -(-sum(sizes) // capacity)


def excess(bins_used: int, bound: int) -> float:
    return (bins_used - bound) / bound if bound else 0.0


def first_fit(bins: Sequence[int], size: int) -> int:
    return next((i for i, room in enumerate(bins) if room >= size), NEW_BIN)


def best_fit(bins: Sequence[int], size: int) -> int:
    best, best_room = NEW_BIN, None
    for i, room in enumerate(bins):
        if room >= size and (best_room is None or room < best_room):
            best, best_room = i, room
    return best


def pack(sizes: Sequence[int], capacity: int, chooser) -> list[int]:
    bins: list[int] = []
    for size in sizes:
        choice = chooser(list(bins), size)
        if choice == NEW_BIN:
            bins.append(capacity - size)
        else:
            bins[choice] -= size
    return bins


def pack_first_fit(sizes: Sequence[int], capacity: int) -> list[int]:
    return pack(sizes, capacity, first_fit)


def pack_best_fit(sizes: Sequence[int], capacity: int) -> list[int]:
    return pack(sizes, capacity, best_fit)


class ReferencePacker:
    def __init__(self, capacity: int, item_count: int, pmf=None):
        self.capacity = capacity

    def __call__(self, bins: Sequence[int], size: int) -> int:
        return best_fit(bins, size)


def reference_packer(spec: LevelSpec) -> ReferencePacker:
    return ReferencePacker(spec.capacity, spec.item_count)


def pack_reference(sizes: Sequence[int], capacity: int, pmf=None) -> list[int]:
    return pack(sizes, capacity, ReferencePacker(capacity, len(sizes), pmf))


def reference_bins(level: int, instance: Instance) -> int:
    return len(pack_reference(instance.sizes, instance.capacity))
