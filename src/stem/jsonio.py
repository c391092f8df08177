"""Files at the edges: atomic writes (temp + rename), appends, an exclusive lock for files that several
runs share, and reads that fail with one actionable line."""

from __future__ import annotations

import errno
import fcntl
import json
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from stem.errors import StemError, WriteFault


def write_text_atomic(path: Path, text: str) -> None:
    """Write `text` to a temp file beside `path`, then rename: readers see the old file or the new one.
    A refused write (disk full, read-only, permission) is a WriteFault naming `path`; the old file stays."""
    write_bytes_atomic(path, text.encode("utf-8"))


def write_bytes_atomic(path: Path, data: bytes) -> None:
    """write_text_atomic for bytes (compressed records)."""
    tmp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except OSError as exc:
        _drop(tmp)
        raise WriteFault(path, exc) from None
    except BaseException:
        _drop(tmp)
        raise


def _drop(tmp: str | None) -> None:
    if tmp is not None:
        try:
            Path(tmp).unlink(missing_ok=True)
        except OSError:
            pass


def append_line(path: Path, line: str, fsync: bool = False) -> None:
    """Append one line with a single write() on an O_APPEND descriptor: readers never see half a line."""
    data = (line.rstrip("\n") + "\n").encode("utf-8")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    except OSError as exc:
        raise WriteFault(path, exc) from None
    size = None
    try:
        size = os.fstat(fd).st_size
        written = os.write(fd, data)
        if written != len(data):
            raise OSError(errno.ENOSPC, "No space left on device (short write)")
        if fsync:
            os.fsync(fd)
    except OSError as exc:
        if size is not None:  # take back a torn line so the file stays whole lines
            try:
                os.ftruncate(fd, size)
            except OSError:
                pass
        raise WriteFault(path, exc) from None
    finally:
        os.close(fd)


def write_json(path: Path, data: Any, compact: bool = False) -> None:
    """Sorted keys, two-space indent; `compact`: no indent or spaces (large machine-read files)."""
    text = json.dumps(data, indent=None if compact else 2, separators=(",", ":") if compact else None,
                      sort_keys=True, ensure_ascii=False, default=str)
    write_text_atomic(path, text + "\n")


MAX_DEPTH = 64  # deeper than any file stem writes (an organ's response is capped at 32 levels)


def parse_json(text: str, origin: object, what: str = "file", max_depth: int = MAX_DEPTH) -> Any:
    """JSON text from a file a user passes or a run wrote, bounded: nesting deeper than `max_depth` is one
    line naming `origin` (never a RecursionError), as is text that is not JSON."""
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise StemError(f"{origin}: {what} is not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno})") from None
    except RecursionError:
        value = _TOO_DEEP
    if value is _TOO_DEEP or depth_over(value, max_depth):
        raise StemError(f"{origin}: {what} is nested deeper than {max_depth} levels; this is not a file stem "
                        "reads (check the path, or flatten the JSON)") from None
    return value


_TOO_DEEP = object()


def depth_over(value: Any, limit: int) -> bool:
    """True when `value` nests lists/objects deeper than `limit` (checked without recursion)."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            item = list(item.values())
        if isinstance(item, list):
            if depth > limit:
                return True
            stack.extend((v, depth + 1) for v in item if isinstance(v, (dict, list)))
    return False


def read_json(path: Path, what: str = "file") -> Any:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise StemError(f"{path}: {what} not found; check the path") from None
    except IsADirectoryError:
        raise StemError(f"{path}: is a folder, not a {what}; check the path") from None
    except UnicodeDecodeError:
        raise StemError(f"{path}: {what} is not UTF-8 text") from None
    return parse_json(text, path, what)


@contextmanager
def exclusive_lock(path: Path) -> Iterator[None]:
    """Hold an exclusive flock on `path` (created if missing) for the block: another process that asks
    for the same lock waits. Released when the block ends or the process dies."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise WriteFault(path, exc) from None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)
