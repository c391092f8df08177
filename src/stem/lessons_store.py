"""The per-domain lessons store: genomes/lessons/<domain>.jsonl, one lesson entry per line, append-only.

Several runs may append at once (one domain per terminal): every append holds the same exclusive lock
as publishing the mature cell (genomes/.mature_cell.json.lock) and writes each entry as one line in a
single write, so no entry is lost or torn. Reading merges entries by counting (evolution/lessons.py).

A store that cannot be trusted (a truncated or non-JSON line, an entry of the wrong shape, a file
over MAX_BYTES, not UTF-8) is never half-used: `load` returns no lessons and ONE warning line saying
what is wrong and how to start over (`stem lessons forget DOMAIN`). `forget` is the user's edit:
the whole domain, or one lesson, rewritten atomically under the lock.
"""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import ValidationError

from stem.errors import StemError
from stem.evolution.lessons import Lesson, LessonEntry, merge
from stem.genome_store import cell_lock
from stem.jsonio import append_line, exclusive_lock, write_text_atomic

MAX_BYTES = 4_000_000
CELL = "mature_cell.json"


def store_dir(genomes: Path) -> Path:
    return genomes / "lessons"


def store_path(genomes: Path, domain: str) -> Path:
    return store_dir(genomes) / f"{domain}.jsonl"


def _lock(genomes: Path) -> Path:
    return cell_lock(genomes / CELL)


def read_entries(path: Path) -> list[LessonEntry]:
    """Every entry of one store file; a StemError (one line) when the file cannot be trusted."""
    if not path.is_file():
        return []
    size = path.stat().st_size
    fix = f"fix it or start over with: stem lessons forget {path.stem}"
    if size > MAX_BYTES:
        raise StemError(f"{path}: {size} bytes, over the lessons store's cap of {MAX_BYTES}; {fix}")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise StemError(f"{path}: not UTF-8 text; {fix}") from None
    out: list[LessonEntry] = []
    for n, line in enumerate(text.split("\n"), 1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
        except (json.JSONDecodeError, RecursionError):
            raise StemError(f"{path}: line {n} is not a JSON lesson entry (truncated or damaged); {fix}") from None
        try:
            e = LessonEntry.model_validate(data)
        except ValidationError as exc:
            err = exc.errors()[0]
            where = ".".join(str(p) for p in err["loc"]) or "(root)"
            raise StemError(f"{path}: line {n}, field '{where}': {err['msg']}; {fix}") from None
        if e.domain != path.stem:
            raise StemError(f"{path}: line {n} is a lesson of domain '{e.domain}', not '{path.stem}'; {fix}")
        out.append(e)
    if text and not text.endswith("\n"):
        raise StemError(f"{path}: the last line is cut off (no newline at the end); {fix}")
    return out


def load(genomes: Path, domain: str) -> tuple[list[Lesson], str | None]:
    """The domain's lessons, merged; or no lessons and one warning line when the store is bad."""
    try:
        return merge(read_entries(store_path(genomes, domain))), None
    except StemError as exc:
        return [], f"{exc}; this run goes on without lessons for {domain}"
    except OSError as exc:
        return [], f"{store_path(genomes, domain)}: cannot be read ({exc.strerror}); this run goes on without lessons"


def append(genomes: Path, domain: str, entries: list[LessonEntry]) -> None:
    """Append entries to the domain's store under the shared lock, one line (one write) each."""
    if not entries:
        return
    path = store_path(genomes, domain)
    with exclusive_lock(_lock(genomes)):
        for n, e in enumerate(entries, 1):
            append_line(path, e.model_dump_json(), fsync=n == len(entries))


def forget(genomes: Path, domain: str, lesson: str | None = None) -> int:
    """Forget the domain's lessons (or one lesson by id): how many lessons went. Atomic: the store is
    removed, or rewritten without the lesson's entries by temp file + rename, under the lock."""
    path = store_path(genomes, domain)
    with exclusive_lock(_lock(genomes)):
        if not path.is_file():
            if lesson is None:
                return 0
            raise StemError(f"no lessons stored for {domain} ({path}); see: stem lessons list")
        if lesson is None:
            try:
                gone = len(merge(read_entries(path)))
            except StemError:
                gone = 0  # a damaged store is forgotten whole: that is how one starts over
            path.unlink()
            return gone
        entries = read_entries(path)
        kept = [e for e in entries if e.id != lesson]
        if len(kept) == len(entries):
            raise StemError(f"no lesson {lesson} in {path}; see: stem lessons list {domain}")
        write_text_atomic(path, "".join(e.model_dump_json() + "\n" for e in kept))
        return 1


def domains(genomes: Path) -> list[str]:
    folder = store_dir(genomes)
    return sorted(p.stem for p in folder.glob("*.jsonl")) if folder.is_dir() else []
