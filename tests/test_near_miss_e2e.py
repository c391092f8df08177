"""Near misses are revised, repairs may answer with edits, and one candidate's empty answer is that
candidate's scar: real `stem train` processes, the real sandbox, a fake OpenAI-compatible server (or a
command-provider script) on this machine. The organs in the answers are the hand-written fixtures in
tests/fixtures/organs/; the oversized one is the correct trading fixture padded by this test with a
comment block. None is LLM-evolved."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from stem.runlog import RunLog
from stem.runtime.validator import MAX_BYTES

from conftest import requires_isolation
from fake_openai import Step, plan_json
from test_evolution_e2e import traces
from test_training_e2e import ORGANS, only_run, plan_step, stem_train, train_routed, write_config

pytestmark = requires_isolation
BIG = "\n  max_answer_chars: 4000000"


def padded_correct_organ() -> tuple[str, str]:
    """The correct trading fixture with a comment block that takes it past the validator's size cap;
    (the padded source, the block)."""
    line = "# padding that makes this organ too large for the validator's source cap\n"
    block = "# PADDING START\n" + line * (MAX_BYTES // len(line) + 20) + "# PADDING END\n"
    return (ORGANS / "correct_trading_organ.py").read_text() + "\n" + block, block


def test_an_oversized_organ_is_revised_with_edits_not_discarded(tmp_path):
    source, block = padded_correct_organ()
    assert len(source.encode()) > MAX_BYTES
    edit = {"search": block, "replace": ""}
    table = {"CANDIDATE 1 of 1 in generation 1.": Step(plan_json(organ_name="ledger_padded", domain="trading_floor",
                                                                  source=source)),
             "Your role: revision of the rejected near miss": Step(json.dumps({
                 "organ_name": "ledger_trimmed", "domain": "trading_floor", "mode": "revise",
                 "rationale": "drop the comment block the size cap refuses", "edits": [edit]}))}
    proc, prompts = train_routed(tmp_path, table, llm=BIG)
    run = only_run(tmp_path)
    gen1, gen2 = traces(run)
    assert gen1["candidates"][0]["status"] == "rejected" and gen1["candidates"][0]["near_miss"] is True
    assert gen1["near_misses"] == [gen1["candidates"][0]["organ"]]
    revise = prompts[1]
    assert revise.startswith("TASK: REVISE a rejected organ for the domain trading_floor")
    assert f"too_large at line 1:0: organ source is {len(source.encode())} bytes; the cap is {MAX_BYTES}" in revise
    assert "# PADDING START" in revise and "def run(observation" in revise  # its whole source
    rejected_part = revise[revise.index("PROPOSALS ALREADY REJECTED"):] if "PROPOSALS ALREADY REJECTED" in revise else ""
    assert "ledger_padded" not in rejected_part  # a near miss is not a "do not repeat"
    assert gen2["candidates"][0]["role"] == "revise" and gen2["candidates"][0]["edits"] == 1
    assert gen2["candidates"][0]["status"] == "evaluated" and gen2["candidates"][0]["all_pass"] is True
    edited = (run / "generation_002" / "candidates" / "c1.py").read_text()
    assert edited == source.replace(block, "")  # the harness applied the edit to the rejected source
    assert RunLog(run).read_run()["mature"]["written"] is True


def test_an_organ_that_reaches_for_files_stays_in_do_not_repeat(tmp_path):
    table = {"CANDIDATE 1 of 1 in generation 1.": plan_step("ledger_snoops", "malicious_organ.py"),
             "generation 2": plan_step("ledger_solver", "correct_trading_organ.py")}
    _, prompts = train_routed(tmp_path, table)
    gen1, gen2 = traces(only_run(tmp_path))
    assert gen1["candidates"][0]["status"] == "rejected" and gen1["candidates"][0]["near_miss"] is False
    assert gen1["near_misses"] == [] and gen2["candidates"][0]["role"] == "new_organ"
    rejected_part = prompts[1][prompts[1].index("PROPOSALS ALREADY REJECTED"):]
    assert "ledger_snoops" in rejected_part and "module `os` is not allowed" in rejected_part


def test_a_repair_answered_with_edits_and_a_non_matching_edit_is_one_scar(tmp_path):
    cheat = (ORGANS / "cheating_trading_organ.py").read_text()
    correct = (ORGANS / "correct_trading_organ.py").read_text()
    bad = {"organ_name": "ledger_bad_edit", "domain": "trading_floor", "mode": "repair",
           "rationale": "an edit whose search text the parent does not contain",
           "edits": [{"search": "this line is not in the parent", "replace": "x = 1"}]}
    good = {"organ_name": "ledger_edited", "domain": "trading_floor", "mode": "repair",
            "rationale": "replace the memorised ledger by a solver", "edits": [{"search": cheat, "replace": correct}]}
    table = {"CANDIDATE 1 of 1 in generation 1.": plan_step("ledger_memoriser", "cheating_trading_organ.py"),
             "CANDIDATE 1 of 1 in generation 2.": Step(json.dumps(bad)),
             "CANDIDATE 1 of 1 in generation 3.": Step(json.dumps(good))}
    _, prompts = train_routed(tmp_path, table)
    run = only_run(tmp_path)
    gen1, gen2, gen3 = traces(run)
    assert [g["candidates"][0]["role"] for g in (gen2, gen3)] == ["repair", "repair"]
    assert "ANSWERING WITH EDITS" in prompts[1]
    assert gen2["candidates"][0]["status"] == "llm_failed"
    scars = [s for s in json.loads((run / "phenotypic_scars.json").read_text()) if s["generation"] == 2]
    assert [s["tag"] for s in scars] == ["edit_mismatch"]
    assert "edit 1 of 1: its search text ('this line is not in the parent') does not occur" in scars[0]["message"]
    assert "edit_mismatch" in prompts[2]  # the scar reaches the next prompt
    assert gen3["candidates"][0]["status"] == "evaluated" and gen3["candidates"][0]["edits"] == 1
    assert (run / "generation_003" / "candidates" / "c1.py").read_text() == correct
    plan = json.loads((run / "generation_003" / "plan.json").read_text())[0]["plan"]
    assert plan["edits"] == good["edits"] and plan["source"] is None  # the answer is recorded as given
    assert RunLog(run).read_run()["mature"]["written"] is True


def test_one_empty_answer_is_that_candidates_scar_not_the_end_of_stage_2(tmp_path):
    """A CLI agent that prints nothing for candidate 1 and a correct plan for candidate 2."""
    answer = tmp_path / "answer.json"
    answer.write_text(plan_json(organ_name="ledger_solver", domain="trading_floor",
                                source=(ORGANS / "correct_trading_organ.py").read_text()))
    agent = tmp_path / "agent.py"
    agent.write_text("import sys\nprompt = sys.stdin.read()\n"
                     "if 'CANDIDATE 2 of 2' in prompt:\n"
                     f"    sys.stdout.write(open({str(answer)!r}).read())\n")
    cfg = write_config(tmp_path, "http://127.0.0.1:9/v1", evolution=", scout_first: false",
                       llm=f"\n  concurrency: 1")
    text = cfg.read_text().replace("profile: fake", "profile: agent") + (
        f"    agent: {{provider: command, command: [{json.dumps(sys.executable)}, {json.dumps(str(agent))}], "
        "timeout_seconds: 60}\n")
    cfg.write_text(text)
    proc = stem_train(cfg, "--population", "2")
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    run = only_run(tmp_path)
    (gen1,) = traces(run)
    assert [c["status"] for c in gen1["candidates"]] == ["llm_failed", "evaluated"]
    scars = json.loads((run / "phenotypic_scars.json").read_text())
    assert [s["tag"] for s in scars if s["generation"] == 1] == ["empty_answer"]
    state = RunLog(run).read_run()
    assert state["stage2"]["stop_reason"] == "every domain finished" and state["mature"]["written"] is True


def test_an_endpoint_that_fails_every_call_of_a_generation_stops_stage_2(tmp_path):
    from fake_openai import FakeOpenAI
    with FakeOpenAI(lambda body: Step(status=500, content="upstream exploded")) as srv:
        cfg = write_config(tmp_path, srv.url, evolution=", scout_first: false")
        proc = stem_train(cfg, "--population", "2")
        requests = len(srv.requests)
    assert proc.returncode == 1, proc.stdout[-2000:] + proc.stderr[-2000:]
    state = RunLog(only_run(tmp_path)).read_run()
    assert state["stage2"]["stop_reason"].startswith("llm: fake: HTTP 500")
    assert requests == 4  # two candidates, two attempts each; no second generation
    assert state["progress"]["generation"] == 0 and not list(only_run(tmp_path).glob("generation_*"))
