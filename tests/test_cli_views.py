"""Terminal views of runs: `stem logs plot` and `stem logs compare` (charts and --json numbers),
--quiet, --verbose and NO_COLOR, through the real CLI on runs made by real `stem train` processes."""

from __future__ import annotations

import json
import os
import re
import subprocess

import pytest
from typer.testing import CliRunner

from stem.cli import app

from conftest import requires_isolation
from test_training_e2e import STEM, plan_step, train_routed

pytestmark = requires_isolation
runner = CliRunner()


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory):
    """A 3-generation run (memoriser, a crash, the solver) and a one-call run, in one logs folder."""
    tmp = tmp_path_factory.mktemp("views")
    three = {"generation 1.": plan_step("ledger_memoriser", "cheating_trading_organ.py"),
             "generation 2.": plan_step("ledger_crashes", "crashing_organ.py"),
             "generation 3.": plan_step("ledger_solver", "correct_trading_organ.py")}
    train_routed(tmp, three)
    train_routed(tmp, {"generation 1.": plan_step("ledger_solver", "correct_trading_organ.py")}, "--population", "3")
    runs = sorted((tmp / "logs").glob("experiment_*"))
    assert len(runs) == 2
    return tmp / "config.yaml", runs


def test_plot_prints_score_and_usage_charts_and_json_numbers(two_runs):
    cfg, (slow, _) = two_runs
    data = json.loads(runner.invoke(app, ["logs", "plot", slow.name, "--json", "--config", str(cfg)]).output)
    best = [r["best"] for r in data["domains"]["trading_floor"]]
    assert len(best) == 3 and best[0] == best[1] < best[2] == 1.0
    assert [u["calls"] for u in data["usage"]] == [1, 2, 3] and data["calls_to_mature"] == 3
    assert data["validation"] == {"trading_floor": 1.0} and data["test"] == {"trading_floor": 1.0}
    out = runner.invoke(app, ["logs", "plot", slow.name, "--config", str(cfg)], env={"COLUMNS": "120"})
    assert out.exit_code == 0
    assert "train score per generation" in out.output and "cumulative LLM calls" in out.output
    assert "trading_floor best" in out.output and "trading_floor validation" in out.output
    assert "┤" in out.output and "\x1b[" not in out.output  # a chart, plain text off a terminal


def test_compare_puts_two_runs_side_by_side(two_runs):
    cfg, (slow, fast) = two_runs
    both = json.loads(runner.invoke(app, ["logs", "compare", slow.name, fast.name, "--json", "--config", str(cfg)]).output)
    assert (both["a"]["calls_to_mature"], both["b"]["calls_to_mature"]) == (3, 1)
    assert both["b"]["calls_saved"] == 2
    out = runner.invoke(app, ["logs", "compare", slow.name, fast.name, "--config", str(cfg)], env={"COLUMNS": "160"})
    flat = " ".join(out.output.split())
    assert out.exit_code == 0 and slow.name in flat and fast.name in flat
    assert "calls to mature │ 3 │ 1" in flat and "A trading_floor best" in flat and "B trading_floor best" in flat


def test_quiet_verbose_and_no_color(two_runs):
    cfg, (slow, _) = two_runs
    quiet = subprocess.run(STEM + ["logs", "show", slow.name, "--config", str(cfg), "--quiet"], capture_output=True,
                           text=True, timeout=120)
    assert quiet.returncode == 0 and f"{slow.name}  status=finished" in quiet.stdout
    assert "Stage 3: validation" in quiet.stdout and not re.search("[┏┃│━─]", quiet.stdout)  # results, no tables
    as_json = subprocess.run(STEM + ["--quiet", "logs", "show", slow.name, "--json", "--config", str(cfg)],
                             capture_output=True, text=True, timeout=120)
    assert json.loads(as_json.stdout)["status"] == "finished"  # --json output is a result, never silenced
    env = dict(os.environ, NO_COLOR="1", FORCE_COLOR="", TERM="xterm-256color")
    colorless = subprocess.run(STEM + ["logs", "plot", slow.name, "--config", str(cfg)], capture_output=True,
                               text=True, timeout=120, env=env)
    assert colorless.returncode == 0 and not re.search(r"\x1b\[[0-9;]*m", colorless.stdout)


def test_verbose_training_prints_each_candidates_rationale(tmp_path):
    from fake_openai import FakeOpenAI
    from test_training_e2e import routed, stem_train, write_config
    with FakeOpenAI(routed({"generation 1.": plan_step("ledger_solver", "correct_trading_organ.py")})) as srv:
        cfg = write_config(tmp_path, srv.url)
        loud = stem_train(cfg, "--verbose")
    assert loud.returncode == 0 and "rationale: the stem cell has no organ for this domain yet" in loud.stdout
