"""Run folders in the compact layout and in the layout before it, through real `stem train` processes and
the fake endpoint: replay and resume of a new-layout run give what an undisturbed run gives (its
repair prompt carries a transcript read from compact records), and a run folder written in the old
layout (per-turn files, prompts and answers inline; written here with the old TurnFiles recorder from
an interrupted run) still reads in `stem logs` and resumes with the same repair prompt. Organs are the
hand-written fixtures (cheating memoriser, then the correct ledger solver)."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from stem.cli import app
from stem.evolution.transcripts import episode_transcript
from stem.llm import records
from stem.benchmark import domains
from stem import run_report
from stem.runlog import RunLog
from stem.turn_records import RECORD_FILE, TurnFiles, legacy_name, open_episode

from conftest import requires_isolation
from fake_openai import FakeOpenAI
from test_training_e2e import STEM, plan_step, routed, stem_train, write_config

runner = CliRunner()
pytestmark = requires_isolation
FAILING = "trading-s1001-d2"  # the memoriser passes trading-s1000-d1 only


def table(delay: float = 0.0) -> dict:
    return {"generation 1.": plan_step("ledger_memoriser", "cheating_trading_organ.py"),
            "Your role: repair of": plan_step("ledger_solver", "correct_trading_organ.py", delay=delay)}


def config(tmp: Path, url: str, keep: str | None = None) -> Path:
    cfg = write_config(tmp, url, max_epochs=3)
    if keep:
        cfg.write_text(cfg.read_text() + f"logs: {{keep_turns: {keep}}}\n")
    return cfg


def interrupted(tmp: Path, keep: str | None = None) -> tuple[Path, Path, list[str]]:
    """A run killed (-9) while generation 2's repair request is held: (run, config, prompts sent)."""
    with FakeOpenAI(routed(table(delay=5.0))) as srv:
        cfg = config(tmp, srv.url, keep)
        proc = subprocess.Popen(STEM + ["train", "--domain", "trading", "--config", str(cfg)],
                                env=dict(os.environ, FAKE_LLM_KEY="sk-test"), stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL, start_new_session=True)
        deadline, run = time.monotonic() + 180, None
        while time.monotonic() < deadline and run is None:
            runs = list((tmp / "logs").glob("experiment_*"))
            if runs and any(e["event"] == "generation_start" and e["generation"] == 2 for e in RunLog(runs[0]).events()):
                run = runs[0]
            time.sleep(0.1)
        assert run is not None, "generation 2 never started"
        while time.monotonic() < deadline and not any("Your role: repair of" in p for p in sent(srv)):
            time.sleep(0.1)
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
        prompts = sent(srv)
    assert RunLog(run).read_run()["progress"]["generation"] == 1
    return run, cfg, prompts


def sent(srv: FakeOpenAI) -> list[str]:
    return [r["body"]["messages"][-1]["content"] for r in list(srv.requests)]


def resume(run: Path, cfg: Path) -> list[str]:
    with FakeOpenAI(routed(table())) as srv:
        text = cfg.read_text()
        cfg.write_text(text.replace(text.split('base_url: "')[1].split('"')[0], srv.url))
        proc = stem_train(cfg, "--resume", str(run))
        prompts = sent(srv)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return prompts


def outcome(run: Path) -> dict:
    """What a run decided: candidates, selections, prompts and plans per generation, front, genome,
    validation results (the hidden test draws fresh seeds on every run)."""
    log = RunLog(run)
    state = log.read_run()
    gens = sorted(run.glob("generation_*"))
    return {"candidates": [json.loads((g / "trace.json").read_text())["candidates"] for g in gens],
            "selected": [json.loads((g / "trace.json").read_text())["selected"] for g in gens],
            "prompts": [run_report.prompts(log.path, int(g.name.split("_")[1])) for g in gens],
            "plans": [[{k: v for k, v in c.items() if k != "answer_requests"} for c in json.loads((g / "plan.json").read_text())]
                      for g in gens],
            "front": state["front"], "genome": json.loads((run / "genome.json").read_text()),
            "validation": state["stage3"]["validation"]}


@pytest.fixture(scope="module")
def undisturbed(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("undisturbed")
    with FakeOpenAI(routed(table())) as srv:
        cfg = config(tmp, srv.url)
        proc = stem_train(cfg)
        prompts = sent(srv)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    run = next((tmp / "logs").glob("experiment_*"))
    return {"run": run, "cfg": cfg, "prompts": prompts, "tmp": tmp}


def test_the_repair_prompt_reads_its_transcript_from_compact_records(undisturbed):
    run, prompts = undisturbed["run"], undisturbed["prompts"]
    folder = run / "generation_001" / "episodes" / "c1" / FAILING
    assert sorted(p.name for p in folder.iterdir()) == [RECORD_FILE]
    repair = next(p for p in prompts if "Your role: repair of" in p)
    ep = domains.generate(*domains.parse_generated_id(FAILING))
    assert episode_transcript(folder, ep, ()) in repair
    assert f"EPISODE {FAILING}" in repair and "organ artifact:" in repair
    passed = open_episode(run / "generation_001" / "episodes" / "c1" / "trading-s1000-d1")
    assert passed.verdict["success"] and not passed.turns_kept  # logs.keep_turns: failing (the default)
    trace = json.loads((run / "generation_002" / "trace.json").read_text())
    ref = trace["prompts"]["c1"]  # kept once, in llm/calls.jsonl
    assert set(ref) == {"request_hash", "purpose", "chars"} and ref["purpose"] == "gen002:trading_floor:c1:repair"
    calls = {r.request_hash: r for r in records.load(run / "llm" / "calls.jsonl")}
    assert calls[ref["request_hash"]].messages[-1]["content"] == repair
    shown = runner.invoke(app, ["logs", "prompt", run.name, "2", "--json", "--config", str(undisturbed["cfg"])])
    assert shown.exit_code == 0 and json.loads(shown.output)["messages"][-1]["content"] == repair
    plan = json.loads((run / "generation_002" / "plan.json").read_text())[0]
    assert "raw_answers" not in plan and calls[plan["answer_requests"][0]].answer.startswith("{")


def test_replay_of_a_new_layout_run_is_identical(undisturbed):
    proc = stem_train(undisturbed["cfg"], "--llm", "replay", "--replay-from", str(undisturbed["run"]))
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    replayed = max((undisturbed["tmp"] / "logs").glob("experiment_*"))
    assert replayed != undisturbed["run"]
    assert outcome(replayed) == outcome(undisturbed["run"])
    assert RunLog(replayed).read_run()["stage3"] == RunLog(undisturbed["run"]).read_run()["stage3"]


def test_resume_of_a_new_layout_run_is_identical(undisturbed, tmp_path):
    run, cfg, before = interrupted(tmp_path)
    after = resume(run, cfg)
    assert [p for p in before if "Your role: repair of" in p] == [p for p in after if "Your role: repair of" in p]
    assert outcome(run) == outcome(undisturbed["run"])


def to_old_layout(run: Path) -> None:
    """Rewrite a run folder as stem wrote it before compact records: every episode's turns as
    turn_NN_*.json through the old TurnFiles recorder, prompts and answers inline, no blob store."""
    calls = {r.request_hash: r for r in records.load(run / "llm" / "calls.jsonl")}
    for record_file in sorted(run.rglob(RECORD_FILE)):
        record = open_episode(record_file.parent)
        assert record.turns_kept
        old = TurnFiles(record_file.parent)
        for t in record.turns():
            old.turn(*t)
        old.verdict(record.verdict)
        record_file.unlink()
    shutil.rmtree(run / "blobs")
    for trace_file in run.glob("generation_*/trace.json"):
        trace = json.loads(trace_file.read_text())
        trace["prompts"] = {c: calls[p["request_hash"]].messages for c, p in trace["prompts"].items()}
        trace_file.write_text(json.dumps(trace, indent=2))
    for plan_file in run.glob("generation_*/plan.json"):
        plans = json.loads(plan_file.read_text())
        for c in plans:
            c["raw_answers"] = [calls[h].answer for h in c.pop("answer_requests", [])] or c.get("raw_answers", [])
        plan_file.write_text(json.dumps(plans, indent=2))
    state = json.loads((run / "run.json").read_text())
    state["config"].pop("logs", None)
    (run / "run.json").write_text(json.dumps(state, indent=2))


def test_an_old_layout_run_reads_and_resumes(tmp_path):
    run, cfg, before = interrupted(tmp_path, keep="all")
    to_old_layout(run)
    folder = run / "generation_001" / "episodes" / "c1" / FAILING
    assert (folder / legacy_name(1, "observation")).is_file() and not (folder / RECORD_FILE).exists()
    args = ["--config", str(cfg)]
    shown = runner.invoke(app, ["logs", "show", str(run), "--json", *args])
    assert shown.exit_code == 0, shown.output
    assert json.loads(shown.output)["generations"][0]["candidates"][0]["status"] == "evaluated"
    for view in (["logs", "list"], ["logs", "lineage", str(run)], ["logs", "scars", str(run)], ["logs", "plot", str(run)]):
        assert runner.invoke(app, [*view, "--json", *args]).exit_code == 0, view
    prompt = runner.invoke(app, ["logs", "prompt", str(run), "1", "--json", *args])
    assert prompt.exit_code == 0 and "CANDIDATE 1 of 1 in generation 1." in prompt.output
    turns = runner.invoke(app, ["logs", "turns", str(folder), "--turn", "2", "--json"])
    assert turns.exit_code == 0 and json.loads(turns.output)["turn"] == 2
    after = resume(run, cfg)  # the repair prompt reads the memoriser's failing episode from the old files
    repair_before = [p for p in before if "Your role: repair of" in p]
    assert repair_before and [p for p in after if "Your role: repair of" in p] == repair_before
    assert f"EPISODE {FAILING}" in repair_before[0]
    state = RunLog(run).read_run()
    assert state["status"] == "finished" and state["progress"]["generation"] == 2
    assert (run / "generation_002" / "episodes" / "c1" / FAILING / RECORD_FILE).is_file()  # new generations: compact
    shown = runner.invoke(app, ["logs", "show", str(run), "--json", *args])
    assert shown.exit_code == 0 and json.loads(shown.output)["generations"][1]["selected"].endswith("ledger_solver")
