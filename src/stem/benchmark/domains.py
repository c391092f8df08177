"""The domain registry: names, aliases, and one place that dispatches generate/verify by domain."""

from __future__ import annotations

import re
from types import ModuleType
from typing import Any

from stem.benchmark import matrix, security, trading
from stem.benchmark.episode_model import Episode
from stem.benchmark.verdict import Verdict, build_verdict
from stem.errors import StemError

DOMAINS: dict[str, ModuleType] = {m.DOMAIN: m for m in (trading, matrix, security)}
ALIASES = {
    "trading": "trading_floor", "trade": "trading_floor", "trading_floor": "trading_floor",
    "matrix": "matrix_database", "matrix_db": "matrix_database", "graph": "matrix_database",
    "matrix_database": "matrix_database",
    "security": "security_sandbox", "sec": "security_sandbox", "security_sandbox": "security_sandbox",
}
_GENERATED_ID = re.compile(r"^(?P<short>[a-z]+)-s(?P<seed>\d+)-d(?P<difficulty>\d+)$")


def domain_name(name: str) -> str:
    try:
        return ALIASES[name.strip().lower()]
    except KeyError:
        raise StemError(f"unknown domain '{name}'; use one of: trading, matrix, security (or 'all' where allowed)") from None


def domain_names(name: str) -> list[str]:
    """'all' expands to every domain; anything else resolves one alias."""
    return sorted(DOMAINS) if name.strip().lower() == "all" else [domain_name(name)]


def module(domain: str) -> ModuleType:
    return DOMAINS[domain_name(domain)]


def generate(domain: str, seed: int, difficulty: int, split: str = "adhoc") -> Episode:
    mod = module(domain)
    if difficulty not in mod.DIFFICULTIES:
        raise StemError(f"difficulty {difficulty} is not defined for {mod.DOMAIN}; use one of {list(mod.DIFFICULTIES)}")
    return mod.generate(seed, difficulty, split)


def parse_generated_id(episode_id: str) -> tuple[str, int, int] | None:
    """'trading-s1000-d2' -> ('trading_floor', 1000, 2); None when the id is not of that form."""
    m = _GENERATED_ID.match(episode_id)
    if not m or m["short"] not in ALIASES:
        return None
    return ALIASES[m["short"]], int(m["seed"]), int(m["difficulty"])


def verify(episode: Episode, artifact: Any, probes: list[dict] | None = None) -> Verdict:
    mod = module(episode.domain)
    kwargs = {"probes": probes} if mod is security else {}
    return build_verdict(mod.verify(episode.public_files, episode.private, artifact, **kwargs))
