"""End to end: `stem train` as a real process against a fake OpenAI-compatible server on 127.0.0.1 serving
scripted plans. The organs in those plans are the hand-written fixtures in tests/fixtures/organs/ (a
crashing one, a malicious one, a correct one, a cheating one); none of them is LLM-evolved."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from stem.cli import app
from stem.genome_store import load_genome
from stem.runlog import RunLog
from stem.turn_records import open_episode

from conftest import ROOT, requires_isolation
from fake_openai import FakeOpenAI, Step, plan_json

ORGANS = ROOT / "tests" / "fixtures" / "organs"
STEM = [sys.executable, "-m", "stem.cli"]
runner = CliRunner()
pytestmark = requires_isolation


def plan_step(name: str, fixture: str, delay: float = 0.0, domain: str = "trading_floor") -> Step:
    return Step(plan_json(organ_name=name, domain=domain, mode="new_organ",
                          source=(ORGANS / fixture).read_text()), delay=delay)


def write_config(tmp: Path, url: str, *, max_epochs: int = 4, key_env: str = "FAKE_LLM_KEY",
                 max_calls: int = 50, difficulties: str = "[1, 2, 3, 4]", evolution: str = "",
                 llm: str = "", experience: str = ", lessons: false, director_every: 0, critic: false") -> Path:
    """A run's config for the fake endpoint. `experience` defaults to lessons, Director and Critic off,
    so a test of another mechanism counts only its own calls; tests of experience pass their own."""
    cfg = tmp / "config.yaml"
    cfg.write_text(f"""
paths: {{prompts: "{ROOT}/prompts", benchmarks: "{ROOT}/benchmarks", logs: "{tmp}/logs", genomes: "{tmp}/genomes"}}
benchmark:
  difficulties: {difficulties}
  splits: {{train: {{seed_start: 1000, count: 2}}, validation: {{seed_start: 5000, count: 2}},
           test: {{seed_floor: 1000000, count: 2}}}}
evolution: {{population: 1, max_epochs: {max_epochs}{experience}{evolution}}}
llm:
  profile: fake{llm}
  retry: {{max_attempts: 2, base_seconds: 0.01, max_seconds: 0.05}}
  budget: {{max_calls: {max_calls}, max_tokens: 10000000, max_usd: 100}}
  profiles:
    fake: {{base_url: "{url}", model: fake-model, api_key_env: {key_env}, timeout_seconds: 30,
           prices: {{prompt_per_mtok: 1.0, completion_per_mtok: 2.0}}}}
    replay: {{provider: replay}}
""")
    return cfg


def stem_train(cfg: Path, *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    env = dict(os.environ, FAKE_LLM_KEY="sk-test", COLUMNS="200")
    return subprocess.run(STEM + ["train", "--domain", "trading", "--config", str(cfg), *args], env=env,
                          capture_output=True, text=True, timeout=timeout, cwd=cfg.parent)


def only_run(tmp: Path) -> Path:
    runs = sorted((tmp / "logs").glob("experiment_*"))
    assert len(runs) == 1, runs
    return runs[0]


def user_prompt(request: dict) -> str:
    return request["body"]["messages"][-1]["content"]


@pytest.fixture(scope="module")
def accepted(tmp_path_factory):
    """The acceptance run: stem 0 % -> crash -> validator rejection -> pass -> mature cell."""
    tmp = tmp_path_factory.mktemp("accept")
    script = [plan_step("ledger_crashes", "crashing_organ.py"), plan_step("ledger_escapes", "malicious_organ.py"),
              plan_step("ledger_solver", "correct_trading_organ.py")]
    with FakeOpenAI(script) as srv:
        cfg = write_config(tmp, srv.url)
        proc = stem_train(cfg)
    return {"tmp": tmp, "cfg": cfg, "proc": proc, "requests": srv.requests, "run": only_run(tmp)}


def test_acceptance_flow_from_stem_to_mature_cell(accepted):
    proc, run = accepted["proc"], accepted["run"]
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    state = RunLog(run).read_run()
    assert state["status"] == "finished"
    assert (state["stage1"]["passed"], state["stage1"]["total"]) == (0, 2)
    assert all("unverifiable_inference" in e["tags"] for e in state["stage1"]["validation"])
    statuses = [json.loads((run / f"generation_{g:03d}" / "trace.json").read_text())["candidates"][0]["status"]
                for g in (1, 2, 3)]
    assert statuses == ["evaluated", "rejected", "evaluated"]
    gen1 = json.loads((run / "generation_001" / "verdicts.json").read_text())["c1"]
    assert all(v["tags"] == ["runtime_exception"] for v in gen1.values())
    s3 = state["stage3"]
    assert s3["validation_passed"] == s3["validation_total"] == 2 and s3["test_passed"] == s3["test_total"] == 2
    assert len(state["test_seeds"]) == 2 and all(s >= 1_000_000 for s in state["test_seeds"])
    mature = accepted["tmp"] / "genomes" / "mature_cell.json"
    genome = load_genome(mature)
    assert list(genome.capabilities) == ["trading_floor"]
    assert genome.capabilities["trading_floor"].organ.name.endswith("ledger_solver")


def test_scars_and_rejections_reach_the_next_prompts(accepted):
    reqs = accepted["requests"]
    assert len(reqs) == 3
    first, second, third = (user_prompt(r) for r in reqs)
    assert "SCARS (failures of earlier organs, de-duplicated):\n(none yet)" in first
    assert "runtime/runtime_exception" in second and "KeyError: 'price' (organ line 5)" in second
    rejected_part = third[third.index("PROPOSALS ALREADY REJECTED"):]
    assert "ledger_escapes" in rejected_part and "import_not_allowed" in rejected_part
    assert "validate/validator_rejection" in third
    for prompt in (first, second, third):
        assert "ORGAN CONTRACT" in prompt and "def run(observation: dict) -> dict" in prompt


def test_prompts_never_carry_held_out_private_data(accepted):
    state = RunLog(accepted["run"]).read_run()
    everything = json.dumps([r["body"] for r in accepted["requests"]])
    held_out = [e["episode"] for e in state["stage3"]["validation"] + state["stage3"]["test"]]
    assert not any(eid in everything for eid in held_out)
    from stem.benchmark import domains
    for eid in state["split_ids"]["validation"]["trading_floor"]:
        _, seed, level = domains.parse_generated_id(eid)
        expected = domains.generate("trading", seed, level).private["expected"]
        assert expected["final_cash"] not in everything


def test_run_directory_layout(accepted):
    run = accepted["run"]
    for name in ("run.json", "events.jsonl", "phenotypic_scars.json", "genome.json", "llm/calls.jsonl"):
        assert (run / name).is_file(), name
    for g in (1, 2, 3):
        for name in ("plan.json", "validation.json", "verdicts.json", "genome.json", "trace.json"):
            assert (run / f"generation_{g:03d}" / name).is_file()
    assert (run / "generation_001" / "organ.py").is_file() and not (run / "generation_002" / "organ.py").exists()
    assert sorted(p.name for p in (run / "episodes").iterdir()) == ["stage1_validation", "stage3_test", "stage3_validation"]
    # one record per episode; logs.keep_turns (default failing) keeps the turns of the episodes that failed
    passed = [open_episode(p) for p in sorted((run / "episodes" / "stage3_validation").iterdir())]
    assert passed and all(r.verdict["success"] and not r.turns_kept and not r.all_turns() for r in passed)
    failed = [open_episode(p) for p in sorted((run / "episodes" / "stage1_validation").iterdir())]
    assert failed and all(not r.verdict["success"] and r.turns_kept and r.all_turns() for r in failed)
    assert (run / "blobs").is_dir()  # the values every record shares (rules text, ...) are stored once
    assert len((run / "llm" / "calls.jsonl").read_text().splitlines()) == 3
    events = [e["event"] for e in RunLog(run).events()]
    assert events[0] == "run_started" and events[-1] == "finished" and events.count("generation_done") == 3


def test_infer_passes_the_trading_task_and_fails_biology(accepted):
    mature = str(accepted["tmp"] / "genomes" / "mature_cell.json")
    ok = subprocess.run(STEM + ["infer", "--genome", mature, "--task-file",
                                str(ROOT / "examples/inference/public/trade_infer_001/manifest.json"), "--json"],
                        capture_output=True, text=True, timeout=120)
    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout)["verdict"]["success"] is True
    bio = subprocess.run(STEM + ["infer", "--genome", mature, "--task-file",
                                 str(ROOT / "examples/inference/public/biology_fail_001/manifest.json"), "--json"],
                         capture_output=True, text=True, timeout=120)
    assert bio.returncode == 1
    verdict = json.loads(bio.stdout)["verdict"]
    assert verdict["tags"] == ["unverifiable_inference"] and "biology_lab" in verdict["critique"]


def test_infer_benchmark_split(accepted):
    mature = str(accepted["tmp"] / "genomes" / "mature_cell.json")
    result = runner.invoke(app, ["infer", "-g", mature, "-b", "validation", "-d", "trading", "--json",
                                 "--config", str(accepted["cfg"])])
    assert result.exit_code == 0, result.output
    assert [e["success"] for e in json.loads(result.output)["episodes"]] == [True, True]


def test_logs_views_through_the_cli(accepted):
    cfg = ["--config", str(accepted["cfg"])]
    listed = json.loads(runner.invoke(app, ["logs", "list", "--json", *cfg]).output)
    assert listed[0]["status"] == "finished" and listed[0]["mature"] is True and listed[0]["generations"] == 3
    shown = json.loads(runner.invoke(app, ["logs", "show", "latest", "--json", *cfg]).output)
    assert [g["candidates"][0]["status"] for g in shown["generations"]] == ["evaluated", "rejected", "evaluated"]
    assert shown["warnings"] == []
    scars = json.loads(runner.invoke(app, ["logs", "scars", "latest", "--json", *cfg]).output)
    assert {s["phase"] for s in scars} == {"runtime", "validate"}
    lineage = json.loads(runner.invoke(app, ["logs", "lineage", "latest", "--json", *cfg]).output)
    assert lineage["genome"]["capabilities"]["trading_floor"]["generation"] == 3
    organ = json.loads(runner.invoke(app, ["logs", "organ", "latest", "3", "--json", *cfg]).output)
    assert "def run(observation)" in organ["source"]
    diff = json.loads(runner.invoke(app, ["logs", "diff", "latest", "1", "3", "--json", *cfg]).output)
    assert any(line.startswith("+from itertools import combinations") for line in diff["diff"])
    text = runner.invoke(app, ["logs", "show", "latest", *cfg])
    assert text.exit_code == 0 and "Stage 3: hidden test 2/2" in text.output
    missing = runner.invoke(app, ["logs", "organ", "latest", "2", *cfg])
    assert missing.exit_code == 2 and "no selected organ" in missing.output


def test_replay_reproduces_the_run_with_zero_network(accepted):
    tmp = accepted["tmp"]
    proc = stem_train(accepted["cfg"], "--llm", "replay", "--replay-from", str(accepted["run"]))
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    runs = sorted((tmp / "logs").glob("experiment_*"))
    original, replayed = (RunLog(r).read_run() for r in runs[:2])
    assert replayed["llm"]["profile"] == "replay"

    def outcome(run_dir: Path, state: dict) -> dict:
        traces = [json.loads((run_dir / f"generation_{g:03d}" / "trace.json").read_text()) for g in (1, 2, 3)]
        return {"candidates": [t["candidates"] for t in traces], "selected": [t["selected"] for t in traces],
                "stage3": state["stage3"], "test_seeds": state["test_seeds"],
                "genome": json.loads((run_dir / "genome.json").read_text())}
    assert outcome(runs[1], replayed) == outcome(runs[0], original)
    plans = [json.loads((r / "generation_003" / "plan.json").read_text())[0]["plan"] for r in runs[:2]]
    assert plans[0] == plans[1]


def test_cheating_organ_is_exposed_by_the_hidden_split(tmp_path):
    with FakeOpenAI([plan_step("ledger_memoriser", "cheating_trading_organ.py")]) as srv:
        cfg = write_config(tmp_path, srv.url, max_epochs=1)
        proc = stem_train(cfg)
    assert proc.returncode == 1, proc.stdout[-2000:] + proc.stderr[-2000:]
    run = only_run(tmp_path)
    verdicts = json.loads((run / "generation_001" / "verdicts.json").read_text())["c1"]
    assert verdicts["trading-s1000-d1"]["success"] is True
    assert verdicts["trading-s1001-d2"]["success"] is False
    state = RunLog(run).read_run()
    assert state["stage3"]["test_passed"] == 0 and state["mature"]["written"] is False
    assert not (tmp_path / "genomes" / "mature_cell.json").exists()
    shown = runner.invoke(app, ["logs", "show", run.name, "--config", str(cfg)])
    assert shown.exit_code == 0
    flat = " ".join(shown.output.split())
    assert "WARNING" in flat and "passes 1/2 train episodes but 0/4 held-out" in flat
    assert "hidden test 0/2" in flat


def test_kill_9_during_generation_2_then_resume(tmp_path):
    script = [plan_step("ledger_crashes", "crashing_organ.py"),
              plan_step("ledger_slow", "correct_trading_organ.py", delay=5.0),  # the process dies waiting for this
              plan_step("ledger_solver", "correct_trading_organ.py")]
    with FakeOpenAI(script) as srv:
        cfg = write_config(tmp_path, srv.url)
        env = dict(os.environ, FAKE_LLM_KEY="sk-test")
        proc = subprocess.Popen(STEM + ["train", "--domain", "trading", "--config", str(cfg)], env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + 120
        run = None
        while time.monotonic() < deadline:
            runs = list((tmp_path / "logs").glob("experiment_*"))
            if runs and any(e["event"] == "generation_start" and e["generation"] == 2 for e in RunLog(runs[0]).events()):
                run = runs[0]
                break
            time.sleep(0.1)
        assert run is not None, "generation 2 never started"
        time.sleep(0.5)
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
        state = RunLog(run).read_run()
        assert state["status"] == "running" and state["progress"]["generation"] == 1
        assert (run / "generation_002").is_dir()  # unfinished work on disk
        resumed = stem_train(cfg, "--resume", str(run))
    assert resumed.returncode == 0, resumed.stdout[-3000:] + resumed.stderr[-3000:]
    state = RunLog(run).read_run()
    assert state["status"] == "finished" and state["progress"]["generation"] == 2, resumed.stdout[-3000:]
    assert sorted(p.name for p in run.glob("generation_*")) == ["generation_001", "generation_002"], \
        (run / "generation_002" / "verdicts.json").read_text()[:3000] + resumed.stdout[-1500:]
    done = [e["generation"] for e in RunLog(run).events() if e["event"] == "generation_done"]
    assert done == [1, 2]
    assert [s["generation"] for s in json.loads((run / "phenotypic_scars.json").read_text())].count(1) >= 1
    assert json.loads((run / "generation_002" / "trace.json").read_text())["selected"].endswith("ledger_solver")
    assert (tmp_path / "genomes" / "mature_cell.json").is_file()


def test_without_a_key_stage_1_runs_then_one_line_stop(tmp_path):
    cfg = write_config(tmp_path, "http://127.0.0.1:9/v1", key_env="STEM_TEST_ABSENT_KEY")
    env = {k: v for k, v in os.environ.items() if k != "STEM_TEST_ABSENT_KEY"}
    proc = subprocess.run(STEM + ["train", "--domain", "trading", "--config", str(cfg)], env=env,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    err = proc.stderr.strip().splitlines()
    assert len(err) == 1 and "'fake'" in err[0] and "STEM_TEST_ABSENT_KEY" in err[0]
    assert "--llm ollama" in err[0] and "--llm command" in err[0] and "--llm replay" in err[0]
    assert "then continue with: stem train --resume" in err[0]  # Stage 1 is kept
    assert "Traceback" not in proc.stderr
    state = RunLog(only_run(tmp_path)).read_run()
    assert state["stage1"]["total"] == 2 and state["status"] == "stopped"


def test_budget_cap_stops_stage_2_cleanly(tmp_path):
    with FakeOpenAI([plan_step("ledger_crashes", "crashing_organ.py")] * 3) as srv:
        cfg = write_config(tmp_path, srv.url, max_calls=1)
        proc = stem_train(cfg)
        assert len(srv.requests) == 1
    assert proc.returncode == 1
    state = RunLog(only_run(tmp_path)).read_run()
    assert state["stage2"]["stop_reason"] == "budget: LLM call budget reached: 1 of 1 calls"
    assert state["status"] == "finished" and state["progress"]["generation"] == 1
    assert "NOT written" in state["mature"]["message"]
    assert sorted(p.name for p in only_run(tmp_path).glob("generation_*")) == ["generation_001"]


def test_tampered_organ_refuses_to_load(accepted, tmp_path):
    import shutil
    target = tmp_path / "genomes"
    shutil.copytree(accepted["tmp"] / "genomes", target)
    organ = next((target / "skills").glob("*.py"))
    organ.write_text(organ.read_text() + "\n# edited\n")
    result = runner.invoke(app, ["infer", "-g", str(target / "mature_cell.json"), "-t",
                                 str(ROOT / "examples/inference/public/trade_infer_001")])
    assert result.exit_code == 2 and "does not match its sha256" in result.output


def routed(table: dict[str, Step]):
    """A responder for concurrent requests: the Step whose key appears in the request's user prompt."""
    def respond(body: dict) -> Step:
        prompt = body["messages"][-1]["content"]
        for key, step in table.items():
            if key in prompt:
                return step
        return Step(status=500, content="no scripted answer for this prompt")
    return respond


def train_routed(tmp: Path, table: dict[str, Step], *args: str, **config) -> tuple[subprocess.CompletedProcess, list[str]]:
    """`stem train --domain trading ARGS` against a server answering by prompt content; the prompts sent."""
    with FakeOpenAI(routed(table)) as srv:
        proc = stem_train(write_config(tmp, srv.url, **config), *args)
        prompts = [user_prompt(r) for r in srv.requests]
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    return proc, prompts


def test_population_selection_and_repair_prompt_with_parent_failures(tmp_path):
    """Gen 1 (population 2): a crashing organ, then a memorising one; the memoriser becomes the
    parent, so gen 2's repair candidate sees its source and failing checks, beside an immigrant."""
    table = {"CANDIDATE 1 of 2 in generation 1.": plan_step("ledger_crashes", "crashing_organ.py"),
             "CANDIDATE 2 of 2 in generation 1.": plan_step("ledger_memoriser", "cheating_trading_organ.py"),
             "Your role: repair of": plan_step("ledger_solver", "correct_trading_organ.py"),
             "Your role: a fresh organ": plan_step("ledger_crashes_again", "crashing_organ.py")}
    _, prompts = train_routed(tmp_path, table, "--population", "2")
    run = only_run(tmp_path)
    gen1 = json.loads((run / "generation_001" / "trace.json").read_text())
    assert [(c["status"], c["role"]) for c in gen1["candidates"]] == [("evaluated", "new_organ")] * 2
    assert gen1["selected"].endswith("ledger_memoriser")
    gen2 = json.loads((run / "generation_002" / "trace.json").read_text())
    assert [(c["role"], len(c["parents"])) for c in gen2["candidates"]] == [("repair", 1), ("immigrant", 0)]
    assert gen2["candidates"][0]["parents"][0].endswith("ledger_memoriser")
    assert gen2["selected"].endswith("ledger_solver")
    assert len(prompts) == 4 and len(set(prompts)) == 4  # every candidate its own prompt
    repair = next(p for p in prompts if "Your role: repair of" in p)
    assert repair.startswith("TASK: REPAIR the organ for the domain trading_floor")
    assert "MEMORISED = {" in repair  # the parent's source
    assert "trading-s1001-d2" in repair and "expected:" in repair and "actual:" in repair
    assert "EPISODE trading-s1001-d2" in repair and "organ artifact:" in repair  # the transcript
    genome = json.loads((run / "genome.json").read_text())["capabilities"]["trading_floor"]
    assert genome["lineage"][0].endswith("ledger_memoriser") and genome["lineage"][-1].endswith("ledger_solver")
    front = RunLog(run).read_run()["front"]["trading_floor"]
    assert front[0]["organ"]["name"].endswith("ledger_solver") and len(front) == 1  # the solver dominates


def test_resume_of_something_that_is_not_a_run_is_one_line(tmp_path):
    cfg = write_config(tmp_path, "http://127.0.0.1:9/v1")
    result = runner.invoke(app, ["train", "--resume", str(tmp_path / "nope"), "--config", str(cfg)])
    assert result.exit_code == 2 and "run record not found" in result.output
    assert not (tmp_path / "logs").exists() or not list((tmp_path / "logs").iterdir())


def test_ctrl_c_leaves_a_resumable_run_and_one_line(tmp_path):
    with FakeOpenAI([plan_step("ledger_slow", "correct_trading_organ.py", delay=5.0)]) as srv:
        cfg = write_config(tmp_path, srv.url)
        env = dict(os.environ, FAKE_LLM_KEY="sk-test")
        proc = subprocess.Popen(STEM + ["train", "--domain", "trading", "--config", str(cfg)], env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            runs = list((tmp_path / "logs").glob("experiment_*"))
            if runs and any(e["event"] == "generation_start" for e in RunLog(runs[0]).events()):
                break
            time.sleep(0.1)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=60)
    assert proc.returncode == 2
    assert err.strip().splitlines()[-1].startswith("error: interrupted; continue with: stem train --resume")
    assert "Traceback" not in err
    assert RunLog(only_run(tmp_path)).read_run()["status"] == "interrupted"


def test_several_domains_learn_cumulatively_and_keep_other_organs(tmp_path):
    """One run over three domains (levels 1-2, where probing every candidate is allowed), then a
    trading-only run whose mature cell keeps the matrix and security organs of the first. (`all`
    would add binpacking, whose pass bar no fixture organ meets.)"""
    script = [plan_step("graph_walker", "correct_matrix_organ.py", domain="matrix_database"),
              plan_step("vector_prober", "correct_security_organ.py", domain="security_sandbox"),
              plan_step("ledger_solver", "correct_trading_organ.py")]
    with FakeOpenAI(script) as srv:
        cfg = write_config(tmp_path, srv.url, difficulties="[1, 2]")
        env = dict(os.environ, FAKE_LLM_KEY="sk-test")
        proc = subprocess.run(STEM + ["train", "--domain", "matrix,security,trading", "--config", str(cfg)], env=env,
                              capture_output=True, text=True, timeout=600)
        prompts = [user_prompt(r) for r in srv.requests]
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert [p.splitlines()[0] for p in prompts] == [f"TASK: write a NEW organ for the domain {d}. The current genome "
                                                    "has no organ for it." for d in
                                                    ("matrix_database", "security_sandbox", "trading_floor")]
    state = RunLog(only_run(tmp_path)).read_run()
    assert (state["stage3"]["validation_passed"], state["stage3"]["validation_total"]) == (6, 6)
    assert state["stage3"]["test_passed"] == 6
    mature = load_genome(tmp_path / "genomes" / "mature_cell.json")
    assert sorted(mature.capabilities) == ["matrix_database", "security_sandbox", "trading_floor"]

    with FakeOpenAI([plan_step("ledger_solver_two", "correct_trading_organ.py")]) as srv:
        cfg = write_config(tmp_path, srv.url, difficulties="[1, 2]")
        proc = stem_train(cfg)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    mature = load_genome(tmp_path / "genomes" / "mature_cell.json")
    assert sorted(mature.capabilities) == ["matrix_database", "security_sandbox", "trading_floor"]
    assert mature.capabilities["trading_floor"].organ.name.endswith("ledger_solver_two")
    assert mature.capabilities["matrix_database"].organ.name.endswith("graph_walker")


def test_an_unparseable_plan_becomes_a_scar_in_the_next_prompt(tmp_path):
    script = [Step("I would write a ledger organ."), Step("Still prose, no JSON."),
              plan_step("ledger_solver", "correct_trading_organ.py")]
    with FakeOpenAI(script) as srv:
        cfg = write_config(tmp_path, srv.url)
        proc = stem_train(cfg)
        prompts = [user_prompt(r) for r in srv.requests]
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert len(prompts) == 3  # plan, its one repair round-trip, then generation 2
    scars = prompts[2][prompts[2].index("SCARS"):prompts[2].index("PROPOSALS ALREADY")]
    assert "gen 1 llm/unparseable_plan in trading_floor__g001c1" in scars
    assert "trading_floor__g001c1: answer was not a valid TransformationPlan" in prompts[2]
