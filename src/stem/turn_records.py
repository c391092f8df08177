"""Turn records on disk: one compact file per episode, the run's blob store, the per-turn files of runs
written before, and the one place where turn-record file names live.

<episode folder>/turns.jsonl.gz    a gzip stream of JSON lines (the values are turn_codec nodes):
    {"stem_turns": 1, "blobs": "../../../../blobs"}     header: the blob store, relative to the folder
                                                         (null: every blob is inline in this file)
    {"blob": KEY, "value": ...}                          a blob stored inline, before its first use
    {"turn": N, "o": ..., "r": ..., "s": ...}            a turn: observation, response, result
    {"verdict": {...}, "turns_kept": true, "note": ""}   the last line
<run>/blobs/KE/KEY.json.gz          content-addressed values shared by every episode of a run

Which episodes keep their turns is `logs.keep_turns`: all, failing (an episode that passed keeps
only its verdict line) or none (no file). The recorder learns pass or fail at verdict time, so it
buffers the compressed lines (and the blobs they need) and writes once, atomically, at the end.

Runs written before these records hold turn_NN_{observation,action,result}.json and verdict.json
per episode; `open_episode` reads either layout.
"""

from __future__ import annotations

import gzip
import json
import os
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, NamedTuple

from stem.errors import StemError
from stem.jsonio import write_bytes_atomic, write_json
from stem.turn_codec import Decoder, Encoder, blob_keys

FORMAT = 1
RECORD_FILE = "turns.jsonl.gz"
LEGACY_VERDICT = "verdict.json"
KeepTurns = Literal["all", "failing", "none"]
KEEP_CHOICES: tuple[str, ...] = ("all", "failing", "none")


def legacy_name(turn: int, kind: Literal["observation", "action", "result"]) -> str:
    """The per-turn file name of the layout before compact records (turn_01_observation.json)."""
    return f"turn_{turn:02d}_{kind}.json"


def _dumps(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"), default=str)


def _copy(value: Any) -> Any:
    """A JSON value's private copy (a value JSON cannot hold becomes its text, as in write_json)."""
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return json.loads(_dumps(value))


# ---------------------------------------------------------------- blobs
class BlobStore:
    """Content-addressed values under one folder: KEY -> KE/KEY.json.gz, written once, never changed."""

    def __init__(self, folder: Path):
        self.folder = folder

    def path(self, key: str) -> Path:
        return self.folder / key[:2] / f"{key}.json.gz"

    def put(self, key: str, text: str) -> None:
        path = self.path(key)
        if not path.is_file():
            write_bytes_atomic(path, gzip.compress(text.encode("utf-8"), mtime=0))

    def get(self, key: str) -> str:
        path = self.path(key)
        try:
            return gzip.decompress(path.read_bytes()).decode("utf-8")
        except FileNotFoundError:
            raise StemError(f"{path}: a blob a turn record needs is missing; the run folder is incomplete "
                            "(copy the run's blobs/ folder with it)") from None
        except (OSError, EOFError, zlib.error, UnicodeDecodeError) as exc:
            raise StemError(f"{path}: blob is damaged ({exc})") from None


# ---------------------------------------------------------------- writing
@dataclass(frozen=True)
class RecordPlace:
    """Where one episode's record goes: its folder, the run's blob store (None: blobs inline in the
    episode's own file, so the folder stands alone), and which episodes keep their turns."""
    folder: Path
    blobs: Path | None = None
    keep: KeepTurns = "all"


class CompactRecorder:
    """A TurnRecorder (benchmark/episode.py) writing one turns.jsonl.gz per episode at verdict time."""

    def __init__(self, place: RecordPlace):
        self.place = place
        self.store = BlobStore(place.blobs) if place.blobs is not None else None
        self.pending: dict[str, str] = {}  # blobs for the store, written only when the record is kept
        self.inline: list[tuple[str, str]] = []
        self.encoder = Encoder(self._put_blob)
        self.z = zlib.compressobj(6, zlib.DEFLATED, 31)
        self.chunks: list[bytes] = []
        self.carried: tuple[Any, Any] = (None, None)  # the last response's memory: as returned, as copied
        self._line(self._header())

    def _header(self) -> dict:
        rel = None if self.place.blobs is None else os.path.relpath(self.place.blobs, self.place.folder)
        return {"stem_turns": FORMAT, "blobs": rel}

    def _put_blob(self, key: str, text: str) -> None:
        if self.store is not None:
            self.pending[key] = text
        else:
            self.inline.append((key, text))

    def _line(self, data: dict | str) -> None:
        text = data if isinstance(data, str) else _dumps(data)
        self.chunks.append(self.z.compress((text + "\n").encode("utf-8")))

    def turn(self, turn: int, observation: dict, response: dict | None, result: dict) -> None:
        if self.place.keep == "none":
            return
        observation, response, result = self._snapshot(observation, response, result)
        line = self.encoder.encode(turn, observation, response, result)
        for key, text in self.inline:
            self._line('{"blob":' + json.dumps(key) + ',"value":' + text + "}")
        self.inline.clear()
        self._line(line)

    def _snapshot(self, observation: dict, response: dict | None, result: dict) -> tuple:
        """Private copies (as JSON values) of what the runner hands over: whatever a turn function or
        an environment changes in place afterwards never reaches the record. The observation's memory
        is usually the very object the previous response returned: then its copy is reused."""
        carried_raw, carried = self.carried
        if isinstance(observation, dict) and "memory" in observation:
            memory = observation["memory"]
            if not (memory is carried_raw and memory == carried):
                memory = _copy(memory)
            else:
                memory = carried
            rest = _copy({k: v for k, v in observation.items() if k != "memory"})
            observation = {k: (memory if k == "memory" else rest[k]) for k in observation}
        else:
            observation = _copy(observation)
        if response is not None:
            raw_memory = response.get("memory") if isinstance(response, dict) else None
            response = _copy(response)
            self.carried = (raw_memory, response.get("memory") if isinstance(response, dict) else None)
        return observation, response, _copy(result)

    def verdict(self, verdict: dict) -> None:
        keep = self.place.keep
        if keep == "none":
            return
        target = self.place.folder / RECORD_FILE
        if keep == "failing" and verdict.get("success"):
            z = zlib.compressobj(6, zlib.DEFLATED, 31)
            note = "turns not kept: the episode passed and logs.keep_turns is failing"
            body = _dumps(self._header()) + "\n" + _dumps({"verdict": verdict, "turns_kept": False, "note": note}) + "\n"
            write_bytes_atomic(target, z.compress(body.encode("utf-8")) + z.flush())
            return
        self._line({"verdict": verdict, "turns_kept": True, "note": ""})
        data = b"".join(self.chunks) + self.z.flush()
        if self.store is not None:  # blobs first: a record on disk never names a blob that is not
            for key, text in self.pending.items():
                self.store.put(key, text)
        write_bytes_atomic(target, data)


class TurnFiles:
    """The recorder of runs before compact records: turn_NN_{observation,action,result}.json and
    verdict.json, whole, every turn. Kept to write old-layout folders (tests) and for comparison."""

    def __init__(self, folder: Path):
        self.folder = folder

    def turn(self, turn: int, observation: dict, response: dict | None, result: dict) -> None:
        write_json(self.folder / legacy_name(turn, "observation"), observation)
        if response is not None:
            write_json(self.folder / legacy_name(turn, "action"), response)
        write_json(self.folder / legacy_name(turn, "result"), result)

    def verdict(self, verdict: dict) -> None:
        write_json(self.folder / LEGACY_VERDICT, verdict)


def recorder_for(target: Path | RecordPlace | None) -> CompactRecorder | None:
    """The recorder for a trace target: a folder (standalone record, every turn kept) or a place."""
    if target is None:
        return None
    return CompactRecorder(target if isinstance(target, RecordPlace) else RecordPlace(Path(target)))


# ---------------------------------------------------------------- reading
class TurnRecord(NamedTuple):
    turn: int
    observation: dict
    response: dict | None
    result: dict


class EpisodeTurns:
    """One episode's record as written, in either layout. `turns()` yields every kept turn in order
    (decoded one at a time: a 5,000-turn episode is never held whole)."""

    def __init__(self, folder: Path, layout: Literal["compact", "legacy"], verdict: dict | None,
                 turns_kept: bool, note: str, lines: list[str] | None = None, blobs: BlobStore | None = None):
        self.folder, self.layout, self.verdict = folder, layout, verdict
        self.turns_kept, self.note = turns_kept, note
        self._lines, self._blobs = lines or [], blobs

    def turns(self) -> Iterator[TurnRecord]:
        if self.layout == "legacy":
            yield from self._legacy_turns()
            return
        inline: dict[str, Any] = {}

        def blob(key: str) -> Any:
            if key in inline:
                return inline[key]
            if self._blobs is None:
                raise StemError(f"{self.folder / RECORD_FILE}: blob {key} is neither inline nor in a blob store")
            return json.loads(self._blobs.get(key))

        decoder = Decoder(blob)
        where = self.folder / RECORD_FILE
        for n, text in enumerate(self._lines[1:], 2):
            try:
                line = json.loads(text)
                if "blob" in line:
                    inline[line["blob"]] = line["value"]
                elif "turn" in line:
                    yield TurnRecord(*decoder.decode(line))
            except StemError:
                raise
            except (ValueError, KeyError, TypeError, IndexError) as exc:
                raise StemError(f"{where}: line {n} is damaged ({type(exc).__name__}: {exc}); "
                                "this episode's turns cannot be read past it") from None

    def _legacy_turns(self) -> Iterator[TurnRecord]:
        turn = 1
        while (self.folder / legacy_name(turn, "observation")).is_file():
            observation = _read_json(self.folder / legacy_name(turn, "observation"))
            action = self.folder / legacy_name(turn, "action")
            response = _read_json(action) if action.is_file() else None
            result_file = self.folder / legacy_name(turn, "result")
            result = _read_json(result_file) if result_file.is_file() else {}
            yield TurnRecord(turn, observation, response, result)
            turn += 1

    def all_turns(self) -> list[TurnRecord]:
        return list(self.turns())

    def store_blobs(self) -> list[Path]:
        """The files of the run's blob store this record refers to (none for a legacy or standalone record)."""
        if self.layout != "compact" or self._blobs is None:
            return []
        keys: set[str] = set()
        for text in self._lines[1:]:
            line = json.loads(text)
            if "turn" in line:
                keys |= blob_keys(line)
        return [self._blobs.path(k) for k in sorted(keys)]


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise StemError(f"{path}: turn file is damaged ({type(exc).__name__}); restore it or ignore this episode") from None


def parse_record(data: bytes, folder: Path) -> EpisodeTurns:
    """A compact record's bytes (read from `folder`, or shipped from a Ray worker) as EpisodeTurns."""
    where = folder / RECORD_FILE
    try:
        lines = gzip.decompress(data).decode("utf-8").splitlines()
        header = json.loads(lines[0])
    except (OSError, EOFError, zlib.error, UnicodeDecodeError, ValueError, IndexError) as exc:
        raise StemError(f"{where}: turn record is damaged ({type(exc).__name__}: {exc})") from None
    version = header.get("stem_turns") if isinstance(header, dict) else None
    if not isinstance(version, int):
        raise StemError(f"{where}: not a stem turn record (no 'stem_turns' header)")
    if version > FORMAT:
        raise StemError(f"{where}: turn record format {version} is newer than this stem reads ({FORMAT}); "
                        "upgrade stem to read this run")
    verdict, kept, note = None, True, ""
    try:
        last = json.loads(lines[-1]) if len(lines) > 1 else {}
    except ValueError:
        last = {}  # a record cut short: the turns before the cut still read
    if isinstance(last, dict) and "verdict" in last:
        verdict, kept, note = last["verdict"], bool(last.get("turns_kept", True)), str(last.get("note", ""))
    blobs = BlobStore((folder / header["blobs"]).resolve()) if header.get("blobs") else None
    return EpisodeTurns(folder, "compact", verdict, kept, note, lines, blobs)


def open_episode(folder: Path) -> EpisodeTurns | None:
    """The episode record in `folder` (compact or legacy), or None when there is none."""
    folder = Path(folder)
    compact = folder / RECORD_FILE
    if compact.is_file():
        try:
            data = compact.read_bytes()
        except OSError as exc:
            raise StemError(f"{compact}: cannot read the turn record ({exc.strerror})") from None
        return parse_record(data, folder)
    verdict_file = folder / LEGACY_VERDICT
    if verdict_file.is_file() or (folder / legacy_name(1, "observation")).is_file():
        verdict = _read_json(verdict_file) if verdict_file.is_file() else None
        return EpisodeTurns(folder, "legacy", verdict, True, "")
    return None


def adopt(data: bytes, source: Path, place: RecordPlace) -> None:
    """Re-record an episode shipped as a standalone record (a Ray worker's) into `place`, so that its
    blobs join the run's store and `place.keep` decides as it would have locally."""
    record = parse_record(data, source)
    recorder = CompactRecorder(place)
    for t in record.turns():
        recorder.turn(*t)
    recorder.verdict(record.verdict or {})
