"""binpacking: the observation contract of issue 16, placements checked by the environment, the score
taken from the packing the environment recorded (never the claim), future items never visible (not in
an observation before their turn, not in a public file the sandbox mounts), and the hand-written
fixture organs through the real sandbox on small instances."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

from stem.benchmark import binpacking, domain_check, domains, store
from stem.benchmark.episode import EpisodeRunner
from stem.runtime.organ_turn import organ_turn
from stem.runtime.sandbox import Sandbox

from conftest import ROOT, requires_isolation

ORGANS = ROOT / "tests" / "fixtures" / "organs"
STEM = [sys.executable, "-m", "stem.cli"]


def small(capacity: int, sizes: list[int], reference_bins: int | None = None):
    """A hand-sized episode (the reference computed from the sizes when not given)."""
    ref = binpacking.reference_bins_of(capacity, sizes) if reference_bins is None else reference_bins
    return binpacking.build_episode("binpacking-test", "adhoc", None, None, capacity, sizes, ref, "learned")


def independent_best_fit(capacity: int, sizes: list[int]) -> list[int]:
    """Best Fit written here, apart from the domain and the fixtures: the tightest bin that holds the
    item (lowest index on ties), else a new bin. Returns the bin of every item."""
    rooms: list[int] = []
    chosen = []
    for size in sizes:
        fits = [(room, i) for i, room in enumerate(rooms) if room >= size]
        if fits:
            _, i = min(fits)
            rooms[i] -= size
        else:
            i = len(rooms)
            rooms.append(capacity - size)
        chosen.append(i)
    return chosen


def scripted(placements: list, claim=None, trace: bool = True):
    """A test agent answering the data turns with the given placements in order."""
    queue = list(placements)

    def turn(obs):
        response = {"memory": {}, "trace": ["step"] if trace else []}
        if obs["final_turn"]:
            response["artifact"] = {"bins_used": len(obs["delta"]["bins"]) if claim is None else claim}
        elif obs["delta"].get("items"):
            response["action"] = {"place": queue.pop(0)}
        return response

    return turn


def as_actions(bins_of_items: list[int]) -> list[list[int]]:
    """Bin per item -> the placements an organ sends (-1 where the item opens the next bin)."""
    out, opened = [], 0
    for b in bins_of_items:
        out.append([-1] if b == opened else [b])
        opened += b == opened
    return out


def test_observations_follow_the_contract_and_show_no_item_early():
    sizes = [70, 80, 30, 60, 20]
    ep = small(150, sizes)
    seen = []
    play = scripted(as_actions(independent_best_fit(150, sizes)))

    def agent(obs):
        seen.append(json.loads(json.dumps(obs)))
        return play(obs)

    result = EpisodeRunner(ep).run(agent)
    assert result.verdict.success, result.verdict.critique
    assert [o["turn_count"] for o in seen] == [len(sizes) + 2] * (len(sizes) + 2)
    first, data, last = seen[0], seen[1:-1], seen[-1]
    assert {k: first["delta"][k] for k in ("capacity", "item_count", "bins")} == {"capacity": 150, "item_count": 5,
                                                                                  "bins": []}
    assert "BINPACKING RULES" in first["delta"]["rules"] and "items" not in first["delta"]
    assert [o["delta"]["items"] for o in data] == [[s] for s in sizes]  # exactly one item per data turn, in order
    assert [o["delta"]["bins"] for o in data] == [[], [80], [0], [0, 120], [0, 60]]  # after every earlier placement
    assert set(last["delta"]) >= {"bins", "output_contract"} and "items" not in last["delta"]
    for k, obs in enumerate(seen):  # no observation carries an item that has not arrived yet
        text = json.dumps(obs["delta"].get("items", []))
        assert text == "[]" or text == json.dumps([sizes[k - 1]])
    assert last["delta"]["bins"] == [0, 40]
    assert result.verdict.details == {"bins_used": 2, "lower_bound": 2, "excess": 0.0, "reference_bins": 2}
    assert result.verdict.score == 1.0


def test_future_items_are_in_no_public_file_and_the_manifest_is_small(tmp_path):
    ep = domains.generate("binpacking", 11, 5)
    assert set(ep.public_files) == {"rules.txt", "instance.json"}
    assert json.loads(ep.public_files["instance.json"]) == {"capacity": ep.private["capacity"], "item_count": 5000}
    pub = store.write_episode(ep, tmp_path)
    manifest = (pub / store.MANIFEST).read_text()
    assert len(manifest) < 2000 and '"repeat": 5000' in manifest  # 5,002 turns written as three entries
    assert store.read_episode(pub).model_dump() == ep.model_dump()
    public_text = "".join(p.read_text() for p in pub.iterdir())
    head = ", ".join(map(str, ep.private["items"][:12]))
    assert head not in public_text and json.dumps(ep.private["items"][:12])[1:-1] not in public_text


@requires_isolation
def test_the_sandbox_sees_no_item_list(tmp_path):
    """A mechanism-only organ lists and reads every file of its public directory on turn 1."""
    ep = small(150, [71, 72, 73, 74, 75, 76, 77, 78])
    source = ("import pathlib\n"
              "def run(observation):\n"
              "    d = pathlib.Path(observation['artifacts_dir'])\n"
              "    files = sorted(p.name for p in d.iterdir())\n"
              "    text = ''.join(p.read_text() for p in d.iterdir() if p.is_file())\n"
              "    return {'memory': {}, 'trace': [','.join(files), str('71, 72' in text or '71,72' in text)]}\n")
    seen = {}

    class Keep:
        def turn(self, turn, observation, response, result):
            seen[turn] = response

        def verdict(self, verdict):
            pass

    with Sandbox(prestart=0) as sandbox:
        staged = sandbox.stage(ep.public_files)
        EpisodeRunner(ep, recorder=Keep(), artifacts_dir=sandbox.artifacts_dir(staged)).run(
            organ_turn(sandbox, source, staged, check=False))
    assert seen[1]["trace"] == ["instance.json,rules.txt", "False"]


@pytest.mark.parametrize("place, phrase", [
    (None, "no placement for item 1 (size 80)"),
    ([], "no placement for item 1 (size 80)"),
    ([0, -1], "item 1 (size 80): 2 placements"),
    ([3], "item 1 (size 80): bin 3 does not exist (open bins are 0..0"),
    ([1.0], "item 1 (size 80): placement 1.0 is not a whole number"),
    (["0"], "placement '0' is not a whole number"),
    ([True], "placement True is not a whole number"),
    ([0], "item 1 (size 80) does not fit bin 0 (remaining capacity 70)"),
    (0, "'place' must be a list holding one bin index"),
])
def test_a_bad_placement_ends_the_episode_naming_the_item_and_bin(place, phrase):
    ep = small(150, [80, 80, 10])
    result = EpisodeRunner(ep).run(scripted([[-1], place, [0]]))
    assert result.verdict.tags == ["invalid_placement"] and result.verdict.score == 0.0
    assert phrase in result.verdict.critique and "(turn 3)" in result.verdict.critique
    assert result.turns_run == 3 and result.record["placements"] == [0]  # what was placed stays recorded


def test_placements_on_turns_without_an_item_are_ignored_not_fatal():
    ep = small(150, [80, 60])
    play = scripted([[-1], [0]])

    def agent(obs):
        response = play(obs)
        if obs["turn"] == 1:
            response["action"] = {"place": [-1]}
        return response

    result = EpisodeRunner(ep).run(agent)
    assert result.verdict.success and result.record["bins"] == [10]


def test_the_score_comes_from_the_record_never_from_the_claim():
    sizes = [100, 100, 50, 50]
    ep = small(150, sizes, reference_bins=2)
    honest = EpisodeRunner(ep).run(scripted([[-1], [-1], [0], [1]]))
    assert honest.verdict.success and honest.verdict.score == 1.0
    lying = EpisodeRunner(ep).run(scripted([[-1], [-1], [-1], [-1]], claim=2))
    assert not lying.verdict.success and "unverifiable_inference" in lying.verdict.tags
    assert lying.verdict.details["bins_used"] == 4 and lying.verdict.score == pytest.approx(2 / 4)
    assert domains.verify(ep, {"bins_used": 2}, None).score == 0.0  # no record: nothing to score
    assert "packing_recorded" in [c.id for c in domains.verify(ep, {"bins_used": 2}, None).failing()]


def test_more_bins_than_the_reference_fails_but_keeps_its_score():
    ep = small(150, [100, 100, 50, 50], reference_bins=2)
    result = EpisodeRunner(ep).run(scripted([[-1], [-1], [-1], [1]]))
    assert not result.verdict.success and result.verdict.tags == ["above_reference"]
    assert result.verdict.score == pytest.approx(2 / 3) and result.verdict.scored_by == "domain"


def test_a_missing_trace_still_fails_the_episode():
    ep = small(150, [100, 100, 50, 50], reference_bins=2)
    result = EpisodeRunner(ep).run(scripted([[-1], [-1], [0], [1]], trace=False))
    assert not result.verdict.success and "missing_physical_trace" in result.verdict.tags
    assert result.verdict.score == 0.0 and result.verdict.details["bins_used"] == 2


def test_the_reference_passes_its_own_levels_through_the_environment():
    """A small sample here; tests/perf/binpacking_levels.py plays 200 episodes per level."""
    for level in binpacking.DOMAIN.levels:
        for seed in ((3, 4) if level <= 4 else (3,)):
            ep = domains.generate("binpacking", seed, level)
            result, odd = domain_check.play_reference(binpacking.DOMAIN, ep)
            assert result.verdict.success and not odd, (level, seed, result.verdict.critique)
            assert result.verdict.details["bins_used"] == ep.private["reference_bins"]
            assert result.verdict.details["lower_bound"] == math.ceil(sum(ep.private["items"]) / ep.private["capacity"])


def test_domain_list_and_check_through_the_cli(tmp_path):
    listed = subprocess.run(STEM + ["domain", "list", "--json"], cwd=tmp_path, capture_output=True, text=True,
                            timeout=120)
    row = {r["domain"]: r for r in json.loads(listed.stdout)}["binpacking"]
    assert row["ok"] and row["source"] == "built-in" and {"bins", "online_binpacking"} <= set(row["aliases"])
    checked = subprocess.run(STEM + ["domain", "check", "bins", "--episodes", "2", "--json"], cwd=tmp_path,
                             capture_output=True, text=True, timeout=600)
    report = json.loads(checked.stdout)
    assert checked.returncode == 0 and report["ok"], [c for c in report["checks"] if not c["passed"]]
    assert "environment deterministic (level 6)" in [c["check"] for c in report["checks"]]


def _sandboxed(fixture: str, episodes: list):
    source = (ORGANS / fixture).read_text()
    out = []
    with Sandbox(prestart=1) as sandbox:
        for ep in episodes:
            staged = sandbox.stage(ep.public_files)
            out.append(EpisodeRunner(ep, artifacts_dir=sandbox.artifacts_dir(staged)).run(
                organ_turn(sandbox, source, staged)))
    return out


@requires_isolation
def test_bin_zero_organ_fails_naming_the_first_item_that_does_not_fit():
    ep = domains.generate("binpacking", 21, 1)
    sizes, capacity = ep.private["items"], ep.private["capacity"]
    room, first = capacity - sizes[0], None
    for k, size in enumerate(sizes[1:], 1):
        if size > room:
            first = (k, size, room)
            break
        room -= size
    [result] = _sandboxed("bin_zero_binpacking_organ.py", [ep])
    k, size, room = first
    assert result.verdict.tags == ["invalid_placement"] and result.turns_run == k + 2
    assert f"item {k} (size {size}) does not fit bin 0 (remaining capacity {room})" in result.verdict.critique


@requires_isolation
@pytest.mark.parametrize("fixture, packer", [("best_fit_binpacking_organ.py", "pack_best_fit"),
                                             ("first_fit_binpacking_organ.py", "pack_first_fit")])
def test_first_and_best_fit_organs_fail_level_3_in_the_real_sandbox(fixture, packer):
    """A small sample (tests/perf/binpacking_levels.py measures the share over many episodes): the
    organ packs exactly as the private side's own First/Best Fit does, and that is above the reference."""
    from stem.benchmark import binpacking_reference as ref
    ep = domains.generate("binpacking", 5, 3)
    [result] = _sandboxed(fixture, [ep])
    expected = len(getattr(ref, packer)(ep.private["items"], ep.private["capacity"]))
    assert result.verdict.details["bins_used"] == expected
    assert not result.verdict.success and result.verdict.tags == ["above_reference"]
    assert result.verdict.details["reference_bins"] < expected


def test_transcripts_show_what_the_environment_did(tmp_path):
    from stem.evolution.transcripts import episode_transcript
    ep = small(150, [80, 80, 10])
    EpisodeRunner(ep, tmp_path).run(scripted([[-1], [0]]))
    text = episode_transcript(tmp_path, ep, ())
    assert 'environment placed: object with 3 keys: {"bin": 0, "item": 0, "size": 80}' in text
    assert "FAILED HERE: invalid_placement: item 1 (size 80) does not fit bin 0 (remaining capacity 70)" in text
    assert "delta.items = list of 1: [80]" in text


def test_bench_verify_scores_a_submitted_record_and_refuses_a_bare_claim(tmp_path):
    from typer.testing import CliRunner
    from stem.cli import app
    ep = domains.generate("binpacking", 3, 1)
    result, _ = domain_check.play_reference(binpacking.DOMAIN, ep)
    sub = tmp_path / "sub.json"
    sub.write_text(json.dumps({"artifact": result.artifact, "record": result.record}))
    config = ["--config", str(ROOT / "config.yaml")]
    ok = CliRunner().invoke(app, ["bench", "verify", str(sub), "--episode", ep.episode_id, "--json", *config])
    verdict = json.loads(ok.output)
    assert ok.exit_code == 0 and verdict["success"] and verdict["details"]["bins_used"] == ep.private["reference_bins"]
    sub.write_text(json.dumps(result.artifact))
    bare = CliRunner().invoke(app, ["bench", "verify", str(sub), "--episode", ep.episode_id, "--json", *config])
    assert bare.exit_code == 1 and "packing_recorded" in [c["id"] for c in json.loads(bare.output)["checks"]]


@requires_isolation
def test_classic_episodes_with_best_fit_in_the_sandbox(settings):
    """The hand-made classic instances: Best Fit's bins worked out by hand (bins_002: the three 3s share
    a bin, then every 7 needs its own; bins_003: 60+30, 45+25+15, 40+55, 70+25, and 35 opens a fifth)."""
    from stem.benchmark import splits
    classic = {e.episode_id: e for e in splits.classic_episodes(settings) if e.domain == "binpacking"}
    episodes = [classic[k] for k in ("bins_001", "bins_002", "bins_003")]
    results = _sandboxed("best_fit_binpacking_organ.py", episodes)
    assert [r.verdict.details["bins_used"] for r in results] == [3, 4, 5]
    assert [r.verdict.details["lower_bound"] for r in results] == [3, 3, 4]
    assert [r.verdict.success for r in results] == [r.verdict.details["bins_used"] <= ep.private["reference_bins"]
                                                    for r, ep in zip(results, episodes)]
