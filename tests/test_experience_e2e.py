"""Experience that outlives a run, end to end: real `stem train` processes, the real sandbox, and a fake
OpenAI-compatible server on 127.0.0.1 that answers by what each prompt asks (organ plans, lesson
calls, the Director, the Critic). Organs in the answers are the hand-written fixtures in
tests/fixtures/organs/ (correct, cheating, malicious); none is LLM-evolved."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from stem.benchmark import splits
from stem.cli import app
from stem.config import load_settings
from stem.genome import Capability, Genome
from stem.genome_store import publish_cell, write_organ
from stem.jsonio import write_json
from stem.runlog import RunLog
from stem.training import private_literals

from conftest import requires_isolation
from fake_openai import FakeOpenAI, Step
from test_evolution_e2e import assert_no_held_out_data, traces
from test_training_e2e import ORGANS, STEM, plan_step, routed, stem_train, user_prompt, write_config

runner = CliRunner()
pytestmark = requires_isolation
LESSONS_ON = ", lessons: true, director_every: 0, critic: false"
CLEAN = "Compute the ledger from the market rows of each episode; a memorised ledger fails every new market."


def runs(tmp: Path) -> list[Path]:
    return sorted((tmp / "logs").glob("experiment_*"))


def calls(run: Path) -> list[dict]:
    return [json.loads(line) for line in (run / "llm" / "calls.jsonl").read_text().splitlines()]


def store_lines(tmp: Path, domain: str = "trading_floor") -> list[dict]:
    path = tmp / "genomes" / "lessons" / f"{domain}.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.is_file() else []


def train(tmp: Path, table: dict, *args: str, experience: str = LESSONS_ON, **config):
    """A run against a server answering by prompt content: (process, prompts sent, run directory)."""
    before = set(runs(tmp))
    with FakeOpenAI(routed(table)) as srv:
        cfg = write_config(tmp, srv.url, experience=experience, **config)
        proc = stem_train(cfg, *args)
        prompts = [user_prompt(r) for r in srv.requests]
    new = [r for r in runs(tmp) if r not in before]
    assert len(new) == 1, proc.stdout[-2000:] + proc.stderr[-2000:]
    return proc, prompts, new[0]


def held_out(tmp: Path) -> tuple[list[str], list[str]]:
    """The validation episode ids of the test config and their held-out expected values."""
    cfg = write_config(tmp, "http://127.0.0.1:9/v1")
    eps = splits.split_episodes(load_settings(cfg), "trading_floor", "validation")
    return [e.episode_id for e in eps], sorted(private_literals(eps))


def test_lessons_outlive_a_run_with_provenance_and_never_carry_held_out_data(tmp_path):
    val_ids, literals = held_out(tmp_path)
    answer = {"lessons": [{"text": CLEAN, "tags": ["ledger", "market_rows"]},
                          {"text": f"Episode {val_ids[0]} needs a second purchase.", "tags": ["ledger"]},
                          {"text": f"The closing cash should come out at {literals[0]}.", "tags": ["cash"]}]}
    run1_table = {"TASK: LESSONS": Step(json.dumps(answer)),
                  "CANDIDATE 1 of 1 in generation 1.": plan_step("ledger_snoops", "malicious_organ.py"),
                  "CANDIDATE 1 of 1 in generation 2.": plan_step("ledger_memoriser", "cheating_trading_organ.py"),
                  "CANDIDATE 1 of 1 in generation 3.": plan_step("ledger_solver", "correct_trading_organ.py")}
    proc, prompts1, run1 = train(tmp_path, run1_table)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert [t["candidates"][0]["role"] for t in traces(run1)] == ["new_organ", "new_organ", "repair"]
    assert [c["purpose"] for c in calls(run1)][-1] == "gen003:trading_floor:lesson"
    lines = store_lines(tmp_path)
    assert [(e["kind"], e["provenance"]["generation"]) for e in lines] == [("rule", 1), ("model", 3)]
    rule, lesson = lines
    assert "rule import_not_allowed: module `os` is not allowed" in rule["text"]
    assert rule["provenance"]["source"].startswith("scar validate/validator_rejection: import_not_allowed")
    assert lesson["text"] == CLEAN and lesson["tags"] == ["ledger", "market_rows"]
    p = lesson["provenance"]
    failing = [e for e, s in RunLog(run1).read_run()["front"]["trading_floor"][0]["scores"].items()]
    assert p["run"] == run1.name and p["candidate"] == 1 and p["organ"].endswith("ledger_solver")
    assert p["outcome"].startswith("repair fixed 1 of 1 failing train episodes, mean 0.") and p["outcome"].endswith("-> 1.00")
    assert len(p["episodes"]) == 1 and p["episodes"][0] in failing and "+++" in p["source"]
    text = (tmp_path / "genomes" / "lessons" / "trading_floor.jsonl").read_text()
    assert not [v for v in val_ids + literals if v in text]  # the two leaking lessons were dropped
    made = json.loads((run1 / "generation_003" / "lessons.json").read_text())
    assert made["leaked"] == 2 and made["outcome"] == "repair_fixed" and len(made["lessons"]) == 1
    assert "LESSONS FROM EARLIER RUNS" not in prompts1[0]  # the first run had none to read

    run2_table = {"CANDIDATE 1 of 1 in generation 1.": plan_step("ledger_snoops", "malicious_organ.py"),
                  "CANDIDATE 1 of 1 in generation 2.": plan_step("ledger_solver", "correct_trading_organ.py")}
    proc, prompts2, run2 = train(tmp_path, run2_table)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    first = prompts2[0]
    section = first[first.index("LESSONS FROM EARLIER RUNS (trading_floor;"):first.index("SCARS (failures")]
    assert f"- [{lesson['id']}] {CLEAN}" in section and f"- [{rule['id']}] The validator refuses" in section
    assert f"first from {run1.name} generation 3 candidate 1; outcome: repair fixed 1 of 1" in section
    assert "by lesson call" in section and "by rule" in section
    assert all("LESSONS FROM EARLIER RUNS" in p for p in prompts2)
    assert_no_held_out_data(prompts2, run2)
    listed = runner.invoke(app, ["lessons", "list", "trading", "--json", "--config", str(tmp_path / "config.yaml")])
    assert listed.exit_code == 0, listed.output
    counts = {x["id"]: x["count"] for x in json.loads(listed.output)}
    assert counts == {rule["id"]: 2, lesson["id"]: 1}  # the rule seen again in run 2: counted, not rewritten
    assert len(store_lines(tmp_path)) == 3

    with FakeOpenAI(routed({})) as srv:  # a replay of run 2 reads run 2's lessons, not the store as it is now
        replay = stem_train(write_config(tmp_path, srv.url, experience=LESSONS_ON), "--llm", "replay",
                            "--replay-from", str(run2))
    assert replay.returncode == 0, replay.stdout[-2000:] + replay.stderr[-2000:]
    replayed = runs(tmp_path)[-1]
    assert [(c["purpose"], c["request_hash"]) for c in calls(replayed)] == \
        [(c["purpose"], c["request_hash"]) for c in calls(run2)]
    assert len(store_lines(tmp_path)) == 3  # a replay adds no evidence: nothing appended

    proc, prompts3, run3 = train(tmp_path, {"generation 1.": plan_step("ledger_solver", "correct_trading_organ.py")},
                                 "--lessons", "off")
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert "LESSONS FROM EARLIER RUNS" not in prompts3[0] and CLEAN not in prompts3[0]
    assert RunLog(run3).read_run()["experience"]["lessons"] is False and len(store_lines(tmp_path)) == 3

    cfg = str(tmp_path / "config.yaml")
    compared = json.loads(runner.invoke(app, ["logs", "compare", run2.name, run3.name, "--json", "--config", cfg]).output)
    assert (compared["a"]["experience"]["lessons"], compared["b"]["experience"]["lessons"]) == (True, False)
    assert compared["a"]["to_best"]["trading_floor"] == {"generation": 2, "best": 1.0, "calls": 2, "tokens": 300}
    assert compared["b"]["to_best"]["trading_floor"]["calls"] == 1 and compared["b"]["tokens_to_mature"] == 150
    side = runner.invoke(app, ["logs", "compare", run2.name, run3.name, "--config", cfg], env={"COLUMNS": "200"})
    flat = " ".join(side.output.split())
    assert side.exit_code == 0 and "lessons on, director every never, critic off" in flat
    assert "per generation of each domain" in flat and "1.00 (2, 300)" in flat
    show = runner.invoke(app, ["logs", "show", run2.name, "--config", cfg], env={"COLUMNS": "200"})
    assert "experience: lessons on (2 read from earlier runs, 1 written)" in " ".join(show.output.split())
    shown = runner.invoke(app, ["lessons", "show", "trading", lesson["id"], "--config", cfg], env={"COLUMNS": "200"})
    assert shown.exit_code == 0 and f"from {run1.name} generation 3 candidate 1" in shown.output
    gone = runner.invoke(app, ["lessons", "forget", "trading", lesson["id"], "--config", cfg])
    assert gone.exit_code == 0 and f"forgot lesson {lesson['id']}" in gone.output
    left = json.loads(runner.invoke(app, ["lessons", "list", "trading", "--json", "--config", cfg]).output)
    assert [x["id"] for x in left] == [rule["id"]]
    missing = runner.invoke(app, ["lessons", "forget", "trading", lesson["id"], "--config", cfg])
    assert missing.exit_code == 2 and "no lesson" in missing.output


DIRECTED = ", lessons: false, director_every: 1, critic: true"
GUIDANCE = "GUIDANCE-7: compute the ledger from the market rows and drop the memorised table."
FINDING = "the MEMORISED constant answers one training episode from memory instead of computing the ledger"


def directed_table() -> dict:
    return {"TASK: CRITIC review of the organ trading_floor__g001c1__ledger_memoriser":
            Step(json.dumps({"findings": [{"kind": "hard_coded", "text": FINDING},
                                          {"kind": "fragile", "text": "assumes every row has a price"}]})),
            "TASK: CRITIC": Step(json.dumps({"findings": []})),
            "TASK: DIRECT": Step(GUIDANCE),
            "CANDIDATE 1 of 1 in generation 1.": plan_step("ledger_memoriser", "cheating_trading_organ.py"),
            "CANDIDATE 1 of 1 in generation 2.": plan_step("ledger_solver", "correct_trading_organ.py")}


def test_director_and_critic_calls_reach_the_next_prompts_count_and_replay(tmp_path):
    table = directed_table()
    with FakeOpenAI(routed(table)) as srv:
        cfg = write_config(tmp_path, srv.url, experience=DIRECTED)
        proc = stem_train(cfg)
        sent = [user_prompt(r) for r in srv.requests]
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    (run,) = runs(tmp_path)
    memo, solver = "trading_floor__g001c1__ledger_memoriser", "trading_floor__g002c1__ledger_solver"
    assert [c["purpose"] for c in calls(run)] == [
        "gen001:trading_floor:c1:new_organ", f"gen001:trading_floor:critic:{memo}", "gen002:trading_floor:director",
        "gen002:trading_floor:c1:repair", f"gen002:trading_floor:critic:{solver}"]
    state = RunLog(run).read_run()
    assert state["llm_usage"]["calls"] == 5 == len(sent)  # every experience call counts in the budget
    critic_prompt, director_prompt, repair = sent[1], sent[2], sent[3]
    assert "MEMORISED = " in critic_prompt and "OBSERVATIONS AS THE ORGAN RECEIVES THEM" in critic_prompt
    assert "LLM BUDGET: 2 calls made of 50 (48 left)" in director_prompt
    assert "THEIR RESULT PER TRAINING EPISODE:\n- trading-s1000-d1 (level 1): pass 1.00" in director_prompt
    assert repair.startswith("TASK: REPAIR the organ for the domain trading_floor")
    assert f"DIRECTOR'S GUIDANCE (a model's advice written before generation 2 of this run" in repair
    assert GUIDANCE in repair
    assert f"CRITIC'S FINDINGS" in repair and f"- on {memo} (generation 1, a parent of yours, SUSPECT):\n" \
                                               f"    hard_coded: {FINDING}\n    fragile: " in repair
    assert (run / "generation_002" / "director.md").read_text().strip() == GUIDANCE
    assert state["director"]["trading_floor"]["file"] == "generation_002/director.md"
    assert state["critic"][memo]["suspect"] is True and state["critic"][solver]["suspect"] is False
    assert_no_held_out_data(sent, run)

    env = {"COLUMNS": "200"}
    shown = runner.invoke(app, ["logs", "show", run.name, "--config", str(cfg)], env=env)
    flat = " ".join(shown.output.split())
    assert shown.exit_code == 0 and "Director every 1 generations; Critic on" in flat
    assert f"Director's guidance before generation 2 (trading_floor; every 1 generations): {GUIDANCE}" in flat
    assert f"Critic on {memo} (generation 1): SUSPECT" in flat and f"Critic on {solver} (generation 2): nothing" in flat
    data = json.loads(runner.invoke(app, ["logs", "show", run.name, "--json", "--config", str(cfg)]).output)
    assert data["experience"]["suspect"] == [memo] and data["experience"]["director"][0]["text"] == GUIDANCE
    organ = runner.invoke(app, ["logs", "organ", run.name, "1", "--config", str(cfg)], env=env)
    tail = " ".join(organ.output.split("MEMORISED = ")[-1].split())
    assert organ.exit_code == 0 and f"CRITIC'S FINDINGS on {memo} (SUSPECT" in tail and f"hard_coded: {FINDING}" in tail
    as_json = json.loads(runner.invoke(app, ["logs", "organ", run.name, "1", "--json", "--config", str(cfg)]).output)
    assert [f["kind"] for f in as_json["critic"]["findings"]] == ["hard_coded", "fragile"]

    replay = stem_train(cfg, "--llm", "replay", "--replay-from", str(run))
    assert replay.returncode == 0, replay.stdout[-2000:] + replay.stderr[-2000:]
    original, again = runs(tmp_path)

    def outcome(r: Path) -> dict:
        s = RunLog(r).read_run()
        return {"traces": [{k: v for k, v in t.items() if k != "llm_usage"} for t in traces(r)],
                "front": s["front"], "critic": s["critic"], "director": s["director"], "stage3": s["stage3"],
                "experience": s["experience"],
                "usage": {k: v for k, v in s["llm_usage"].items() if k != "usd"},  # a replay prices nothing
                "calls": [(c["purpose"], c["request_hash"], c["answer"]) for c in calls(r)],
                "guidance": (r / "generation_002" / "director.md").read_text()}
    assert outcome(again) == outcome(original)


@pytest.mark.parametrize("max_calls, refused", [(1, "critic"), (2, "director")])
def test_a_call_cap_reached_by_the_critic_or_the_director_stops_stage_2_cleanly(tmp_path, max_calls, refused):
    proc, sent, run = train(tmp_path, directed_table(), experience=DIRECTED, max_calls=max_calls)
    assert proc.returncode == 1, proc.stdout[-2000:] + proc.stderr[-2000:]  # finished; the memoriser is not mature
    state = RunLog(run).read_run()
    assert state["status"] == "finished" and state["progress"]["generation"] == 1
    assert state["stage2"]["stop_reason"] == f"LLM call budget reached: {max_calls} of {max_calls} calls"
    assert len(sent) == max_calls == state["llm_usage"]["calls"] and state["stage3"] is not None
    review = json.loads((run / "generation_001" / "critic.json").read_text())
    assert review["status"] == ("not_sent" if refused == "critic" else "reviewed")
    assert (refused == "critic") == (state["critic"] == {})
    assert not (run / "generation_002").exists()  # the refused Director call started no generation


def mature_cell_with(tmp: Path, fixture: str, domain: str, name: str) -> Path:
    """genomes/mature_cell.json holding one hand-written fixture organ, published the way a run does."""
    src = tmp / "src_genome"
    ref = write_organ(src, f"{name}.py", (ORGANS / fixture).read_text())
    genome = Genome().with_capability(Capability(domain=domain, organ=ref, generation=2, train_score=0.5,
                                                 lineage=[f"{domain}__g001c2__ancestor", ref.name]))
    write_json(src / "genome.json", genome.model_dump(mode="json"))
    target = tmp / "genomes" / "mature_cell.json"
    publish_cell(genome, src / "genome.json", target, "a test's cell")
    return target


def test_a_warm_start_from_a_mature_cell_makes_generation_1_a_repair_of_its_organ(tmp_path):
    cell = mature_cell_with(tmp_path, "cheating_trading_organ.py", "trading_floor",
                            "trading_floor__g002c1__ledger_memoriser")
    table = {"CANDIDATE 1 of 1 in generation 1.": plan_step("ledger_solver", "correct_trading_organ.py")}
    proc, sent, run = train(tmp_path, table, "--from", str(cell), experience=", lessons: false, director_every: 0, "
                                                                            "critic: false")
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    warm = "trading_floor__g000c1__ledger_memoriser"
    assert f"warm start: trading_floor__g002c1__ledger_memoriser from {cell} on trading_floor: mean train score" in \
        " ".join(proc.stdout.split())
    assert len(sent) == 1 and sent[0].startswith("TASK: REPAIR the organ for the domain trading_floor")
    assert f"Your role: repair of {warm}." in sent[0] and "MEMORISED = " in sent[0]
    (gen1,) = traces(run)
    assert gen1["candidates"][0]["role"] == "repair" and gen1["candidates"][0]["parents"] == [warm]
    state = RunLog(run).read_run()
    assert state["warm_start"]["genome"] == str(cell) and state["warm_start"]["domains"]["trading_floor"]["kept"]
    genome = json.loads((run / "genome.json").read_text())["capabilities"]["trading_floor"]
    assert genome["lineage"] == ["trading_floor__g001c2__ancestor", "trading_floor__g002c1__ledger_memoriser", warm,
                                 "trading_floor__g001c1__ledger_solver"]
    assert (run / "generation_000" / "episodes" / "c1").is_dir()  # the warm organ's train episodes, for its repair
    lineage = runner.invoke(app, ["logs", "lineage", run.name, "--config", str(tmp_path / "config.yaml")],
                            env={"COLUMNS": "300"})
    flat = " ".join(lineage.output.split())
    assert lineage.exit_code == 0 and f"generation 0: warm start from {cell}: {warm} (was " \
                                      "trading_floor__g002c1__ledger_memoriser; lineage: trading_floor__g001c2__ancestor" in flat
    assert f"c1 repair of {warm} -> trading_floor__g001c1__ledger_solver" in flat


def test_a_genome_without_the_domains_organ_starts_it_from_scratch_and_a_bad_one_stops_first(tmp_path):
    cell = mature_cell_with(tmp_path, "correct_matrix_organ.py", "matrix_database",
                            "matrix_database__g001c1__graph_walker")
    table = {"CANDIDATE 1 of 1 in generation 1.": plan_step("ledger_solver", "correct_trading_organ.py")}
    proc, sent, run = train(tmp_path, table, "--from", str(cell))
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    said = [line for line in proc.stdout.splitlines() if "has no organ for trading_floor" in line]
    assert len(said) == 1 and "trading_floor starts from scratch" in said[0]
    assert sent[0].startswith("TASK: write a NEW organ for the domain trading_floor")
    assert RunLog(run).read_run()["warm_start"]["missing"] == ["trading_floor"]

    bad = tmp_path / "broken.json"
    bad.write_text("{ not a genome")
    env = dict(os.environ, FAKE_LLM_KEY="sk-test")
    for genome in (bad, tmp_path / "absent.json"):
        before = runs(tmp_path)
        proc = subprocess.run(STEM + ["train", "--domain", "trading", "--from", str(genome), "--config",
                                      str(tmp_path / "config.yaml")], env=env, capture_output=True, text=True,
                              timeout=120)
        assert proc.returncode == 2 and proc.stderr.count("\n") == 1 and str(genome) in proc.stderr
        assert runs(tmp_path) == before  # no run folder for a run that never started


def test_a_damaged_lessons_store_is_one_line_and_the_run_goes_on_without_lessons(tmp_path):
    path = tmp_path / "genomes" / "lessons" / "trading_floor.jsonl"
    path.parent.mkdir(parents=True)
    good = {"id": "0123456789", "domain": "trading_floor", "text": "A lesson that must not be half-read.",
            "tags": [], "kind": "model", "provenance": {"run": "experiment_old", "generation": 1}}
    damaged = json.dumps(good) + "\n" + json.dumps(good)[:40]
    path.write_text(damaged)
    table = {"CANDIDATE 1 of 1 in generation 1.": plan_step("ledger_snoops", "malicious_organ.py"),
             "CANDIDATE 1 of 1 in generation 2.": plan_step("ledger_solver", "correct_trading_organ.py")}
    proc, sent, run = train(tmp_path, table)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    warned = [e["message"] for e in RunLog(run).events() if e["event"] == "experience_warning"]
    assert len(warned) == 1 and "\n" not in warned[0] and "line 2 is not a JSON lesson entry" in warned[0]
    assert "goes on without lessons for trading_floor" in warned[0]
    assert proc.stdout.count("trading_floor.jsonl") == 1 and "warning: " in proc.stdout  # one warning, printed once
    assert all("LESSONS FROM EARLIER RUNS" not in p and "half-read" not in p for p in sent)
    assert path.read_text() == damaged  # left as it was for its owner; the run's new lesson went nowhere
    assert json.loads((run / "generation_001" / "lessons.json").read_text())["rules"] == 1
    listed = runner.invoke(app, ["lessons", "list", "trading", "--config", str(tmp_path / "config.yaml")])
    assert listed.exit_code == 2 and "stem lessons forget trading_floor" in listed.output


def test_a_plateau_asks_for_lessons_and_wakes_the_director(tmp_path):
    """Stagnation after one generation without a gain: the lesson call is told about the plateau, and
    the Director (every 9 generations, so only stagnation can wake it) speaks before generation 3."""
    table = {"TASK: LESSONS": Step(json.dumps({"lessons": [{"text": "A crash in the ledger loop loses every "
                                                                     "episode; guard missing prices.", "tags": ["crash"]}]})),
             "TASK: DIRECT": Step("Stop patching the memorised table; write the ledger from the rules."),
             "CANDIDATE 1 of 1 in generation 1.": plan_step("ledger_memoriser", "cheating_trading_organ.py"),
             "CANDIDATE 1 of 1 in generation 2.": plan_step("ledger_crashes", "crashing_organ.py"),
             "CANDIDATE 1 of 1 in generation 3.": plan_step("ledger_solver", "correct_trading_organ.py")}
    proc, sent, run = train(tmp_path, table, experience=", lessons: true, director_every: 9, critic: false",
                            evolution=", stagnation_generations: 1")
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert [c["purpose"] for c in calls(run)] == [
        "gen001:trading_floor:c1:new_organ", "gen002:trading_floor:c1:repair", "gen002:trading_floor:lesson",
        "gen003:trading_floor:director", "gen003:trading_floor:c1:immigrant"]
    lesson_prompt = sent[2]
    assert "OUTCOME: A PLATEAU: THE BEST TRAINING SCORE STOPPED RISING" in lesson_prompt
    assert "MEASURED: the best mean train score stayed at 0.86 for 1 generations of the domain" in lesson_prompt
    made = json.loads((run / "generation_002" / "lessons.json").read_text())
    assert made["outcome"] == "plateau" and made["lessons"][0]["provenance"]["outcome"].startswith("the best mean")
    assert json.loads((run / "generation_003" / "trace.json").read_text())["experience"]["director"] == \
        {"status": "answered", "reason": "the domain started to stagnate"}
    assert "Stop patching the memorised table" in sent[4]
