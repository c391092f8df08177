"""Splits: train and validation from fixed seed ranges; test seeds drawn fresh for each evaluation."""

from __future__ import annotations

import secrets
from pathlib import Path

from stem.benchmark import domains, store
from stem.benchmark.episode_model import Episode
from stem.config import Settings
from stem.errors import StemError

SPLITS = ("train", "validation", "test")


def draw_test_seeds(settings: Settings, count: int) -> list[int]:
    """Fresh, never-before-used seeds above every configured range (recorded by the caller)."""
    floor = settings.benchmark.splits.test.seed_floor
    return [floor + secrets.randbelow(2**31) for _ in range(count)]


def levels_for(settings: Settings, domain: str | None) -> list[int]:
    """The configured levels this domain offers; all its own levels when it offers none of them
    (a user's domain with levels 1-3 under a config that trains on 3-6 uses level 3)."""
    wanted = settings.benchmark.difficulties
    if domain is None:
        return wanted
    offered = list(domains.get(domain).levels)
    return [lv for lv in wanted if lv in offered] or offered


def split_specs(settings: Settings, split: str, count: int | None = None,
                seed: int | None = None, domain: str | None = None) -> list[tuple[int, int]]:
    """(seed, difficulty) pairs for a split; difficulty cycles through the configured levels that
    `domain` offers."""
    levels = levels_for(settings, domain)
    if split == "test":
        n = count or settings.benchmark.splits.test.count
        seeds = list(range(seed, seed + n)) if seed is not None else draw_test_seeds(settings, n)
    elif split in ("train", "validation"):
        rng = getattr(settings.benchmark.splits, split)
        start = rng.seed_start if seed is None else seed
        seeds = list(range(start, start + (count or rng.count)))
    else:
        raise StemError(f"unknown split '{split}'; use train, validation or test")
    return [(s, levels[i % len(levels)]) for i, s in enumerate(seeds)]


def for_domain(settings: Settings, specs: list[tuple[int, int]], domain: str) -> list[tuple[int, int]]:
    """The same seeds, with levels cycling through those `domain` offers (see levels_for)."""
    levels = levels_for(settings, domain)
    return [(s, levels[i % len(levels)]) for i, (s, _) in enumerate(specs)]


def split_episodes(settings: Settings, domain: str, split: str, count: int | None = None,
                   seed: int | None = None) -> list[Episode]:
    return [domains.generate(domain, s, d, split) for s, d in split_specs(settings, split, count, seed, domain)]


def classic_episodes(settings: Settings, domain: str | None = None) -> list[Episode]:
    suite = settings.classic_suite
    eps = [store.read_episode(store.public_dir(suite, eid)) for eid in store.suite_ids(suite)]
    return [e for e in eps if domain is None or e.domain == domains.domain_name(domain)]


def resolve_episode(settings: Settings, ref: str) -> tuple[Episode, Path | None]:
    """An episode by classic id, generated id (trading-s1000-d2) or path to a public directory.

    Returns the episode and its public directory on disk when it has one.
    """
    path = Path(ref)
    if path.is_dir():
        return store.read_episode(path), path
    classic = store.public_dir(settings.classic_suite, ref)
    if classic.is_dir():
        return store.read_episode(classic), classic
    parsed = domains.parse_generated_id(ref)
    if parsed is not None:
        domain, seed, difficulty = parsed
        return domains.generate(domain, seed, difficulty), None
    raise StemError(f"episode '{ref}' not found: use a classic id (stem bench list), a generated id like "
                    "trading-s1000-d2, or a path to an episode's public directory")
