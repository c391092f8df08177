"""llm/calls.jsonl: one JSON line per LLM call, appended atomically; read back for replay."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from stem.errors import StemError
from stem.jsonio import append_line, parse_json


class CallRecord(BaseModel):
    request_hash: str
    profile: str
    model: str
    purpose: str = ""
    messages: list[dict[str, str]]
    answer: str | None = None  # cut (marked) beyond llm.max_answer_chars
    answer_chars: int = 0  # the answer's full length
    finish_reason: str | None = None
    prompt_tokens: int = 0
    completion_tokens: int = 0
    tokens_estimated: bool = False
    usd: float = 0.0
    latency_ms: float = 0.0
    attempts: int = 0
    waits: list[float] = Field(default_factory=list)
    error: str | None = None
    error_kind: str | None = None
    note: str | None = None  # e.g. a replay that served another request's answer of the same purpose


@dataclass(frozen=True)
class ReplaySource:
    """What --replay-from names: the calls file a replay reads, and the recorded run's directory when the
    calls file sits in one (its run.json holds the options and hidden-test seeds a replay reuses)."""
    calls: Path
    run: Path | None


def replay_source(replay_from: Path | None, require_answers: bool = False) -> ReplaySource:
    """Resolve --replay-from (a run directory or its llm/calls.jsonl); one line when it is missing or,
    with `require_answers`, holds no recorded answer."""
    if replay_from is None:
        raise StemError("--llm replay needs --replay-from RUN_DIR (a run with llm/calls.jsonl)")
    replay_from = Path(replay_from)
    if not replay_from.exists():
        raise StemError(f"{replay_from}: no such run directory or calls file; pass --replay-from a run directory "
                        "that has llm/calls.jsonl")
    calls = replay_from / "llm" / "calls.jsonl" if replay_from.is_dir() else replay_from
    run = replay_from if replay_from.is_dir() else calls.parent.parent
    if require_answers and not any(rec.answer is not None for rec in load(calls)):
        raise StemError(f"{calls}: no recorded answers to replay; pass --replay-from a run that made LLM calls")
    return ReplaySource(calls, run if (run / "run.json").is_file() else None)


def request_hash(messages: list[dict[str, str]]) -> str:
    """Stable identity of a request: what was asked, not who answered, so a replay with another
    profile or model still finds it."""
    canonical = json.dumps(messages, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def append(path: Path, record: CallRecord) -> None:
    """One line per call, synced: a crash never leaves half a record or loses a finished call."""
    append_line(path, record.model_dump_json(), fsync=True)


def load(path: Path) -> list[CallRecord]:
    if not path.is_file():
        raise StemError(f"{path}: no recorded LLM calls here; pass --replay-from a run directory that has llm/calls.jsonl")
    records = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        data = parse_json(line, f"{path}: line {n}", "call record")
        try:
            records.append(CallRecord.model_validate(data))
        except ValueError as exc:
            raise StemError(f"{path}: line {n} is not a call record ({str(exc).splitlines()[0]})") from None
    return records


def describe(messages: list[dict[str, Any]]) -> str:
    last = next((m.get("content", "") for m in reversed(messages) if m.get("role") == "user"), "")
    return " ".join(str(last).split())[:100]
