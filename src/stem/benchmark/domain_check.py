"""`stem domain check`: the contract a domain must meet, checked on generated episodes.

- generation is deterministic per (seed, level);
- the reference artifact passes on N generated episodes per level;
- corrupted artifacts fail (generic mutations: a key dropped, a value changed, a list emptied);
- private material never reaches the public side (no private file name or expected answer in a public
  file; the manifest loads public files only);
- every observation built from the manifest is plain JSON;
- the verifier returns checks (or a Verdict) and the generator an Episode.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from typing import Any

from stem.benchmark import domains
from stem.benchmark.domain_api import Domain
from stem.benchmark.episode import build_observation
from stem.benchmark.episode_model import Episode
from stem.benchmark.verdict import Verdict

SEED_BASE = 424_242


@dataclass
class Report:
    domain: str
    checks: list[dict] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return bool(self.checks) and all(c["passed"] for c in self.checks)

    def add(self, check_id: str, passed: bool, detail: str) -> bool:
        self.checks.append({"check": check_id, "passed": bool(passed), "detail": detail})
        return passed


def _fingerprint(ep: Episode) -> str:
    return json.dumps([ep.manifest.model_dump(mode="json"), ep.public_files, ep.private], sort_keys=True, default=str)


def mutations(artifact: Any) -> list[tuple[str, Any]]:
    """Generic corruptions of an artifact: each should fail verification."""
    out: list[tuple[str, Any]] = []
    if isinstance(artifact, dict) and artifact:
        key = sorted(artifact)[0]
        out.append((f"drop key '{key}'", {k: v for k, v in artifact.items() if k != key}))
    changed = _change_first_scalar(copy.deepcopy(artifact))
    if changed is not None:
        out.append(changed)
    emptied = _empty_first_list(copy.deepcopy(artifact))
    if emptied is not None:
        out.append(emptied)
    return out


def _change(value: Any) -> Any:
    if isinstance(value, bool):
        return not value
    if isinstance(value, (int, float)):
        return value + 1
    if isinstance(value, str):
        return value + "x" if value else "x"
    return "corrupted"


def _walk(value: Any, path: tuple = ()):
    yield path, value
    if isinstance(value, dict):
        for k in sorted(value):
            yield from _walk(value[k], path + (k,))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _walk(v, path + (i,))


def _set(root: Any, path: tuple, value: Any) -> Any:
    if not path:
        return value
    node = root
    for step in path[:-1]:
        node = node[step]
    node[path[-1]] = value
    return root


def _change_first_scalar(artifact: Any) -> tuple[str, Any] | None:
    for path, value in _walk(artifact):
        if not isinstance(value, (dict, list)):
            return (f"change value at {list(path)}", _set(artifact, path, _change(value)))
    return None


def _empty_first_list(artifact: Any) -> tuple[str, Any] | None:
    for path, value in _walk(artifact):
        if isinstance(value, list) and value:
            return (f"empty the list at {list(path)}", _set(artifact, path, []))
    return None


def _verdict(domain: Domain, ep: Episode, artifact: Any, record: Any = None) -> Verdict:
    return domains.verify_with(domain, ep, artifact, record)


def run(domain: Domain, episodes: int = 5) -> Report:
    report = Report(getattr(domain, "name", "?"))
    for level in domain.levels:
        if not _level(domain, level, episodes, report):
            break
    return report


def _level(domain: Domain, level: int, episodes: int, report: Report) -> bool:
    tag = f"level {level}"
    eps: list[Episode] = []
    for i in range(episodes):
        try:
            ep = domain.generate(SEED_BASE + i, level, "adhoc")
        except Exception as exc:  # the plugin's bug, reported as one line
            return report.add(f"generate ({tag})", False, f"generate(seed={SEED_BASE + i}, level={level}) raised "
                                                         f"{type(exc).__name__}: {str(exc)[:160]}")
        if not isinstance(ep, Episode):
            return report.add(f"generate ({tag})", False, f"generate() returned {type(ep).__name__}, not an Episode")
        eps.append(ep)
    again = domain.generate(SEED_BASE, level, "adhoc")
    report.add(f"deterministic ({tag})", _fingerprint(again) == _fingerprint(eps[0]),
               "the same seed and level give byte-identical episodes" if _fingerprint(again) == _fingerprint(eps[0])
               else f"seed {SEED_BASE} gave two different episodes: generation must depend only on (seed, level)")
    failing, corruptions, survived, leaks, not_json = [], 0, [], [], []
    for ep in eps:
        try:
            verdict = _verdict(domain, ep, domain.reference_artifact(ep))
        except Exception as exc:
            return report.add(f"verify ({tag})", False, f"{type(exc).__name__}: {str(exc)[:200]}")
        if not verdict.success:
            failing.append(f"{ep.episode_id}: {'; '.join(c.id for c in verdict.failing())}")
        for what, bad in mutations(domain.reference_artifact(ep)):
            corruptions += 1
            try:
                if _verdict(domain, ep, bad).success:
                    survived.append(f"{ep.episode_id}: {what}")
            except Exception as exc:
                return report.add(f"verify ({tag})", False, f"on a corrupted artifact ({what}): "
                                                           f"{type(exc).__name__}: {str(exc)[:160]}")
        leaks += _leaks(ep)
        env = domain.environment(ep)  # observed turn by turn, as by an organ that never acts
        for spec in ep.manifest.turns:
            obs = build_observation(ep, spec.turn, {}, env)
            try:
                if json.loads(json.dumps(obs)) != obs:
                    not_json.append(f"{ep.episode_id} turn {spec.turn}")
            except (TypeError, ValueError):
                not_json.append(f"{ep.episode_id} turn {spec.turn}")
    report.add(f"reference passes ({tag})", not failing, f"{len(eps)} episodes" if not failing
               else f"{len(failing)} of {len(eps)} fail: {failing[0]}")
    report.add(f"corruptions fail ({tag})", corruptions > 0 and not survived,
               f"{corruptions} corrupted artifacts all fail" if corruptions and not survived
               else (f"passed although corrupted: {survived[0]}" if survived else "no corruption could be made"))
    report.add(f"private stays private ({tag})", not leaks, "no private material in public files or the manifest"
               if not leaks else leaks[0])
    report.add(f"observations are JSON ({tag})", not not_json, "every turn's observation is plain JSON"
               if not not_json else f"not plain JSON: {not_json[0]}")
    return True


def _leaks(ep: Episode) -> list[str]:
    out = []
    public = set(ep.public_files)
    for spec in ep.manifest.turns:
        for loader in spec.loaders:
            if loader.file is not None and loader.file not in public:
                out.append(f"{ep.episode_id}: turn {spec.turn} loads '{loader.file}', which is not a public file")
    for name in public:
        if "private" in name.lower() or name.lower() == "expected.json":
            out.append(f"{ep.episode_id}: a public file is named '{name}'")
    expected = ep.private.get("expected")
    text = json.dumps(expected, sort_keys=True) if expected is not None else ""
    if len(text) >= 8:
        for name, body in ep.public_files.items():
            if text in body or json.dumps(expected, indent=2, sort_keys=True) in body:
                out.append(f"{ep.episode_id}: the expected answer appears in public file '{name}'")
    if text and text in ep.manifest.model_dump_json():
        out.append(f"{ep.episode_id}: the expected answer appears in the manifest")
    return out
