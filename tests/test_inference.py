"""A mature cell used on tasks nobody answered: `stem infer`, `stem organ run` and `stem bench show` on a
public-only task folder, the artifact printed and written, checked against the output contract, scored
when an answer exists or the domain scores from public data; `stem.load_cell(...).solve(...)` as a
library. Real CLI (subprocess and Typer's runner), real sandbox. The organs are the coordinator's
fixtures in tests/fixtures/organs/, and tiny inline organs that only exercise the mechanism."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from typer.testing import CliRunner

import stem
from stem.benchmark import store
from stem.cli import app
from stem.genome import Capability, Genome
from stem.genome_store import write_organ
from stem.jsonio import write_json

from conftest import ROOT, requires_isolation

pytestmark = requires_isolation
ORGANS = ROOT / "tests" / "fixtures" / "organs"
TASK = ROOT / "examples" / "inference" / "public" / "trade_infer_001"
STEM = [sys.executable, "-m", "stem.cli"]
runner = CliRunner()
# A mechanism-only organ: it traces every turn and, on the last, submits a ledger without the other keys.
SHAPELESS = textwrap.dedent('''
    def run(observation):
        out = {"memory": {}, "trace": ["turn " + str(observation["turn"])]}
        if observation["final_turn"]:
            out["artifact"] = {"ledger": []}
        return out
''')


def genome_with(tmp: Path, domain: str, source: str, name: str) -> Path:
    folder = tmp / "genomes"
    ref = write_organ(folder / "skills", f"{name}.py", source)
    ref = ref.model_copy(update={"path": f"skills/{ref.path}"})
    genome = Genome(name="mature_cell").with_capability(Capability(domain=domain, organ=ref, generation=1,
                                                                   train_score=1.0))
    write_json(folder / "mature_cell.json", genome.model_dump(mode="json"))
    return folder / "mature_cell.json"


@pytest.fixture(scope="module")
def trading_cell(tmp_path_factory) -> Path:
    return genome_with(tmp_path_factory.mktemp("cell"), "trading_floor",
                       (ORGANS / "correct_trading_organ.py").read_text(), "ledger_solver")


def public_only(tmp: Path, source: Path = TASK) -> Path:
    """A copy of a task's public folder with no private answer anywhere beside it."""
    dest = tmp / "tasks" / "public" / source.name
    shutil.copytree(source, dest)
    assert not (tmp / "tasks" / "private").exists()
    return dest


def infer(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run(STEM + ["infer", *args], capture_output=True, text=True, timeout=300, cwd=cwd)


def test_infer_on_a_public_only_task_prints_and_writes_the_artifact(trading_cell, tmp_path):
    task = public_only(tmp_path)
    out = tmp_path / "answer.json"
    proc = infer("--genome", str(trading_cell), "--task-file", str(task), "--out", str(out), "--json")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["verified"] is False and data["verdict"] is None and data["valid"] is True
    assert set(data["artifact"]) >= {"ledger", "final_positions", "final_cash", "impossible", "unmet_targets"}
    assert json.loads(out.read_text()) == data["artifact"]
    assert [t["turn"] for t in data["trace"]] == [1, 2, 3, 4, 5] and all(t["trace"] for t in data["trace"])
    text = infer("--genome", str(trading_cell), "--task-file", str(task / "manifest.json"))
    assert text.returncode == 0, text.stderr
    assert '"final_positions"' in text.stdout and "VALID trade_infer_001" in text.stdout
    assert "not verified: no private answer beside the task" in " ".join(text.stdout.split())


def test_infer_with_the_answer_beside_the_task_verifies_it(trading_cell):
    proc = infer("--genome", str(trading_cell), "--task-file", str(TASK), "--json")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["verified"] is True and data["verdict"]["success"] is True and data["artifact"]["ledger"]


def test_an_invalid_artifact_exits_1_and_is_not_written(tmp_path):
    cell = genome_with(tmp_path, "trading_floor", SHAPELESS, "shapeless")
    task = public_only(tmp_path)
    out = tmp_path / "answer.json"
    out.write_text("kept\n")
    proc = infer("--genome", str(cell), "--task-file", str(task), "--out", str(out), "--json")
    assert proc.returncode == 1, proc.stderr
    data = json.loads(proc.stdout)
    assert data["valid"] is False and data["verdict"] is None and data["artifact"] == {"ledger": []}
    assert "final_positions" in data["problems"][0]
    assert out.read_text() == "kept\n" and "not written" in proc.stderr  # nothing overwritten on failure
    quiet = infer("--genome", str(cell), "--task-file", str(task), "--quiet")
    assert quiet.returncode == 1 and quiet.stdout.startswith("INVALID trade_infer_001")
    answered = infer("--genome", str(cell), "--task-file", str(TASK), "--json")  # with the answer: a failing verdict
    assert answered.returncode == 1 and json.loads(answered.stdout)["verdict"]["success"] is False


def test_bad_input_to_infer_is_one_line_exit_2(trading_cell, tmp_path):
    for args, needle in ((["--task-file", str(tmp_path)], "not a task"),
                         (["--task-file", str(TASK), "--benchmark", "validation"], "exactly one"),
                         (["--benchmark", "validation", "--out", str(tmp_path / "x.json")], "--task-file")):
        proc = infer("--genome", str(trading_cell), *args)
        assert proc.returncode == 2 and needle in proc.stderr and len(proc.stderr.strip().splitlines()) == 1, args


def test_load_cell_solves_a_task_as_a_library(trading_cell, tmp_path):
    cell = stem.load_cell(trading_cell, config=ROOT / "config.yaml")
    assert cell.domains == ["trading_floor"]
    result = cell.solve(public_only(tmp_path))
    assert result.valid and result.verdict is None and result.ok and result.artifact["ledger"]
    verified = cell.solve(TASK / "manifest.json")
    assert verified.verdict is not None and verified.verdict.success and verified.artifact == result.artifact
    episode = store.read_episode(TASK)
    assert cell.solve(episode).verdict.success
    biology = cell.solve(ROOT / "examples" / "inference" / "public" / "biology_fail_001")
    assert not biology.ok and biology.verdict.tags == ["unverifiable_inference"]


def test_organ_run_and_bench_show_accept_a_public_only_task(tmp_path):
    task = public_only(tmp_path)
    shown = runner.invoke(app, ["bench", "show", str(task), "--json"])
    assert shown.exit_code == 0, shown.output
    assert json.loads(shown.output)["manifest"]["episode_id"] == "trade_infer_001"
    ran = runner.invoke(app, ["organ", "run", str(ORGANS / "correct_trading_organ.py"), "-e", str(task), "--json"])
    assert ran.exit_code == 0, ran.output
    data = json.loads(ran.output)
    assert data["valid"] and data["verified"] is False and data["artifact"]["ledger"]
    organ = tmp_path / "shapeless.py"
    organ.write_text(SHAPELESS)
    assert runner.invoke(app, ["organ", "run", str(organ), "-e", str(task)]).exit_code == 1
    sub = tmp_path / "sub.json"
    sub.write_text(json.dumps(data["artifact"]))
    refused = runner.invoke(app, ["bench", "verify", str(sub), "-e", str(task)])
    assert refused.exit_code == 2 and "no private answer" in refused.output


SCORES_FROM_PUBLIC = '''

class FromPublicFiles(WordFrequencies):
    """The scaffold's domain, scoring from the public files alone (as binpacking can)."""
    scores_without_answer = True

    def verify(self, episode, artifact, probes=None):
        query = json.loads(episode.public_files["query.json"])
        lines = episode.public_files["text.txt"].splitlines()
        answered = episode.model_copy(update={"private": {"expected": solve(query, lines)}})
        return super().verify(answered, artifact, probes)


DOMAIN = FromPublicFiles()
'''


def test_a_domain_that_scores_from_public_data_is_verified_without_an_answer(tmp_path):
    made = subprocess.run(STEM + ["domain", "new", "wordfreq", "--template", "windows"], cwd=tmp_path, capture_output=True, text=True,
                          timeout=120)
    assert made.returncode == 0, made.stderr
    plugin = tmp_path / "benchmarks" / "domains" / "wordfreq" / "domain.py"
    plugin.write_text(plugin.read_text() + SCORES_FROM_PUBLIC)
    gen = subprocess.run(STEM + ["bench", "generate", "-d", "wordfreq", "-n", "1", "-o", "suite"], cwd=tmp_path,
                         capture_output=True, text=True, timeout=120)
    assert gen.returncode == 0, gen.stderr
    shutil.rmtree(tmp_path / "suite" / "private")
    task = next((tmp_path / "suite" / "public").iterdir())
    good = genome_with(tmp_path / "good", "wordfreq", (ORGANS / "correct_wordfreq_organ.py").read_text(), "counter")
    proc = infer("--genome", str(good), "--task-file", str(task), "--json", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["verified"] is True and data["verdict"]["success"] is True
    wrong = genome_with(tmp_path / "wrong", "wordfreq", SHAPELESS.replace('{"ledger": []}', '{"top": []}'), "empty")
    failed = infer("--genome", str(wrong), "--task-file", str(task), "--json", cwd=tmp_path)
    assert failed.returncode == 1 and json.loads(failed.stdout)["verdict"]["success"] is False
