"""JSON files at the edges: atomic writes (temp + rename) and reads that fail with one actionable line."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

from stem.errors import StemError


def write_text_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def append_line(path: Path, line: str, fsync: bool = False) -> None:
    """Append one line with a single write() on an O_APPEND descriptor: readers never see half a line."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    try:
        os.write(fd, (line.rstrip("\n") + "\n").encode("utf-8"))
        if fsync:
            os.fsync(fd)
    finally:
        os.close(fd)


def write_json(path: Path, data: Any) -> None:
    write_text_atomic(path, json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False, default=str) + "\n")


def read_json(path: Path, what: str = "file") -> Any:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise StemError(f"{path}: {what} not found; check the path") from None
    except UnicodeDecodeError:
        raise StemError(f"{path}: {what} is not UTF-8 text") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise StemError(f"{path}: {what} is not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno})") from None
