"""Task manifests: the turn schedule of a multi-turn episode and the loaders that build each turn's delta.

A manifest is public: it names only files in the episode's public directory. Loaders are pure
functions of those files, so the same manifest always yields the same observations.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field, ValidationError, model_validator

from stem.errors import StemError, field_error
from stem.jsonio import parse_json

LoaderKind = Literal["path", "text", "json", "json_window", "csv_window", "lines_window",
                     "structured_contract"]
Split = Literal["train", "validation", "test", "classic", "adhoc"]


class Loader(BaseModel):
    """One piece of a turn's delta: `key` in the delta gets the loaded value."""

    kind: LoaderKind
    key: str
    file: str | None = None
    text: str | None = None
    start: int | None = Field(default=None, ge=0)
    stop: int | None = Field(default=None, ge=0)

    @model_validator(mode="after")
    def _needs_source(self) -> "Loader":
        if self.kind == "text" and self.file is None and self.text is None:
            raise ValueError("a text loader needs 'file' or 'text'")
        if self.kind != "text" and self.file is None:
            raise ValueError(f"a {self.kind} loader needs 'file'")
        if self.kind.endswith("_window") and (self.start is None or self.stop is None):
            raise ValueError(f"a {self.kind} loader needs 'start' and 'stop'")
        if self.file is not None and (Path(self.file).is_absolute() or ".." in Path(self.file).parts):
            raise ValueError("'file' must be a plain name inside the episode's public directory")
        return self


class TurnSpec(BaseModel):
    turn: int = Field(ge=1)
    event: Literal["start", "data", "finalize"]
    loaders: list[Loader] = Field(default_factory=list)
    instruction: str = ""


class OutputContract(BaseModel):
    artifact_keys: list[str]
    description: str


class TaskManifest(BaseModel):
    domain: str
    episode_id: str
    split: Split
    seed: int | None = None
    difficulty: int | None = None
    min_turns: int = Field(ge=1)
    turns: list[TurnSpec]
    output_contract: OutputContract
    probe_limit_per_turn: int = Field(default=0, ge=0)
    probe_budget: int | None = Field(default=None, ge=0)

    @model_validator(mode="after")
    def _schedule_is_consistent(self) -> "TaskManifest":
        numbers = [t.turn for t in self.turns]
        if numbers != list(range(1, len(numbers) + 1)):
            raise ValueError("turns must be numbered 1..N in order")
        if len(self.turns) < self.min_turns:
            raise ValueError(f"schedule has {len(self.turns)} turns but min_turns is {self.min_turns}")
        if self.turns[-1].event != "finalize":
            raise ValueError("the last turn's event must be 'finalize'")
        return self


def parse_manifest(text: str, origin: str) -> TaskManifest:
    """Parse manifest JSON; a bad manifest is a one-line StemError naming the file and field."""
    raw = parse_json(text, origin, "manifest")
    try:
        return TaskManifest.model_validate(raw)
    except ValidationError as exc:
        raise field_error(origin, exc, "fix the manifest file") from None


def _read(files: Mapping[str, str], name: str) -> str:
    try:
        return files[name]
    except KeyError:
        raise StemError(f"public file '{name}' named by the manifest is missing; regenerate the episode") from None


def _json(files: Mapping[str, str], name: str) -> Any:
    return parse_json(_read(files, name), f"public file '{name}'", "the file")


def load(loader: Loader, files: Mapping[str, str]) -> Any:
    """The value a loader contributes to a turn's delta, from the episode's public files."""
    kind = loader.kind
    if kind == "path":
        return loader.file
    if kind == "text":
        return loader.text if loader.file is None else _read(files, loader.file)
    if kind in ("json", "structured_contract"):
        return _json(files, loader.file)
    if kind == "json_window":
        data = _json(files, loader.file)
        if not isinstance(data, list):
            raise StemError(f"public file '{loader.file}': json_window needs a JSON array")
        return data[loader.start:loader.stop]
    if kind == "csv_window":
        rows = list(csv.DictReader(io.StringIO(_read(files, loader.file))))
        return rows[loader.start:loader.stop]
    if kind == "lines_window":
        lines = [ln for ln in _read(files, loader.file).splitlines() if ln.strip()]
        return lines[loader.start:loader.stop]
    raise AssertionError(kind)


def turn_delta(spec: TurnSpec, files: Mapping[str, str]) -> dict[str, Any]:
    delta = {ld.key: load(ld, files) for ld in spec.loaders}
    if spec.instruction:
        delta["instruction"] = spec.instruction
    return delta


def schedule(start_instruction: str, start_loaders: list[Loader], window_loader: Loader,
             spans: list[tuple[int, int]], final_instruction: str) -> list[TurnSpec]:
    """Turn 1 delivers the starting state, one data turn per (start, stop) span of `window_loader`'s
    file, and a last turn asks for the artifact."""
    turns = [TurnSpec(turn=1, event="start", instruction=start_instruction, loaders=start_loaders)]
    for lo, hi in spans:
        turns.append(TurnSpec(turn=len(turns) + 1, event="data",
                              loaders=[window_loader.model_copy(update={"start": lo, "stop": hi})]))
    turns.append(TurnSpec(turn=len(turns) + 1, event="finalize", instruction=final_instruction))
    return turns


def windows(total: int, parts: int) -> list[tuple[int, int]]:
    """Split range(total) into `parts` contiguous, non-empty-where-possible windows."""
    parts = max(1, min(parts, total)) if total else 1
    bounds = [round(i * total / parts) for i in range(parts + 1)]
    return [(bounds[i], bounds[i + 1]) for i in range(parts)]
