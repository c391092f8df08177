"""--executor ray on a local Ray instance: the same scripted run gives the same verdicts as the local
executor, and the turn files reach the run directory (transcripts read them)."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from stem.runlog import RunLog
from stem.turn_records import open_episode

from conftest import requires_isolation
from fake_openai import FakeOpenAI
from test_training_e2e import STEM, plan_step, routed, write_config

pytestmark = requires_isolation
ray = pytest.importorskip("ray", reason="the ray extra is not installed (pip install 'stem[ray]')")


def run_with(tmp: Path, *extra: str) -> Path:
    tmp.mkdir(parents=True, exist_ok=True)
    table = {"generation 1.": plan_step("ledger_memoriser", "cheating_trading_organ.py"),
             "generation 2.": plan_step("ledger_solver", "correct_trading_organ.py")}
    with FakeOpenAI(routed(table)) as srv:
        cfg = write_config(tmp, srv.url)
        proc = subprocess.run(STEM + ["train", "--domain", "trading", "--config", str(cfg), *extra],
                              env=dict(os.environ, FAKE_LLM_KEY="sk-test", RAY_ADDRESS=""),
                              capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return next((tmp / "logs").glob("experiment_*"))


def verdicts(run: Path) -> dict:
    out = {p.parent.name: json.loads(p.read_text()) for p in sorted(run.glob("generation_*/verdicts.json"))}
    out["validation"] = RunLog(run).read_run()["stage3"]["validation"]
    return out


def test_ray_executor_gives_the_local_verdicts(tmp_path):
    local = run_with(tmp_path / "local", "--executor", "local")
    remote = run_with(tmp_path / "ray", "--executor", "ray")
    assert RunLog(remote).read_run()["executor"] == "ray"
    assert verdicts(remote) == verdicts(local)
    shipped = open_episode(remote / "generation_001" / "episodes" / "c1" / "trading-s1001-d2")
    here = open_episode(local / "generation_001" / "episodes" / "c1" / "trading-s1001-d2")
    assert shipped.turns_kept and shipped.verdict == here.verdict
    assert [t.turn for t in shipped.turns()][0] == 1 and shipped.verdict is not None
    assert [t.observation for t in shipped.turns()] == [t.observation for t in here.turns()]
