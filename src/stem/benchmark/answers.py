"""Tasks with and without a private answer: whether an artifact can be scored, and whether it keeps the
output contract the task's manifest states.

An episode read from a public folder with no private answer beside it (a task nobody has answered
yet) has `private == {}`. Its artifact is checked against the manifest's output contract; it is
scored only when the domain says it can score from public data (`scores_without_answer`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from stem.benchmark import domains
from stem.benchmark.domain_api import Domain
from stem.benchmark.episode_model import Episode
from stem.benchmark.manifest import OutputContract
from stem.errors import StemError
from stem.jsonio import read_json


def has_answer(episode: Episode) -> bool:
    return bool(episode.private)


def can_score(episode: Episode, domain: Domain | None = None) -> bool:
    """A verdict is possible: the private answer is there, or the domain (default: the registry's for
    the episode) scores from public data."""
    if has_answer(episode):
        return True
    try:
        return bool((domain or domains.get(episode.domain)).scores_without_answer)
    except StemError:  # an unknown domain cannot score anything
        return False


def unscored_reason(episode: Episode) -> str:
    return f"no private answer beside the task, and domain {episode.domain} cannot score from public data"


def contract_problems(artifact: Any, contract: OutputContract) -> list[str]:
    """What keeps `artifact` from the shape the output contract asks for (empty when it keeps it)."""
    if artifact is None:
        return ["no artifact: the final turn's response has no 'artifact'"]
    if not isinstance(artifact, dict):
        return [f"the artifact must be a JSON object with keys {contract.artifact_keys}, got {type(artifact).__name__}"]
    missing = [k for k in contract.artifact_keys if k not in artifact]
    return [f"the artifact lacks the output contract's keys {missing}"] if missing else []


def load_submission(path: Path) -> tuple[Any, Any]:
    """(artifact, environment record) from a submission file: the bare artifact, or
    {"artifact": ..., "record": ...} (security's {"artifact": ..., "probes": [...]} still reads)."""
    data = read_json(path, "submission")
    keys = {"artifact", "record", "probes", "limitations"}
    if isinstance(data, dict) and "artifact" in data and set(data) <= keys:
        if "record" in data and "probes" in data:
            raise StemError(f"{path}: give 'record' or 'probes', not both")
        probes = data.get("probes")
        if probes is not None and (not isinstance(probes, list) or not all(isinstance(p, dict) for p in probes)):
            raise StemError(f"{path}: field 'probes': must be a list of {{vector, result}} objects")
        return data["artifact"], data.get("record", probes)
    return data, None
