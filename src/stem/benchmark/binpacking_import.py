"""Binpacking instances brought by a user: `stem bench import --domain binpacking FILE --out DIR`.

An instance file is `{"capacity": C, "items": [sizes]}` or a JSON object of named instances
`{"name": {"capacity": C, "items": [...]}, ...}`. Each becomes one task folder: the public side
(rules, capacity and item count: never the sizes) and the private side (the sizes, the L1 lower bound,
the reference's bins with the size distribution learned online, as for any instance of unknown origin),
which `stem infer --task-file` runs and scores like a generated episode.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from stem.benchmark import binpacking, domains, store
from stem.benchmark.episode_model import Episode
from stem.errors import StemError
from stem.jsonio import read_json

_SAFE = re.compile(r"[^a-z0-9_]+")


def _instance(where: str, raw: Any) -> tuple[int, list[int]]:
    if not isinstance(raw, dict) or "capacity" not in raw or "items" not in raw:
        raise StemError(f"{where}: an instance is {{\"capacity\": C, \"items\": [sizes]}}; fix the file")
    capacity, items = raw["capacity"], raw["items"]
    if isinstance(capacity, bool) or not isinstance(capacity, int) or capacity < 1:
        raise StemError(f"{where}: field 'capacity': must be a positive integer, got {capacity!r}")
    if not isinstance(items, list) or not items:
        raise StemError(f"{where}: field 'items': must be a non-empty list of integer sizes")
    for k, size in enumerate(items):
        if isinstance(size, bool) or not isinstance(size, int) or not 1 <= size <= capacity:
            raise StemError(f"{where}: field 'items[{k}]': sizes are integers from 1 to the capacity {capacity}, "
                            f"got {size!r}")
    return capacity, list(items)


def instances_from(data: Any, default_name: str) -> dict[str, tuple[int, list[int]]]:
    """Named (capacity, sizes) from an instance file's JSON: one instance, or an object of them."""
    if isinstance(data, dict) and "items" in data and "capacity" in data:
        return {default_name: _instance(default_name, data)}
    if not isinstance(data, dict) or not data:
        raise StemError("the file holds neither {\"capacity\": C, \"items\": [...]} nor an object of named instances")
    return {str(name): _instance(str(name), raw) for name, raw in data.items()}


def episode_id(name: str) -> str:
    slug = _SAFE.sub("_", name.strip().lower()).strip("_")
    if not slug:
        raise StemError(f"instance name {name!r} has no letters or digits to name a task folder; rename it")
    return f"{binpacking.SHORT}-{slug}"


def import_episodes(data: Any, default_name: str) -> list[Episode]:
    """One episode per instance, the reference's bins computed (distribution learned online)."""
    episodes, seen = [], {}
    for name, (capacity, sizes) in instances_from(data, default_name).items():
        eid = episode_id(name)
        if eid in seen:
            raise StemError(f"instances {seen[eid]!r} and {name!r} both make the task folder {eid}; rename one")
        seen[eid] = name
        episodes.append(binpacking.build_episode(eid, "adhoc", None, None, capacity, sizes,
                                                 binpacking.reference_bins_of(capacity, sizes), "learned"))
    return episodes


def write_tasks(episodes: list[Episode], out: Path) -> list[Path]:
    """Write every task folder, refusing first (before writing anything) when a folder already holds a
    different task."""
    for ep in episodes:
        pub = store.public_dir(out, ep.episode_id)
        if pub.exists():
            try:
                same = store.read_episode(pub).model_dump() == ep.model_dump()
            except StemError:
                same = False
            if not same:
                raise StemError(f"{pub}: a different task already exists there; choose another --out")
    return [store.write_episode(ep, out) for ep in episodes]


def import_file(domain: str, path: Path, out: Path) -> list[Episode]:
    """`stem bench import`: the instances in `path` as task folders under `out` (public/ and private/)."""
    if domains.domain_name(domain) != binpacking.NAME:
        raise StemError(f"stem bench import reads binpacking instances only; use --domain binpacking (got {domain})")
    episodes = import_episodes(read_json(Path(path), "instance file"), Path(path).stem)
    write_tasks(episodes, Path(out))
    return episodes
