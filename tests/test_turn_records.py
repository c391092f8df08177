"""Compact turn records (stem.turn_codec, stem.turn_records): exact round trips, memory and large values
stored once, keep policies, the legacy layout, damaged files, size linear in turns, and transcripts of
many-step episodes."""

from __future__ import annotations

import gzip
import importlib.util
import json
import random

import pytest

from stem.benchmark import domains
from stem.benchmark.episode import EpisodeRunner
from stem.benchmark.episode_model import Episode
from stem.benchmark.manifest import OutputContract, TaskManifest, TurnSpec
from stem.errors import StemError
from stem.evolution.transcripts import EpisodeRecord, episode_transcript, failing_transcripts
from stem.training.perf_runfiles import synthetic_turns
from stem.turn_codec import Decoder, Encoder, same
from stem.turn_records import (RECORD_FILE, CompactRecorder, RecordPlace, TurnFiles, legacy_name, open_episode)

from conftest import ROOT

ORGANS = ROOT / "tests" / "fixtures" / "organs"


def exact(value) -> str:
    """JSON text with key order and types: what 'exactly as the organ saw it' means."""
    return json.dumps(value, ensure_ascii=False)


def random_value(rng: random.Random, depth: int = 0):
    kind = rng.randrange(9 if depth < 3 else 6)
    if kind == 0:
        return rng.choice([True, False, None])
    if kind == 1:
        return rng.choice([0, 1, -1, 7, 2**40])
    if kind == 2:
        return rng.choice([0.0, 1.0, -0.5, 1e-9])
    if kind in (3, 4):
        return rng.choice(["", "a", "ü", "x" * rng.randrange(1, 1500)])
    if kind == 5:
        return rng.randrange(100)
    if kind in (6, 7):
        return [random_value(rng, depth + 1) for _ in range(rng.randrange(0, 12))]
    return {rng.choice("abcdefgh"): random_value(rng, depth + 1) for _ in range(rng.randrange(0, 6))}


def mutate(rng: random.Random, value):
    """The next turn's value: mostly the same, with small changes of every kind the codec handles."""
    if isinstance(value, dict) and value and rng.random() < 0.7:
        out = dict(value)
        key = rng.choice(list(out))
        action = rng.randrange(5)
        if action == 0:
            del out[key]
        elif action == 1:
            out[key] = mutate(rng, out[key])
        elif action == 2:
            out = {k: out[k] for k in reversed(list(out))}  # the same keys in another order
        elif action == 3:
            out["new" + str(rng.randrange(5))] = random_value(rng, 2)
        return out
    if isinstance(value, list) and value and rng.random() < 0.7:
        out = list(value)
        action = rng.randrange(5)
        if action == 0:
            out.append(random_value(rng, 2))
        elif action == 1:
            i = rng.randrange(len(out))
            out[i] = mutate(rng, out[i])
        elif action == 2:
            out = out[:-1]
        elif action == 3:  # the same number as another type: true vs 1, 1 vs 1.0
            i = rng.randrange(len(out))
            out[i] = {True: 1, 1: 1.0, 0: False, 1.0: True}.get(out[i], out[i]) if not isinstance(out[i], (dict, list)) else out[i]
        return out
    return random_value(rng, 2) if rng.random() < 0.3 else value


def round_trip(turns: list[tuple]) -> list[tuple]:
    blobs: dict[str, str] = {}
    enc = Encoder(lambda k, t: blobs.__setitem__(k, t), blob_min=200)
    lines = [json.loads(json.dumps(enc.encode(*t))) for t in turns]
    dec = Decoder(lambda k: json.loads(blobs[k]))
    return [dec.decode(line) for line in lines]


@pytest.mark.parametrize("seed", range(40))
def test_codec_gives_back_every_turn_exactly(seed):
    rng = random.Random(seed)
    memory, delta, turns = {}, random_value(rng), []
    for t in range(1, 30):
        delta = mutate(rng, delta if isinstance(delta, dict) else {"v": delta})
        obs = {"turn": t, "delta": delta, "memory": memory}
        memory = mutate(rng, {"m": random_value(rng)} if not memory else memory)
        response = None if rng.random() < 0.05 else {"memory": memory, "trace": [f"t{t}"], "x": mutate(rng, delta)}
        result = mutate(rng, {"r": random_value(rng)}) if rng.random() < 0.8 else {}
        turns.append((t, obs, response, result))
        if response is None:
            memory = {}
    back = round_trip(turns)
    assert [exact(list(b)) for b in back] == [exact(list(t)) for t in turns]


def test_json_equality_tells_true_from_1_and_key_orders_apart():
    assert same([1, 2], [1, 2]) and not same([True, 2], [1, 2]) and not same([1.0], [1])
    assert not same({"a": 1, "b": 2}, {"b": 2, "a": 1}) and same({"a": [1, {"b": None}]}, {"a": [1, {"b": None}]})
    assert not same({"a": [1, {"b": False}]}, {"a": [1, {"b": 0}]})


def test_memory_is_stored_once_and_a_growing_list_by_its_tail(tmp_path):
    enc = Encoder(lambda k, t: None)
    memory = {"rows": list(range(50))}
    enc.encode(1, {"turn": 1, "delta": {}, "memory": {}}, {"memory": memory, "trace": ["a"]}, {})
    grown = {"rows": memory["rows"] + [50]}
    line = enc.encode(2, {"turn": 2, "delta": {}, "memory": memory}, {"memory": grown, "trace": ["a"]}, {})
    assert line["o"]["d"]["memory"] == {"m": 0}  # the memory returned on turn 1: a reference, not a copy
    assert line["r"]["d"]["memory"] == {"d": {"rows": {"l": 50, "t": {"v": [50]}}}}  # only the new row
    assert line["s"] == {"=": 0}


def test_large_values_are_blobs_shared_by_episodes_and_candidates(tmp_path):
    ep = domains.generate("matrix", 1000, 6)
    organ = load_fixture("correct_matrix_organ.py")
    store = tmp_path / "blobs"
    for cand in ("c1", "c2"):
        EpisodeRunner(ep, RecordPlace(tmp_path / cand / ep.episode_id, store, "all")).run(organ)
    first = open_episode(tmp_path / "c1" / ep.episode_id)
    second = open_episode(tmp_path / "c2" / ep.episode_id)
    assert first.store_blobs() == second.store_blobs() and len(first.store_blobs()) >= 5
    blob_bytes = sum(p.stat().st_size for p in store.rglob("*.json.gz"))
    record_bytes = (tmp_path / "c2" / ep.episode_id / RECORD_FILE).stat().st_size
    assert record_bytes * 10 < blob_bytes  # a second candidate adds its own record, not the graph again
    assert [exact(list(t)) for t in first.turns()] == [exact(list(t)) for t in second.turns()]


class Tee:
    """Hands every turn to several recorders (old and new layout side by side)."""

    def __init__(self, *recorders):
        self.recorders = recorders

    def turn(self, *args):
        for r in self.recorders:
            r.turn(*args)

    def verdict(self, verdict):
        for r in self.recorders:
            r.verdict(verdict)


def load_fixture(name: str):
    """A hand-written fixture organ from tests/fixtures/organs/, run in-process as a turn function."""
    spec = importlib.util.spec_from_file_location(name[:-3], ORGANS / name)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.run


@pytest.mark.parametrize("domain,fixture", [("matrix", "correct_matrix_organ.py"),
                                            ("trading", "correct_trading_organ.py")])
def test_level_6_records_are_under_a_tenth_of_the_old_files_and_read_back_the_same(tmp_path, domain, fixture):
    ep = domains.generate(domain, 1003, 6)
    old, new = tmp_path / "old", tmp_path / "new"
    result = EpisodeRunner(ep, recorder=Tee(TurnFiles(old), CompactRecorder(RecordPlace(new, tmp_path / "blobs")))
                           ).run(load_fixture(fixture))
    assert result.turns_run == len(ep.manifest.turns) == 8
    old_bytes = sum(p.stat().st_size for p in old.iterdir())
    new_bytes = sum(p.stat().st_size for p in tmp_path.rglob("*") if p.is_file() and old not in p.parents)
    assert new_bytes * 10 <= old_bytes, (new_bytes, old_bytes)
    legacy, compact = open_episode(old), open_episode(new)
    assert legacy.layout == "legacy" and compact.layout == "compact" and legacy.verdict == compact.verdict
    assert [t for t in legacy.turns()] == [t for t in compact.turns()]


def test_record_size_grows_linearly_with_turns(tmp_path):
    sizes = {}
    for turns in (300, 1200):
        rec = CompactRecorder(RecordPlace(tmp_path / str(turns), tmp_path / f"blobs{turns}"))
        for t in synthetic_turns(turns):
            rec.turn(*t)
        rec.verdict({"success": False, "score": 0.0})
        sizes[turns] = sum(p.stat().st_size for p in tmp_path.rglob("*") if p.is_file() and
                           (str(turns) in p.parts or f"blobs{turns}" in p.parts))
    assert sizes[1200] < 4.6 * sizes[300], sizes  # four times the turns, about four times the bytes
    back = open_episode(tmp_path / "1200").all_turns()
    assert [exact(list(b)) for b in back] == [exact(list(t)) for t in synthetic_turns(1200)]


def test_what_a_turn_function_changes_later_never_reaches_the_record(tmp_path, settings):
    from stem.benchmark import splits
    ep = splits.resolve_episode(settings, "trade_002")[0]
    kept = {"memory": {"n": 0, "log": []}}

    def sloppy(obs):  # returns the same objects every turn and changes them in place afterwards
        kept["memory"]["n"] += 1
        kept["memory"]["log"].append(obs["turn"])
        return {"memory": kept["memory"], "trace": ["t"]}

    EpisodeRunner(ep, tmp_path).run(sloppy)
    logs = [t.response["memory"]["log"] for t in open_episode(tmp_path).turns() if t.response]
    assert logs[:3] == [[1], [1, 2], [1, 2, 3]]


def test_keep_turns_all_failing_none(tmp_path):
    turns = list(synthetic_turns(5))
    for keep in ("all", "failing", "none"):
        for success in (True, False):
            folder = tmp_path / f"{keep}-{success}"
            rec = CompactRecorder(RecordPlace(folder, tmp_path / "blobs", keep))
            for t in turns:
                rec.turn(*t)
            rec.verdict({"success": success, "score": float(success)})
            record = open_episode(folder)
            if keep == "none":
                assert record is None and not folder.exists()
                continue
            assert record.verdict["success"] is success
            kept = keep == "all" or not success
            assert record.turns_kept is kept and len(record.all_turns()) == (5 if kept else 0)
            if not kept:
                assert "logs.keep_turns is failing" in record.note


def test_old_layout_reads_and_damaged_or_newer_records_are_one_line(tmp_path):
    TurnFiles(tmp_path / "old").turn(1, {"turn": 1, "delta": {"a": 1}, "memory": {}}, {"trace": ["x"]}, {})
    TurnFiles(tmp_path / "old").verdict({"success": False})
    assert (tmp_path / "old" / legacy_name(1, "observation")).is_file()
    old = open_episode(tmp_path / "old")
    assert old.layout == "legacy" and old.all_turns()[0].response == {"trace": ["x"]} and old.verdict == {"success": False}
    assert open_episode(tmp_path / "nothing") is None
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / RECORD_FILE).write_bytes(b"not gzip at all")
    with pytest.raises(StemError, match="turn record is damaged"):
        open_episode(bad)
    newer = tmp_path / "newer"
    newer.mkdir()
    (newer / RECORD_FILE).write_bytes(gzip.compress(b'{"stem_turns": 99, "blobs": null}\n'))
    with pytest.raises(StemError, match="format 99 is newer than this stem reads"):
        open_episode(newer)
    missing = tmp_path / "missing"
    rec = CompactRecorder(RecordPlace(missing, tmp_path / "store"))
    for t in synthetic_turns(3):
        rec.turn(*t)
    rec.verdict({"success": False})
    for blob in (tmp_path / "store").rglob("*.json.gz"):
        blob.unlink()
    with pytest.raises(StemError, match="a blob a turn record needs is missing"):
        open_episode(missing).all_turns()


def long_episode(turns: int) -> Episode:
    """A synthetic many-step episode (binpacking-shaped, for the transcript only): `turns` turns."""
    specs = [TurnSpec(turn=t, event="start" if t == 1 else "finalize" if t == turns else "data")
             for t in range(1, turns + 1)]
    manifest = TaskManifest(domain="synthetic_bins", episode_id=f"synthetic-{turns}", split="train", difficulty=5,
                            min_turns=turns, turns=specs,
                            output_contract=OutputContract(artifact_keys=["bins_used"], description="bins"))
    return Episode(manifest=manifest, public_files={"rules.txt": "pack every item"}, private={})


def test_a_5000_turn_transcript_shows_first_last_and_counts_within_the_budget(tmp_path):
    ep = long_episode(5000)
    rec = CompactRecorder(RecordPlace(tmp_path, None))
    for t, obs, response, result in synthetic_turns(4990):
        if t == 4990:
            result = {**result, "failure": {"tag": "item_does_not_fit", "message": "item 4990 (size 57) does not "
                                            "fit bin 3", "line": None, "turn": t}}
        if t == 2500:
            result = {**result, "placement_notes": ["bin 7 is nearly full"]}
        rec.turn(t, obs, response, result)
    rec.verdict({"success": False, "score": 0.0, "checks": []})
    text = episode_transcript(tmp_path, ep, ())
    assert text.startswith("EPISODE synthetic-5000 (level 5, 5000 turns): score 0.00, FAILED")
    for t in (1, 2, 3, 4987, 4988, 4989, 4990):
        assert f"\nturn {t} [" in text, t
    assert "\nturn 4 [" not in text and "\nturn 4986 [" not in text
    assert "[… turns 4-4986 not shown (4983 turns); on them: delta keys: bins on all 4983, items on all 4983;" in text
    assert "organ actions: place on all 4983" in text and "placement_notes on turn 2500" in text
    assert "FAILED HERE: item_does_not_fit: item 4990 (size 57) does not fit bin 3" in text
    assert 'environment placements: object with 2 keys: {"bin":' in text  # any domain's answers, by key
    assert len(text) < 12000
    tight = failing_transcripts([EpisodeRecord(ep, tmp_path, 0.0, False)], (), budget_chars=2500, max_episodes=1)
    assert "\nturn 1 [" in tight and "\nturn 4990 [" in tight and "FAILED HERE" in tight
    assert "not shown (" in tight and len(tight) <= 2500 + 300
