"""Reading runs back is as strict as reading inputs: run files damaged at random (values of the wrong type,
keys removed, files cut short or replaced by junk) and every `stem logs` view (list, show, scars,
lineage, organ, diff, plot, compare, prompt), plus `stem infer` on the
damaged genome, must answer with output or one line (exit 0, 1 or 2): never a traceback, never an
internal error (exit 3)."""

from __future__ import annotations

import json
import random
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from stem.cli import app

from conftest import ROOT, requires_isolation
from test_training_e2e import plan_step, train_routed

pytestmark = requires_isolation
runner = CliRunner()
ROUNDS = 52
JUNK = [None, 0, -1, 1.5, "", "x", True, [], {}, [1, "a"], {"a": None}, "9" * 40, 10**30]


@pytest.fixture(scope="module")
def finished_run(tmp_path_factory) -> tuple[Path, Path]:
    tmp = tmp_path_factory.mktemp("fuzz")
    table = {"CANDIDATE 1 of 2 in generation 1.": plan_step("ledger_crashes", "crashing_organ.py"),
             "CANDIDATE 2 of 2 in generation 1.": plan_step("ledger_memoriser", "cheating_trading_organ.py"),
             "Your role: repair of": plan_step("ledger_solver", "correct_trading_organ.py"),
             "Your role: a fresh organ": plan_step("ledger_crashes_again", "crashing_organ.py")}
    train_routed(tmp, table, "--population", "2")
    run = next((tmp / "logs").glob("experiment_*"))
    pristine = tmp / "pristine"
    shutil.copytree(run, pristine)
    shutil.rmtree(run)
    return tmp, pristine


def json_paths(value, prefix=()):
    yield prefix
    if isinstance(value, dict):
        for k, v in value.items():
            yield from json_paths(v, prefix + (k,))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from json_paths(v, prefix + (i,))


def mutate_json(data, rng: random.Random):
    paths = [p for p in json_paths(data) if p]
    if not paths:
        return rng.choice(JUNK)
    path = rng.choice(paths)
    parent = data
    for step in path[:-1]:
        parent = parent[step]
    if isinstance(parent, dict) and rng.random() < 0.3:
        del parent[path[-1]]
    else:
        parent[path[-1]] = rng.choice(JUNK)
    return data


def damage(run: Path, rng: random.Random) -> str:
    files = [p for p in run.rglob("*") if p.is_file() and p.suffix in (".json", ".jsonl")
             and "episodes" not in p.parts]
    target = rng.choice(sorted(files))
    text = target.read_text(encoding="utf-8")
    how = rng.random()
    if how < 0.12:
        target.write_text(text[: rng.randrange(len(text) + 1)], encoding="utf-8")
        return f"{target.name}: cut"
    if how < 0.18:
        target.write_bytes(bytes(rng.randrange(256) for _ in range(64)))
        return f"{target.name}: junk bytes"
    if target.suffix == ".jsonl":
        lines = text.splitlines()
        if lines:
            i = rng.randrange(len(lines))
            lines[i] = json.dumps(mutate_json(json.loads(lines[i]), rng))
        target.write_text("\n".join(lines) + "\n", encoding="utf-8")
        return f"{target.name}: line mutated"
    target.write_text(json.dumps(mutate_json(json.loads(text), rng)), encoding="utf-8")
    return f"{target.relative_to(run)}: value mutated"


COMMANDS = [["logs", "list"], ["logs", "show", "{run}"], ["logs", "show", "{run}", "--json"],
            ["logs", "scars", "{run}"], ["logs", "scars", "{run}", "--json"], ["logs", "lineage", "{run}"],
            ["logs", "lineage", "{run}", "--json"], ["logs", "organ", "{run}", "2"], ["logs", "diff", "{run}", "1", "2"],
            ["logs", "plot", "{run}"], ["logs", "plot", "{run}", "--json"], ["logs", "compare", "{run}", "{run}"],
            ["logs", "prompt", "{run}", "2"], ["logs", "prompt", "{run}", "1", "-c", "2", "--json"],
            ["infer", "-g", "{genome}", "-t", str(ROOT / "examples/inference/public/trade_infer_001"), "--json"]]


def test_damaged_run_files_never_crash_a_view(finished_run):
    tmp, pristine = finished_run
    rng = random.Random(20261130)
    cfg = tmp / "config.yaml"
    failures, invocations = [], 0
    for round_no in range(ROUNDS):
        run = tmp / "logs" / "experiment_fuzz"
        if run.exists():
            shutil.rmtree(run)
        shutil.copytree(pristine, run)
        what = damage(run, rng)
        picked = rng.sample(COMMANDS[:-1], 3) + ([COMMANDS[-1]] if round_no % 10 == 0 else [])
        for cmd in picked:
            args = [a.format(run=run.name, genome=run / "genome.json") for a in cmd]
            result = runner.invoke(app, args + ([] if args[0] == "infer" else ["--config", str(cfg)]))
            invocations += 1
            exc = result.exception
            if (exc is not None and not isinstance(exc, SystemExit)) or result.exit_code not in (0, 1, 2) \
                    or "Traceback" in result.output:
                failures.append((what, args, result.exit_code, repr(exc), result.output[-300:]))
    assert invocations >= 160
    assert failures == []
