"""Lessons, the Director and the Critic as pure functions, and the lessons store on disk: merging by
counting, the leak filter, deterministic rule lessons from real validator reports, relevance and the
character budget, bounded guidance, lenient findings, bad store files, and concurrent appends from
two real processes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from stem import lessons_store as store
from stem.errors import StemError
from stem.evolution import critic as criticlib
from stem.evolution import director as directorlib
from stem.evolution import lessons as lessonlib
from stem.evolution.experience import Experience
from stem.evolution.generation import Candidate
from stem.evolution.roles import Role
from stem.run_models import CriticFinding, CriticReview
from stem.runtime.validator import MAX_BYTES, validate

from conftest import ROOT


def prov(run="experiment_a", generation=1, candidate=1, outcome="measured") -> lessonlib.Provenance:
    return lessonlib.Provenance(run=run, generation=generation, candidate=candidate, outcome=outcome)


def test_duplicates_merge_by_counting_and_the_first_text_stays():
    a = lessonlib.entry("trading_floor", "Buy at the ask, sell at the bid.", ["fees"], "model", prov())
    b = lessonlib.entry("trading_floor", "  buy at the ASK,   sell at the bid ", ["ledger"], "model",
                        prov("experiment_b", 3, 2))
    again = lessonlib.entry("trading_floor", "Buy at the ask, sell at the bid", ["fees"], "model", prov())
    other = lessonlib.entry("trading_floor", "Never trade an asset on two consecutive ticks.", [], "rule",
                            prov("experiment_b", 4))
    assert a.id == b.id == again.id != other.id
    merged = lessonlib.merge([a, b, again, other])
    assert [m.text for m in merged] == ["Buy at the ask, sell at the bid.", other.text]
    first = merged[0]
    assert first.count == 2  # the same provenance twice (a redone generation) counts once
    assert first.tags == ["fees", "ledger"] and [p.run for p in first.provenance] == ["experiment_a", "experiment_b"]
    assert lessonlib.lesson_id("matrix_database", a.text) != a.id  # a lesson belongs to its domain


def test_the_leak_filter_drops_held_out_ids_values_and_foreign_episode_ids():
    secret = lessonlib.Secrets(held_ids=frozenset({"trading-s5000-d1"}), literals=frozenset({"655.87"}),
                               train_ids=frozenset({"trading-s1000-d1"}))
    clean = lessonlib.entry("trading_floor", "Replay the ledger against trading-s1000-d1 style markets.", [],
                            "model", prov())
    held = lessonlib.entry("trading_floor", "Episode trading-s5000-d1 needs two buys.", [], "model", prov())
    value = lessonlib.entry("trading_floor", "The closing cash is 655.87 when targets are met.", [], "model", prov())
    test_id = lessonlib.entry("trading_floor", "trading-s1000123-d3 has a dirty feed.", [], "model", prov())
    in_outcome = lessonlib.entry("trading_floor", "Count fees per order.", [], "model",
                                 prov(outcome="fixed trading-s5000-d1"))
    kept, dropped = lessonlib.keep([clean, held, value, test_id, in_outcome], secret)
    assert kept == [clean]
    assert len(dropped) == 4 and "held-out episode" in dropped[0] and "held-out expected value" in dropped[1]
    assert "trading-s1000123-d3" in dropped[2]
    in_diff = lessonlib.entry("trading_floor", "Count fees per order.", [], "model",
                              lessonlib.Provenance(run="r", generation=1, source="+ if eid == 'trading-s5000-d1':"))
    assert lessonlib.keep([in_diff], secret) == ([in_diff], [])  # what a prompt shows is clean
    assert lessonlib.keep([in_diff], secret, whole=True)[0] == []  # what the store would keep is not


def rejected(index: int, source: str) -> Candidate:
    cand = Candidate(index, Role("new_organ"), status="rejected")
    cand.report = validate(source)
    assert not cand.report.ok
    return cand


def test_a_validator_rejection_becomes_a_rule_lesson_with_the_rule_and_the_limit():
    snoop = rejected(1, "import os\n\ndef run(observation):\n    return {'trace': [os.getcwd()], 'memory': {}}\n")
    big_a = rejected(2, "def run(observation):\n    return {'trace': ['x'], 'memory': {}}\n" + "#" * (MAX_BYTES + 10))
    big_b = rejected(3, "def run(observation):\n    return {'trace': ['y'], 'memory': {}}\n" + "#" * (MAX_BYTES + 99))
    out = lessonlib.rule_lessons("trading_floor", "experiment_a", 2, [snoop, big_a, big_b])
    assert len(out) == 2  # one per distinct rule
    imports, size = out
    assert imports.kind == "rule" and imports.tags == ["validator", "import_not_allowed"]
    assert "rule import_not_allowed: module `os` is not allowed" in imports.text
    assert imports.provenance.generation == 2 and imports.provenance.candidate == 1
    assert imports.provenance.source.startswith("scar validate/validator_rejection: import_not_allowed at line 1")
    assert f"the cap is {MAX_BYTES}" in size.text and "organ source is N bytes" in size.text
    again = lessonlib.rule_lessons("trading_floor", "experiment_b", 5, [big_b])[0]
    assert again.id == size.id  # another organ's size, the same lesson: it merges by counting


def lesson(text: str, tags: list[str], count: int = 1) -> lessonlib.Lesson:
    return lessonlib.Lesson(id=lessonlib.lesson_id("d", text), domain="d", text=text, tags=tags, kinds=["model"],
                            provenance=[prov(generation=i) for i in range(count)])


def test_relevance_by_keyword_overlap_then_count_and_the_character_budget():
    probe = lesson("Probe the decoded candidate first when the probe budget is one.", ["probe", "budget"])
    fees = lesson("Count the flat fee on every order.", ["fees"], count=5)
    walk = lesson("Walk the relation chain hop by hop.", ["graph"], count=2)
    ranked = lessonlib.ranked([fees, walk, probe], "probe_status: budget spent, the probe answered nothing")
    assert ranked[0] is probe and ranked[1] is fees  # overlap first, then how often seen
    assert lessonlib.ranked([walk, fees], "")[0] is fees
    full = lessonlib.render(ranked, "security_sandbox", 5000)
    assert full.startswith("LESSONS FROM EARLIER RUNS (security_sandbox;") and f"[{probe.id}]" in full
    assert "seen 5x" in full and "first from experiment_a generation 0" in full
    small = lessonlib.render(ranked, "security_sandbox", len(full) - 50)
    assert len(small) <= len(full) - 50 + 80 and "1 more lessons not shown" in small
    assert lessonlib.render(ranked, "security_sandbox", 50) == "" and lessonlib.render([], "x", 9999) == ""


def test_a_lesson_answer_keeps_at_most_three_short_lessons():
    answer = lessonlib.LessonAnswer(lessons=[lessonlib.Draft(text=t, tags=["A b", "a-b", "x" * 90])
                                             for t in ["one", "", "two " * 200, "three", "four", "five"]])
    outcome = lessonlib.Outcome("repair_fixed", "repair fixed 1 of 2 failing train episodes, mean 0.50 -> 0.75", 2,
                                "d__g002c2__x", ["d-s1000-d1"], "diff")
    kept, dropped = lessonlib.drafts_to_entries(answer, "d", "experiment_a", 2, outcome)
    assert [e.text for e in kept] == ["one", "three", "four"]
    assert len(dropped) == 3 and "empty" in dropped[0] and "at most 400" in dropped[1] and "over the 3" in dropped[2]
    assert kept[0].tags == ["a_b", "a-b", "x" * 32] and kept[0].provenance.outcome == outcome.measured
    assert kept[0].provenance.episodes == ["d-s1000-d1"] and kept[0].provenance.candidate == 2


def entries(n: int, domain: str = "trading_floor", run: str = "r") -> list[lessonlib.LessonEntry]:
    return [lessonlib.entry(domain, f"lesson number {i} from {run}", ["t"], "model", prov(run, i)) for i in range(n)]


def test_the_store_appends_reads_and_forgets_atomically(tmp_path):
    store.append(tmp_path, "trading_floor", entries(3))
    store.append(tmp_path, "trading_floor", entries(1))  # lesson 0 observed again, same provenance
    found, warning = store.load(tmp_path, "trading_floor")
    assert warning is None and len(found) == 3 and all(x.count == 1 for x in found)
    assert (tmp_path / ".mature_cell.json.lock").is_file()  # the same lock as publishing the mature cell
    assert store.forget(tmp_path, "trading_floor", found[1].id) == 1
    assert [x.id for x in store.load(tmp_path, "trading_floor")[0]] == [found[0].id, found[2].id]
    with pytest.raises(StemError, match="no lesson ffffffffff"):
        store.forget(tmp_path, "trading_floor", "ffffffffff")
    assert store.forget(tmp_path, "trading_floor") == 2
    assert not store.store_path(tmp_path, "trading_floor").exists() and store.load(tmp_path, "trading_floor") == ([], None)


@pytest.mark.parametrize("damage, says", [
    (lambda text: text[:-25], "line 2 is not a JSON lesson entry (truncated or damaged)"),
    (lambda text: text.rstrip("\n"), "the last line is cut off"),
    (lambda text: text + "{not json\n", "line 3 is not a JSON lesson entry"),
    (lambda text: text + json.dumps({"id": "abc", "domain": "trading_floor", "text": 5}) + "\n", "line 3, field 'id'"),
    (lambda text: text + text.replace("trading_floor", "matrix_database"), "line 3 is a lesson of domain 'matrix_database'"),
    (lambda text: text + "\n" * (store.MAX_BYTES + 1), "over the lessons store's cap"),
    (lambda text: text.encode() + b"\xff\xfe\n", "not UTF-8"),
])
def test_a_bad_store_gives_one_warning_and_no_lessons(tmp_path, damage, says):
    store.append(tmp_path, "trading_floor", entries(2))
    path = store.store_path(tmp_path, "trading_floor")
    bad = damage(path.read_text())
    path.write_bytes(bad if isinstance(bad, bytes) else bad.encode())
    found, warning = store.load(tmp_path, "trading_floor")
    assert found == [] and says in warning and "\n" not in warning
    assert "stem lessons forget trading_floor" in warning and "goes on without lessons" in warning
    assert store.forget(tmp_path, "trading_floor") == 0 and not path.exists()  # a damaged store is forgotten whole


APPENDER = """
import sys
from pathlib import Path
from stem import lessons_store as store
from stem.evolution import lessons as lessonlib
run, n = sys.argv[2], int(sys.argv[3])
for i in range(n):
    e = lessonlib.entry("trading_floor", f"lesson {i} of {run} " + "x" * 300, ["t"], "model",
                        lessonlib.Provenance(run=run, generation=i))
    store.append(Path(sys.argv[1]), "trading_floor", [e])
"""


def test_two_processes_appending_to_one_store_lose_nothing(tmp_path):
    script = tmp_path / "appender.py"
    script.write_text(APPENDER)
    procs = [subprocess.Popen([sys.executable, str(script), str(tmp_path), run, "150"], cwd=ROOT)
             for run in ("run_a", "run_b")]
    assert [p.wait(timeout=120) for p in procs] == [0, 0]
    raw = store.read_entries(store.store_path(tmp_path, "trading_floor"))
    assert len(raw) == 300
    found, warning = store.load(tmp_path, "trading_floor")
    assert warning is None and len(found) == 300
    assert {p.run for x in found for p in x.provenance} == {"run_a", "run_b"}


def test_the_director_is_due_every_n_generations_and_when_stagnation_starts():
    assert directorlib.due([0.5, 0.6, 0.7], 3, 2) == "every 3 generations"
    assert directorlib.due([0.5, 0.6], 3, 2) is None
    assert directorlib.due([0.5, 0.5, 0.5], 0, 2) is None  # 0: never
    assert directorlib.due([0.5, 0.5, 0.5], 5, 2) == "the domain started to stagnate"
    assert directorlib.due([0.5, 0.5, 0.5, 0.5], 5, 2) is None  # already stagnating: no new call for it
    assert directorlib.due([], 1, 2) is None
    assert directorlib.guidance("  \n ") is None
    long = directorlib.guidance("g" * 5000)
    assert long.startswith("g" * directorlib.MAX_CHARS) and long.endswith("[… guidance cut at 2000 characters]")
    assert directorlib.render("do X", 4).startswith("DIRECTOR'S GUIDANCE (a model's advice written before generation 4")


def test_critic_findings_are_read_leniently_and_hard_coded_marks_suspect():
    answer = criticlib.CriticAnswer(findings=[{"kind": "hard_coded", "text": "MEMORISED ledger on line 3"},
                                              {"kind": "vibes", "text": "unknown kind"}, {"kind": "fragile"},
                                              {"kind": "fragile", "text": "  splits on ','   only "}])
    found, bad = criticlib.findings_of(answer)
    assert [f.kind for f in found] == ["hard_coded", "fragile"] and bad == 2 and found[1].text == "splits on ',' only"
    assert criticlib.suspect(found) and not criticlib.suspect(found[1:])
    parent = CriticReview(organ="d__g002c1__b", domain="d", generation=2, findings=found, suspect=True)
    other = CriticReview(organ="d__g003c1__c", domain="d", generation=3,
                         findings=[CriticFinding(kind="unhandled", text="no cash floor")])
    text = criticlib.render([other, parent], ("d__g002c1__b",))
    assert text.index("d__g002c1__b (generation 2, a parent of yours, SUSPECT)") < text.index("d__g003c1__c")
    assert criticlib.render([CriticReview(organ="x", domain="d", generation=1)]) == ""


def test_an_experience_block_is_empty_when_there_is_nothing_to_carry():
    assert Experience().text_for(Role("new_organ")) == ""
    block = Experience(lessons="LESSONS FROM EARLIER RUNS (d; ...):\n- x", director="DIRECTOR'S GUIDANCE (...):\ny")
    assert block.text_for(Role("repair", ("p",))).endswith("y\n\n") and "\n\nDIRECTOR'S GUIDANCE" in block.text_for(Role("new_organ"))
