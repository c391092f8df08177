"""Run directories: layout, atomic writes, the append-only event log, resume state, reading runs back.

logs/experiment_<timestamp>/
  run.json                  config snapshot, versions, isolation layers, status, test seeds, progress
  events.jsonl              append-only
  generation_NNN/           plan.json organ.py validation.json verdicts.json genome.json trace.json
                            candidates/cK.py  episodes/cK/<episode>/turn_NN_*.json
  episodes/<stage>/<episode>/turn_NN_{observation,action,result}.json
  phenotypic_scars.json
  skills/                   every organ file a genome of this run names (sha256-pinned)
  llm/calls.jsonl
"""

from __future__ import annotations

import json
import shutil
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter, ValidationError

from stem.errors import StemError, field_error
from stem.genome import OrganRef
from stem.jsonio import append_line, read_json, write_json
from stem.run_models import RunRecord


def _checked(model: Any, data: Any, path: Path) -> Any:
    try:
        return model.validate_python(data) if isinstance(model, TypeAdapter) else model.model_validate(data)
    except ValidationError as exc:
        raise field_error(path, exc, "the run file is damaged; restore it or start a new run") from None


def new_run_dir(logs: Path) -> Path:
    stamp = datetime.now(timezone.utc).strftime("%Y%m%d_%H%M%S")
    path = logs / f"experiment_{stamp}"
    n = 1
    while path.exists():
        n += 1
        path = logs / f"experiment_{stamp}_{n}"
    path.mkdir(parents=True)
    return path


def resolve_run(logs: Path, ref: str) -> Path:
    """A run by path, by directory name under logs/, or 'latest'."""
    path = Path(ref)
    if ref == "latest":
        runs = list_runs(logs)
        if not runs:
            raise StemError(f"no runs under {logs}; start one with `stem train`")
        return runs[-1]
    for cand in (path, logs / ref):
        if (cand / "run.json").is_file():
            return cand
    raise StemError(f"run '{ref}' not found (no run.json); see `stem logs list`")


def list_runs(logs: Path) -> list[Path]:
    if not logs.is_dir():
        return []
    return sorted((p for p in logs.iterdir() if (p / "run.json").is_file()), key=lambda p: p.name)


def gen_dir(run: Path, generation: int) -> Path:
    return run / gen_name(generation)


def gen_name(generation: int) -> str:
    return f"generation_{generation:03d}"


def candidate_file(generation: int, index: int, partial: bool = False) -> str:
    """A candidate's source in the run directory (relative): the module it proposed, or the part of it
    that arrived before its answer was cut off."""
    return f"{gen_name(generation)}/candidates/c{index}{'.partial' if partial else ''}.py"


def run_organ_ref(ref: OrganRef) -> OrganRef:
    """An organ written into <run>/skills/, named relative to <run>/genome.json."""
    return ref.model_copy(update={"path": f"skills/{ref.path}"})


class RunLog:
    def __init__(self, path: Path):
        self.path = path

    @property
    def run_file(self) -> Path:
        return self.path / "run.json"

    def read_run(self) -> dict:
        """run.json, checked against RunRecord (one line naming the field when it is damaged)."""
        data = read_json(self.run_file, "run record")
        if not isinstance(data, dict) or "status" not in data:
            raise StemError(f"{self.run_file}: field 'status' is missing; this is not a stem run record")
        _checked(RunRecord, data, self.run_file)
        return data

    def write_run(self, data: dict) -> None:
        _checked(RunRecord, data, self.run_file)
        write_json(self.run_file, data)

    def read_model(self, rel: str, model: Any, default: Any = None) -> Any:
        """A run file read through its model (a pydantic class or a TypeAdapter); `default` when absent."""
        path = self.path / rel
        if not path.is_file():
            return default
        return _checked(model, read_json(path, rel), path)

    def update_run(self, **changes: Any) -> dict:
        data = self.read_run()
        data.update(changes)
        self.write_run(data)
        return data

    def event(self, kind: str, **fields: Any) -> None:
        append_line(self.path / "events.jsonl",
                    json.dumps({"t": round(time.time(), 3), "event": kind, **fields}, default=str, ensure_ascii=False))

    def events(self) -> list[dict]:
        path = self.path / "events.jsonl"
        if not path.is_file():
            return []
        out = []
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                out.append(json.loads(line))
            except json.JSONDecodeError:
                continue  # a line cut by a crash mid-write is skipped, never fatal
        return out

    def write(self, rel: str, data: Any) -> None:
        write_json(self.path / rel, data)

    def read(self, rel: str, default: Any = None) -> Any:
        path = self.path / rel
        return read_json(path, rel) if path.is_file() else default

    def discard_generation(self, generation: int) -> None:
        """Remove a generation directory that a crash left unfinished."""
        path = gen_dir(self.path, generation)
        if path.exists():
            shutil.rmtree(path)
