"""The domain registry: built-in domains and the ones users bring, behind one interface (domain_api.py).

Discovery: the built-ins (each module's `DOMAIN`, a Domain subclass instance, registered by the same
`register` a plugin goes through), then every `benchmarks/domains/<name>/domain.py` under the configured
`domains.paths`, then installed packages under the entry point group `stem.domains`. A plugin that
fails to load is recorded with a one-line reason (shown by `stem domain list`, raised when used); the
others still load. Calls into a domain are wrapped, so a generator that raises or a verifier that
returns the wrong type is one line naming the domain, never a traceback.
"""

from __future__ import annotations

import importlib.util
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from stem.benchmark import binpacking, matrix, security, trading
from stem.benchmark.domain_api import Domain
from stem.benchmark.episode_model import Episode
from stem.benchmark.verdict import Verdict, as_verdict
from stem.errors import StemError

if TYPE_CHECKING:  # for the annotation only: the benchmark never imports the settings module at run time
    from stem.config import Settings

ENTRY_POINT_GROUP = "stem.domains"
NAME = re.compile(r"^[a-z][a-z0-9_]{1,40}$")
_GENERATED_ID = re.compile(r"^(?P<short>[a-z][a-z0-9_]*)-s(?P<seed>\d+)-d(?P<difficulty>\d+)$")


@dataclass
class Entry:
    domain: Domain | None
    source: str  # built-in | a file path | entry point name
    error: str | None = None


BUILTIN_MODULES = (trading, matrix, security, binpacking)
BUILTIN = "built-in"
BUILTINS: dict[str, Domain] = {}  # name -> the built-in domain (filled by _reset through register)
_entries: dict[str, Entry] = {}
_aliases: dict[str, str] = {}
_loaded_from: list[tuple[Path, ...]] = []  # the plugin folders discover() last loaded


def _reset() -> None:
    _entries.clear()
    _aliases.clear()
    for module in BUILTIN_MODULES:
        register(module.DOMAIN, BUILTIN)


def _add(domain: Domain, source: str) -> None:
    _entries[domain.name] = Entry(domain, source)
    for alias in (domain.name, domain.short, *domain.aliases):
        _aliases.setdefault(alias, domain.name)


def contract_problems(domain: Any) -> list[str]:
    """What keeps an object from being a usable Domain (empty when it is one)."""
    if not isinstance(domain, Domain):
        return [f"DOMAIN must be an instance or subclass of stem.benchmark.domain_api.Domain, got {type(domain).__name__}"]
    out = []
    if not isinstance(domain.name, str) or not NAME.match(domain.name):
        out.append("'name' must be snake_case (a letter, then letters, digits or _)")
    if not isinstance(domain.short, str) or not re.match(r"^[a-z][a-z0-9_]*$", domain.short or ""):
        out.append("'short' (the episode id prefix) must be lowercase letters, digits or _")
    if not domain.levels or not all(isinstance(v, int) for v in domain.levels):
        out.append("'levels' must be a non-empty tuple of ints")
    if not isinstance(domain.rules, str) or not domain.rules.strip():
        out.append("'rules' text is empty")
    for method in ("generate", "verify"):
        if getattr(type(domain), method, None) is getattr(Domain, method):
            out.append(f"method {method}() is missing")
    return out


def register(obj: Any, source: str, expected: str | None = None) -> None:
    """Register a domain (a Domain subclass or an instance of one) from `source`: the path every
    domain takes, built-in or plugin. One that breaks the contract is recorded with its reasons; a
    plugin may not take a built-in's name."""
    domain = obj() if isinstance(obj, type) and issubclass(obj, Domain) else obj
    problems = contract_problems(domain)
    name = getattr(domain, "name", None) if not problems else (expected or source)
    if problems:
        _entries[str(name)] = Entry(None, source, "; ".join(problems))
        return
    if source == BUILTIN:
        BUILTINS[domain.name] = domain
    elif domain.name in BUILTINS:
        _entries[f"{domain.name} ({source})"] = Entry(None, source, f"'{domain.name}' is a built-in domain's name")
        return
    _add(domain, source)


def _load_file(path: Path) -> None:
    folder = path.parent.name
    try:
        spec = importlib.util.spec_from_file_location(f"stem_domain_{folder}", path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = module
        spec.loader.exec_module(module)
        if not hasattr(module, "DOMAIN"):
            raise AttributeError("it defines no DOMAIN (an instance or subclass of Domain)")
        register(module.DOMAIN, str(path), folder)
    except Exception as exc:  # a user's plugin: any failure is one line, the others still load
        _entries[folder] = Entry(None, str(path), f"{type(exc).__name__}: {str(exc)[:200]}")


def discover_for(settings: "Settings") -> None:
    """The one place a project's domains are loaded: the built-ins, the plugin folders of its
    settings (`domains.paths`) and installed entry points. Called where domains are needed (the CLI
    commands, the Trainer, inference), never while settings load; the same folders are loaded once."""
    paths = settings.domain_paths()
    if _loaded_from != [tuple(paths)]:
        discover(paths)


def discover(paths: list[Path], entry_points: bool = True) -> None:
    """Rebuild the registry: built-ins, plugin folders under `paths`, installed entry points."""
    _reset()
    _loaded_from[:] = [tuple(paths)] if entry_points else []
    for root in paths:
        if root.is_dir():
            for file in sorted(root.glob("*/domain.py")):
                _load_file(file)
    if entry_points:
        from importlib.metadata import entry_points as eps
        for ep in eps(group=ENTRY_POINT_GROUP):
            try:
                register(ep.load(), f"entry point {ep.name} ({ep.value})", ep.name)
            except Exception as exc:  # an installed plugin that fails to import is one line
                _entries[ep.name] = Entry(None, f"entry point {ep.name}", f"{type(exc).__name__}: {str(exc)[:200]}")


def listing() -> list[dict]:
    rows = []
    for name, e in sorted(_entries.items()):
        d = e.domain
        rows.append({"domain": name, "source": e.source, "ok": e.error is None, "error": e.error,
                     "aliases": sorted(a for a, n in _aliases.items() if n == name and a != name) if d else [],
                     "levels": list(d.levels) if d else [], "short": d.short if d else None})
    return rows


def get(name: str) -> Domain:
    key = _aliases.get(name.strip().lower())
    if key is None:
        broken = _entries.get(name.strip().lower())
        if broken is not None and broken.error:
            raise StemError(f"domain '{name}' ({broken.source}) failed to load: {broken.error}; fix it and run "
                            f"stem domain check {name}")
        known = ", ".join(sorted(n for n, e in _entries.items() if e.error is None))
        raise StemError(f"unknown domain '{name}'; use one of: {known} (or 'all' where allowed; stem domain list)")
    return _entries[key].domain


def domain_name(name: str) -> str:
    return get(name).name


def domain_names(name: str) -> list[str]:
    """'all' expands to every loaded domain; a comma-separated list resolves each name or alias
    (in the order given, once each); anything else resolves one name or alias."""
    if name.strip().lower() == "all":
        return sorted(n for n, e in _entries.items() if e.error is None)
    if "," in name:
        parts = [p for p in (part.strip() for part in name.split(",")) if p]
        if not parts:
            raise StemError(f"--domain {name!r} names no domain; use a name, a comma-separated list or 'all'")
        return list(dict.fromkeys(domain_name(p) for p in parts))
    return [domain_name(name)]


def generate(domain: str, seed: int, difficulty: int, split: str = "adhoc") -> Episode:
    d = get(domain)
    if difficulty not in d.levels:
        raise StemError(f"difficulty {difficulty} is not defined for {d.name}; use one of {list(d.levels)}")
    try:
        episode = d.generate(seed, difficulty, split)
    except StemError:
        raise
    except Exception as exc:
        raise StemError(f"domain {d.name}: generate(seed={seed}, level={difficulty}) raised "
                        f"{type(exc).__name__}: {str(exc)[:200]}; fix the generator (stem domain check {d.name})") from None
    if not isinstance(episode, Episode):
        raise StemError(f"domain {d.name}: generate() returned {type(episode).__name__}, not an Episode; "
                        f"fix the generator (stem domain check {d.name})")
    return episode


def parse_generated_id(episode_id: str) -> tuple[str, int, int] | None:
    """'trading-s1000-d2' -> ('trading_floor', 1000, 2); None when the id is not of that form."""
    m = _GENERATED_ID.match(episode_id)
    if not m or m["short"] not in _aliases:
        return None
    return _aliases[m["short"]], int(m["seed"]), int(m["difficulty"])


def environment(episode: Episode) -> Any:
    """The episode's environment (None when its domain answers no actions)."""
    return environment_of(get(episode.domain), episode)


def environment_of(d: Domain, episode: Episode) -> Any:
    """`d.environment(episode)`; a domain that fails to make one is one line naming it."""
    try:
        return d.environment(episode)
    except Exception as exc:
        raise StemError(f"domain {d.name}: environment() raised {type(exc).__name__}: {str(exc)[:200]}; fix the "
                        f"domain (stem domain check {d.name})") from None


def verify(episode: Episode, artifact: Any, record: Any = None) -> Verdict:
    return verify_with(get(episode.domain), episode, artifact, record)


def verify_with(d: Domain, episode: Episode, artifact: Any, record: Any = None) -> Verdict:
    """`d.verify` normalised to a Verdict (verdict.as_verdict); a verifier that raises or returns the
    wrong type is one line naming the domain."""
    try:
        result = d.verify(episode, artifact, record)
    except Exception as exc:
        raise StemError(f"domain {d.name}: verify() raised {type(exc).__name__}: {str(exc)[:200]}; fix the verifier "
                        f"(stem domain check {d.name})") from None
    try:
        return as_verdict(result)
    except TypeError as exc:
        raise StemError(f"domain {d.name}: {exc}; fix the verifier (stem domain check {d.name})") from None


@contextmanager
def registered(domain: Domain, source: str) -> Iterator[Domain]:
    """`domain` is known to the registry for the duration of the block only (e.g. a benchmark's own
    synthetic domain, stem perf episode); afterwards its name and aliases are gone again."""
    problems = contract_problems(domain)
    if problems:
        raise StemError(f"{source}: not a usable domain: {'; '.join(problems)}")
    if domain.name in _entries:
        raise StemError(f"{source}: a domain named '{domain.name}' is already loaded")
    _add(domain, source)
    try:
        yield domain
    finally:
        _entries.pop(domain.name, None)
        for alias in [a for a, n in _aliases.items() if n == domain.name]:
            del _aliases[alias]


_reset()
