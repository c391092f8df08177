"""The climb objective end to end on binpacking: real `stem train` processes, the real sandbox, a fake
OpenAI-compatible server on 127.0.0.1 answering by generation. The organs are the hand-written Best Fit
and First Fit fixtures in tests/fixtures/organs/ (baselines, not LLM-evolved).

Train seeds 1003-1004 at level 1 are chosen because Best Fit uses exactly the reference's bins on both
(it passes every train episode) while its score stays below 1.0 (the lower bound is not reached), so
`pass` must stop at once and `climb` must go on."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

from stem.benchmark.binpacking_reference import episode_instance, lower_bound, pack_best_fit, reference_bins
from stem.runlog import RunLog

from conftest import requires_isolation
from fake_openai import FakeOpenAI, Step
from test_evolution_e2e import traces
from test_training_e2e import ORGANS, STEM, plan_json, routed, write_config

pytestmark = requires_isolation
TRAIN = (1003, 1004)


def organ(name: str, fixture: str) -> Step:
    return Step(plan_json(organ_name=name, domain="binpacking", source=(ORGANS / fixture).read_text()))


ANSWERS = {"CANDIDATE 1 of 1 in generation 1.": organ("best_fit", "best_fit_binpacking_organ.py"),
           "CANDIDATE 1 of 1 in generation 2.": organ("first_fit", "first_fit_binpacking_organ.py"),
           "CANDIDATE 1 of 1 in generation 3.": organ("best_fit_again", "best_fit_binpacking_organ.py")}


def config(tmp: Path, url: str) -> Path:
    cfg = write_config(tmp, url, max_epochs=5, difficulties="[1]", evolution=", patience: 2, min_delta: 0.001")
    cfg.write_text(cfg.read_text().replace("train: {seed_start: 1000, count: 2}",
                                           f"train: {{seed_start: {TRAIN[0]}, count: 2}}"))
    return cfg


def train(cfg: Path, *args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, FAKE_LLM_KEY="sk-test", COLUMNS="200")
    return subprocess.run(STEM + ["train", "--domain", "bins", "--config", str(cfg), *args], env=env,
                          capture_output=True, text=True, timeout=600, cwd=cfg.parent)


def test_the_chosen_train_episodes_let_best_fit_pass_without_a_perfect_score():
    for seed in TRAIN:
        inst = episode_instance(seed, 1)
        bins = len(pack_best_fit(inst.sizes, inst.capacity))
        assert bins <= reference_bins(1, inst) and lower_bound(inst.sizes, inst.capacity) < bins


def test_climb_runs_past_a_passing_organ_and_stops_on_patience_and_replays_identically(tmp_path):
    with FakeOpenAI(routed(ANSWERS)) as srv:
        cfg = config(tmp_path, srv.url)
        proc = train(cfg, "--objective", "climb")
        prompts = [r["body"]["messages"][-1]["content"] for r in srv.requests]
    assert proc.returncode in (0, 1) and "Traceback" not in proc.stderr, proc.stdout[-2000:] + proc.stderr[-2000:]
    (run,) = sorted((tmp_path / "logs").glob("experiment_*"))
    state = RunLog(run).read_run()
    dstate = state["domain_state"]["binpacking"]
    assert dstate["objective"] == "climb" and dstate["done"] == "patience"
    gens = traces(run)
    assert len(gens) == 3 and len(prompts) == 3  # it went on after generation 1 passed every train episode
    first = gens[0]["candidates"][0]
    assert first["all_pass"] is True and first["score"] < 1.0
    # the later generations were no gain above min_delta: three generations, then patience
    history = dstate["best_history"]
    assert history[1] - history[0] <= 0.001 and history[2] == history[1]
    second = prompts[1]
    assert "OBJECTIVE (climb)" in second and "NUMBERS TO BEAT" in second
    assert f"mean score {first['score']:.4f}" in second and "bins_used 44" in second and "excess" in second
    assert "It passes every training episode; raise its score" in second
    shown = subprocess.run(STEM + ["logs", "show", run.name, "--config", str(cfg)], capture_output=True, text=True,
                           timeout=120)
    assert "binpacking (objective climb): stopped: no gain above evolution.min_delta" in " ".join(shown.stdout.split())
    replayed = train(cfg, "--objective", "climb", "--llm", "replay", "--replay-from", str(run))
    assert replayed.returncode == proc.returncode, replayed.stderr[-2000:]
    again = [r for r in sorted((tmp_path / "logs").glob("experiment_*")) if r != run][0]
    assert [g["candidates"] for g in traces(again)] == [g["candidates"] for g in gens]
    assert RunLog(again).read_run()["domain_state"] == state["domain_state"]


def test_pass_stops_at_the_first_organ_that_passes_every_train_episode(tmp_path):
    with FakeOpenAI(routed(ANSWERS)) as srv:
        proc = train(config(tmp_path, srv.url), "--objective", "pass")
        calls = len(srv.requests)
    assert proc.returncode in (0, 1) and "Traceback" not in proc.stderr, proc.stderr[-2000:]
    (run,) = sorted((tmp_path / "logs").glob("experiment_*"))
    dstate = RunLog(run).read_run()["domain_state"]["binpacking"]
    assert (dstate["objective"], dstate["done"], dstate["epochs"], calls) == ("pass", "all_train_pass", 1, 1)
