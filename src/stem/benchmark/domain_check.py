"""`stem domain check`: the contract a domain must meet, checked on generated episodes.

- generation is deterministic per (seed, level);
- the reference, played through the EpisodeRunner by the domain's reference agent (its actions
  answered by the domain's environment, when it has one), passes on N generated episodes per level;
- corrupted artifacts fail, verified against what the environment recorded when the reference was
  played (generic mutations: a key dropped, a value changed, a list emptied);
- an environment is deterministic: the reference played twice gives the same record;
- private material never reaches the public side (no private file name or expected answer in a public
  file; the manifest loads public files only);
- every observation, every turn's result and the environment's record are plain JSON (in episodes of
  more than 200 turns: the first and last 50 turns and every 50th);
- the verifier returns checks (or a Verdict) and the generator an Episode.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from typing import Any

from stem.benchmark import domains
from stem.benchmark.domain_api import Domain
from stem.benchmark.episode import EpisodeResult, EpisodeRunner
from stem.benchmark.episode_model import Episode
from stem.benchmark.verdict import Verdict
from stem.errors import StemError

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


def _plain(value: Any) -> bool:
    try:
        return json.loads(json.dumps(value)) == value
    except (TypeError, ValueError, RecursionError):
        return False


EDGE_TURNS = 50  # in a long episode, the first and last this many turns and every this-many-th are checked


def _checked(turn: int, count: int) -> bool:
    return count <= 4 * EDGE_TURNS or turn <= EDGE_TURNS or turn > count - EDGE_TURNS or turn % EDGE_TURNS == 0


class _PlainJsonRecorder:
    """A TurnRecorder that keeps nothing but notes every turn whose observation or result is not plain
    JSON (every turn of an episode up to 200 turns; of a longer one, the first and last 50 and every
    50th: a 5,002-turn binpacking episode is checked on 200 turns, not re-encoded 5,002 times)."""

    def __init__(self) -> None:
        self.odd: list[str] = []

    def turn(self, turn: int, observation: dict, response: dict | None, result: dict) -> None:
        if not _checked(turn, int(observation.get("turn_count") or 0)):
            return
        for what, value in (("observation", observation), ("result", result)):
            if not _plain(value):
                self.odd.append(f"turn {turn} {what}")

    def verdict(self, verdict: dict) -> None:
        pass


def play_reference(domain: Domain, ep: Episode) -> tuple[EpisodeResult, list[str]]:
    """The domain's reference agent through the EpisodeRunner: the result (verdict, the environment's
    record) and what was not plain JSON."""
    recorder = _PlainJsonRecorder()
    result = EpisodeRunner(ep, recorder=recorder, domain=domain).run(domain.reference_agent(ep))
    if not _plain(result.record):
        recorder.odd.append("the environment's record")
    return result, recorder.odd


def _why(exc: Exception) -> str:
    return str(exc)[:240] if isinstance(exc, StemError) else f"{type(exc).__name__}: {str(exc)[:200]}"


def _has_environment(domain: Domain, ep: Episode) -> bool:
    try:
        return domain.environment(ep) is not None
    except Exception:  # already reported: the reference's play failed with environment_error
        return False


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
    failing, corruptions, survived, leaks, not_json, records = [], 0, [], [], [], []
    for ep in eps:
        try:
            result, odd = play_reference(domain, ep)
        except Exception as exc:  # e.g. reference_artifact() or reference_agent() raised
            return report.add(f"reference plays ({tag})", False, _why(exc))
        records.append(result.record)
        if not result.verdict.success:
            failing.append(f"{ep.episode_id}: {result.verdict.critique[:240]}")
        not_json += [f"{ep.episode_id} {what}" for what in odd]
        for what, bad in mutations(domain.reference_artifact(ep)):
            corruptions += 1
            try:
                if _verdict(domain, ep, bad, result.record).success:
                    survived.append(f"{ep.episode_id}: {what}")
            except Exception as exc:
                return report.add(f"verify ({tag})", False, f"on a corrupted artifact ({what}): {_why(exc)}")
        leaks += _leaks(ep)
    report.add(f"reference passes ({tag})", not failing, f"{len(eps)} episodes played through the runner"
               if not failing else f"{len(failing)} of {len(eps)} fail: {failing[0]}")
    report.add(f"corruptions fail ({tag})", corruptions > 0 and not survived,
               f"{corruptions} corrupted artifacts all fail" if corruptions and not survived
               else (f"passed although corrupted: {survived[0]}" if survived else "no corruption could be made"))
    if not failing and _has_environment(domain, eps[0]):
        replayed, _ = play_reference(domain, eps[0])
        same = json.dumps(replayed.record, sort_keys=True, default=str) == json.dumps(records[0], sort_keys=True,
                                                                                      default=str)
        report.add(f"environment deterministic ({tag})", same, "the reference played twice: the same record"
                   if same else f"{eps[0].episode_id}: two plays of the reference recorded different things; an "
                                "environment must depend only on the episode and the actions")
    report.add(f"private stays private ({tag})", not leaks, "no private material in public files or the manifest"
               if not leaks else leaks[0])
    report.add(f"observations are JSON ({tag})", not not_json, "every turn's observation and result, and the "
               "record, are plain JSON" if not not_json else f"not plain JSON: {not_json[0]}")
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
