"""The learning loop end to end: real `stem train` processes, the real sandbox, and a fake
OpenAI-compatible server on 127.0.0.1 that answers by what each prompt asks (concurrent requests
arrive in no fixed order). Organs in the answers are the hand-written fixtures in
tests/fixtures/organs/ (correct, crashing, cheating); none is LLM-evolved. The second cheating
organ is written by a test from the first, memorising another training episode."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

from typer.testing import CliRunner

from stem.benchmark import domains
from stem.cli import app
from stem.runlog import RunLog
from stem.training import private_literals
from stem.turn_records import open_episode

from conftest import artifact_of, requires_isolation
from fake_openai import FakeOpenAI, Step, plan_json
from test_training_e2e import (ORGANS, STEM, only_run, plan_step, routed, stem_train, train_routed, user_prompt,
                               write_config)

runner = CliRunner()
pytestmark = requires_isolation


def traces(run: Path) -> list[dict]:
    return [json.loads(p.read_text()) for p in sorted(run.glob("generation_*/trace.json"))]


def assert_no_held_out_data(prompts: list[str], run: Path) -> None:
    """No validation/test episode id and no expected value of a held-out episode in any prompt."""
    state = RunLog(run).read_run()
    everything = "\n".join(prompts)
    held = [e["episode"] for e in (state["stage3"] or {}).get("validation", []) + (state["stage3"] or {}).get("test", [])]
    held += [e for ids in state["split_ids"]["validation"].values() for e in ids]
    assert held and not any(eid in everything for eid in held)
    held_eps = [domains.generate(*domains.parse_generated_id(eid)) for eid in held]
    secret = private_literals(held_eps)  # expected strings of held-out episodes that no public file reveals
    assert not [s for s in secret if s in everything]


def test_a_first_answer_that_passes_makes_exactly_one_call_and_matures(tmp_path):
    with FakeOpenAI([plan_step("ledger_solver", "correct_trading_organ.py")] * 3) as srv:
        cfg = write_config(tmp_path, srv.url)
        proc = stem_train(cfg, "--population", "3")
        prompts = [user_prompt(r) for r in srv.requests]
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert len(prompts) == 1
    run = only_run(tmp_path)
    state = RunLog(run).read_run()
    assert state["calls_saved"] == 2 and state["llm_usage"]["calls"] == 1
    gen1 = traces(run)[0]
    assert [c["status"] for c in gen1["candidates"]] == ["evaluated", "saved", "saved"] and gen1["saved"] == 2
    assert (tmp_path / "genomes" / "mature_cell.json").is_file()
    shown = runner.invoke(app, ["logs", "show", run.name, "--config", str(cfg)])
    assert "saved by early stop: 2" in " ".join(shown.output.split())
    # every prompt shows real observations of a train episode: the data shapes are never guessed
    assert "OBSERVATIONS AS THE ORGAN RECEIVES THEM" in prompts[0] and '"market_rows": [' in prompts[0]
    assert_no_held_out_data(prompts, run)


def test_early_stop_inside_a_generation_leaves_later_waves_unsent(tmp_path):
    """llm.concurrency 1: gen 1 (scout, then two more) all crash; in gen 2 candidate 1 passes, so
    candidates 2 and 3 are never requested."""
    table = {"generation 1.": plan_step("ledger_crashes", "crashing_organ.py"),
             "CANDIDATE 1 of 3 in generation 2.": plan_step("ledger_solver", "correct_trading_organ.py"),
             "generation 2.": plan_step("ledger_crashes_again", "crashing_organ.py")}
    _, prompts = train_routed(tmp_path, table, "--population", "3", llm="\n  concurrency: 1")
    assert len(prompts) == 4 and sum("generation 2." in p for p in prompts) == 1
    gen2 = traces(only_run(tmp_path))[1]
    assert [c["status"] for c in gen2["candidates"]] == ["evaluated", "saved", "saved"]
    assert RunLog(only_run(tmp_path)).read_run()["calls_saved"] == 2


def test_security_repair_prompt_shows_the_failing_episode_turn_by_turn(tmp_path):
    """The probe-everything organ spends the budget of level 3-4 episodes; the repair prompt must show
    what arrived when, what was probed and answered, the notes on the spent budget, and target.py."""
    table = {"generation 1.": plan_step("vector_prober", "correct_security_organ.py", domain="security_sandbox"),
             "generation 2.": plan_step("vector_prober_crashes", "crashing_organ.py", domain="security_sandbox")}
    with FakeOpenAI(routed(table)) as srv:
        cfg = write_config(tmp_path, srv.url, difficulties="[3, 4]", max_epochs=2)
        env = dict(os.environ, FAKE_LLM_KEY="sk-test")
        proc = subprocess.run(STEM + ["train", "--domain", "security", "--config", str(cfg)], env=env,
                              capture_output=True, text=True, timeout=300)
        prompts = [user_prompt(r) for r in srv.requests]
    assert proc.returncode == 1, proc.stdout[-2000:] + proc.stderr[-2000:]
    run = only_run(tmp_path)
    repair = prompts[1]
    assert repair.startswith("TASK: REPAIR the organ for the domain security_sandbox")
    failing = [e for e in RunLog(run).read_run()["split_ids"]["train"]["security_sandbox"]]
    shown = [eid for eid in failing if f"EPISODE {eid}" in repair]
    assert shown, "no failing episode transcribed"
    eid = shown[0]
    _, seed, level = domains.parse_generated_id(eid)
    ep = domains.generate("security", seed, level)
    turns = open_episode(run / "generation_001" / "episodes" / "c1" / eid).all_turns()
    first_window = turns[1].observation["delta"]["candidates"]
    assert f"delta.candidates = list of {len(first_window)}: {json.dumps(first_window, ensure_ascii=False)}" in repair
    probed = turns[1].result["probe_results"]
    for item in probed:
        assert f"environment ran target({json.dumps(item['vector'], ensure_ascii=False)}) -> " \
               f"{json.dumps(item['result'], ensure_ascii=False)}" in repair
    assert "environment note: probe budget of" in repair and '"left": 0' in repair
    assert f"--- target.py (in full) ---\n{ep.public_files['target.py'].rstrip()}\n--- end of target.py ---" in repair
    assert "PARENT'S RESULT ON EACH TRAINING EPISODE:" in repair and f"- {eid} (level {level}): FAIL" in repair
    assert '"probe_status"' in prompts[0] and '"budget":' in prompts[0]  # observations carry the budget
    assert_no_held_out_data(prompts, run)


def test_concurrent_requests_overlap_and_replay_is_identical(tmp_path):
    """Population 3: gen 1 is a scout, then two together; gen 2 sends all three together (each held
    by the server), evaluates them as they come, and writes everything in candidate order."""
    table = {"CANDIDATE 1 of 3 in generation 1.": plan_step("ledger_crashes", "crashing_organ.py"),
             "CANDIDATE 2 of 3 in generation 1.": plan_step("ledger_crashes_b", "crashing_organ.py", delay=0.8),
             "CANDIDATE 3 of 3 in generation 1.": plan_step("ledger_crashes_c", "crashing_organ.py", delay=0.8),
             "CANDIDATE 2 of 3 in generation 2.": plan_step("ledger_solver", "correct_trading_organ.py", delay=1.5),
             "generation 2.": plan_step("ledger_crashes_again", "crashing_organ.py", delay=1.5)}
    with FakeOpenAI(routed(table)) as srv:
        cfg = write_config(tmp_path, srv.url)
        proc = stem_train(cfg, "--population", "3")
        reqs = list(srv.requests)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert len(reqs) == 6
    gen1_rest = [r for r in reqs if "generation 1." in user_prompt(r) and "CANDIDATE 1 of" not in user_prompt(r)]
    gen2 = [r for r in reqs if "generation 2." in user_prompt(r)]
    for group in (gen1_rest, gen2):  # every request of the group was in flight while every other was
        assert max(r["at"] for r in group) < min(r["done"] for r in group)
    scout = next(r for r in reqs if "CANDIDATE 1 of 3 in generation 1." in user_prompt(r))
    assert scout["done"] <= min(r["at"] for r in gen1_rest)  # the scout went alone, first
    run = only_run(tmp_path)
    gen2_trace = traces(run)[1]
    assert [c["candidate"] for c in gen2_trace["candidates"]] == [1, 2, 3]
    assert gen2_trace["selected"].endswith("ledger_solver")

    replay = stem_train(cfg, "--llm", "replay", "--replay-from", str(run))
    assert replay.returncode == 0, replay.stdout[-2000:] + replay.stderr[-2000:]
    runs = sorted((tmp_path / "logs").glob("experiment_*"))

    def outcome(r: Path) -> dict:
        ts = traces(r)
        state = RunLog(r).read_run()
        return {"candidates": [[{k: v for k, v in c.items()} for c in t["candidates"]] for t in ts],
                "prompts": [t["prompts"] for t in ts], "front": state["front"], "stage3": state["stage3"],
                "genome": json.loads((r / "genome.json").read_text()),
                "plans": [json.loads(p.read_text()) for p in sorted(r.glob("generation_*/plan.json"))]}
    assert outcome(runs[1]) == outcome(runs[0])


def memorising_organ(episode_id: str) -> str:
    """A second CHEATING fixture, made from the first: it memorises another training episode."""
    from stem.benchmark.domains import generate, parse_generated_id
    domain, seed, level = parse_generated_id(episode_id)
    memorised = artifact_of(generate(domain, seed, level))
    text = (ORGANS / "cheating_trading_organ.py").read_text()
    head, _, tail = text.partition("MEMORISED = ")
    body = tail[tail.index("\n\n\ndef run"):]
    return head + "MEMORISED = " + repr(memorised) + body


def test_crossover_of_two_specialists_and_lineage_shows_both(tmp_path):
    """Gen 1: two memorisers, each passing a different train episode: both stay on the Pareto front.
    Gen 2: the crossover candidate gets both sources and per-episode results; its child passes all."""
    second = plan_json(organ_name="ledger_memoriser_b", domain="trading_floor", mode="new_organ",
                       source=memorising_organ("trading-s1001-d2"))
    table = {"CANDIDATE 1 of 2 in generation 1.": plan_step("ledger_memoriser_a", "cheating_trading_organ.py"),
             "CANDIDATE 2 of 2 in generation 1.": Step(second),
             "Your role: crossover of": plan_step("ledger_merged", "correct_trading_organ.py"),
             "Your role: repair of": plan_step("ledger_crashes", "crashing_organ.py")}
    _, prompts = train_routed(tmp_path, table, "--population", "2")
    cfg = tmp_path / "config.yaml"
    run = only_run(tmp_path)
    gen1, gen2 = traces(run)
    front_after_1 = [m["organ"] for m in gen1["front"]]
    assert sorted(o.split("__")[-1] for o in front_after_1) == ["ledger_memoriser_a", "ledger_memoriser_b"]
    assert [c["role"] for c in gen2["candidates"]] == ["repair", "crossover"]
    cross = next(p for p in prompts if "Your role: crossover of" in p)
    assert cross.startswith("TASK: CROSSOVER for the domain trading_floor")
    assert "PARENT A (" in cross and "PARENT B (" in cross and cross.count("MEMORISED = ") == 2
    assert "- trading-s1000-d1 (level 1): A pass 1.00 | B FAIL" in cross
    assert "- trading-s1001-d2 (level 2): A FAIL" in cross and "| B pass 1.00" in cross
    merged = gen2["candidates"][1]
    assert sorted(p.split("__")[-1] for p in merged["parents"]) == ["ledger_memoriser_a", "ledger_memoriser_b"]
    genome = json.loads((run / "genome.json").read_text())["capabilities"]["trading_floor"]
    assert [n.split("__")[-1] for n in genome["lineage"]][-1] == "ledger_merged"
    assert {n.split("__")[-1] for n in genome["lineage"][:-1]} == {"ledger_memoriser_a", "ledger_memoriser_b"}
    lineage = runner.invoke(app, ["logs", "lineage", run.name, "--config", str(cfg)], env={"COLUMNS": "240"})
    flat = " ".join(lineage.output.split())
    assert lineage.exit_code == 0 and "c2 crossover of trading_floor__g001c1__ledger_memoriser_a x " \
                                      "trading_floor__g001c2__ledger_memoriser_b -> " in flat
    events = [e for e in RunLog(run).events() if e["event"] == "generation_done"]
    assert events[1]["candidates"][1]["role"] == "crossover" and len(events[1]["candidates"][1]["parents"]) == 2
    plan = json.loads((run / "generation_002" / "plan.json").read_text())
    assert plan[1]["role"] == "crossover" and len(plan[1]["parents"]) == 2
    assert_no_held_out_data(prompts, run)


def test_stagnation_switches_to_immigrants_and_names_what_plateaued(tmp_path):
    """Population 1, patience 1: gen 2's repair does not raise the best score, so gen 3 is an
    immigrant whose prompt lists the plateaued approach."""
    table = {"generation 1.": plan_step("ledger_memoriser", "cheating_trading_organ.py"),
             "generation 2.": plan_step("ledger_crashes", "crashing_organ.py"),
             "generation 3.": plan_step("ledger_solver", "correct_trading_organ.py")}
    _, prompts = train_routed(tmp_path, table, evolution=", stagnation_generations: 1")
    gens = traces(only_run(tmp_path))
    assert [(g["stagnating"], g["candidates"][0]["role"]) for g in gens] == \
        [(False, "new_organ"), (False, "repair"), (True, "immigrant")]
    third = prompts[2]
    assert third.startswith("TASK: write a NEW organ for the domain trading_floor. Organs for it exist")
    assert "APPROACHES THAT PLATEAUED (the best training score has not risen for 1 generations" in third
    assert "trading_floor__g001c1__ledger_memoriser (generation 1, new_organ): score" in third
    assert "Your role: a fresh organ unlike the current ones (immigrant)." in third
    started = [e for e in RunLog(only_run(tmp_path)).events() if e["event"] == "generation_start"]
    assert [e["stagnating"] for e in started] == [False, False, True]
