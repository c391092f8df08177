"""Task manifests: the turn schedule of a multi-turn episode and the loaders that build each turn's delta.

A manifest is public: it names only files in the episode's public directory. Loaders are pure
functions of those files, so the same manifest always yields the same observations.

On disk (`compact_dump`) a run of turns that differ only in their numbers is written once with
"repeat": k, so a 5,000-item binpacking episode's manifest is a few hundred bytes; parsing expands it.
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

    @model_validator(mode="before")
    @classmethod
    def _expand_repeats(cls, data: Any) -> Any:
        """A turn written with "repeat": k stands for k turns numbered from its own, alike otherwise."""
        if not isinstance(data, dict) or not isinstance(data.get("turns"), list):
            return data
        if not any(isinstance(t, dict) and "repeat" in t for t in data["turns"]):
            return data
        turns: list[Any] = []
        for raw in data["turns"]:
            if not (isinstance(raw, dict) and "repeat" in raw):
                turns.append(raw)
                continue
            count = raw["repeat"]
            if isinstance(count, bool) or not isinstance(count, int) or count < 1:
                raise ValueError(f"turn {raw.get('turn')}: 'repeat' must be a whole number >= 1, got {count!r}")
            spec = TurnSpec.model_validate({k: v for k, v in raw.items() if k != "repeat"})
            turns += [spec.model_copy(update={"turn": spec.turn + j}) for j in range(count)]
        return {**data, "turns": turns}

    def compact_dump(self) -> dict[str, Any]:
        """The JSON form written to disk: each run of turns alike but for their numbers once, with
        "repeat": k (a manifest without such runs is exactly model_dump(mode="json", exclude_none=True))."""
        data = self.model_dump(mode="json", exclude_none=True)
        out: list[dict] = []
        for turn in data["turns"]:
            last = out[-1] if out else None
            if last is not None and {**turn, "turn": 0} == {**{k: v for k, v in last.items() if k != "repeat"},
                                                              "turn": 0}:
                last["repeat"] = last.get("repeat", 1) + 1
            else:
                out.append(dict(turn))
        data["turns"] = out
        return data

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


def action_schedule(start_instruction: str, start_loaders: list[Loader], data_turns: int,
                    final_instruction: str) -> list[TurnSpec]:
    """Turn 1 delivers the starting state, then `data_turns` turns whose delta comes from the domain's
    environment alone (no file loaders: e.g. one hidden item per turn), and a last turn asks for the
    artifact."""
    turns = [TurnSpec(turn=1, event="start", instruction=start_instruction, loaders=start_loaders)]
    turns += [TurnSpec(turn=t, event="data") for t in range(2, data_turns + 2)]
    turns.append(TurnSpec(turn=data_turns + 2, event="finalize", instruction=final_instruction))
    return turns


def windows(total: int, parts: int) -> list[tuple[int, int]]:
    """Split range(total) into `parts` contiguous, non-empty-where-possible windows."""
    parts = max(1, min(parts, total)) if total else 1
    bounds = [round(i * total / parts) for i in range(parts + 1)]
    return [(bounds[i], bounds[i + 1]) for i in range(parts)]
