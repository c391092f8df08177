"""What stem prints, for a person and for a pipe: --quiet keeps result lines (no tables), run ids are
never cut, organ sources come out as they are, a closed pipe ends quietly, deep JSON in any file a user
passes is one line, usage mistakes are one line plus the usage, --version, and the wording and status
fixes. Real processes: the console script on a run replayed from examples/runs/trading_recorded."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from stem.runlog import RunLog

from conftest import ROOT, requires_isolation

STEM = [sys.executable, "-m", "stem.cli"]
TABLE = re.compile("[┏┃│━─┌└╭╰]")
RECORDED = ROOT / "examples" / "runs" / "trading_recorded"
ORGANS = ROOT / "tests" / "fixtures" / "organs"


def stem(*args: str, cwd: Path = ROOT, columns: int = 200, **kw) -> subprocess.CompletedProcess:
    env = dict(os.environ, COLUMNS=str(columns), NO_COLOR="1")
    env = {k: v for k, v in env.items() if not k.endswith("_API_KEY")}
    return subprocess.run(STEM + list(args), cwd=cwd, capture_output=True, text=True, timeout=300, env=env, **kw)


def one_line_error(proc: subprocess.CompletedProcess, *needles: str, code: int = 2) -> str:
    assert proc.returncode == code, proc.stdout[-1500:] + proc.stderr[-1500:]
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), proc.stderr[-3000:]
    assert "Traceback" not in proc.stderr and "internal error" not in proc.stderr
    for needle in needles:
        assert needle in lines[0], (needle, lines[0])
    return lines[0]


@pytest.fixture(scope="module")
def replayed(tmp_path_factory):
    """A project in a temp folder with one finished run: the recording replayed."""
    tmp = tmp_path_factory.mktemp("out")
    cfg = tmp / "config.yaml"
    cfg.write_text((ROOT / "config.yaml").read_text(encoding="utf-8")
                   .replace("prompts: prompts ", f"prompts: {ROOT / 'prompts'} ")
                   .replace("benchmarks: benchmarks ", f"benchmarks: {ROOT / 'benchmarks'} "))
    proc = stem("train", "--llm", "replay", "--replay-from", str(RECORDED), "--quiet", cwd=tmp)
    run = next((tmp / "logs").glob("experiment_*"))
    return {"tmp": tmp, "cfg": cfg, "proc": proc, "run": run}


def test_version():
    import stem as package
    proc = stem("--version")
    assert proc.returncode == 0 and proc.stdout.strip() == f"stem {package.__version__}"


def test_usage_mistakes_are_one_line_plus_the_usage():
    for args, needle in ((["train", "--population", "x"], "'--population'"), (["trian"], "No such command"),
                         (["bench", "show"], "Missing argument")):
        proc = stem(*args)
        lines = proc.stderr.strip().splitlines()
        assert proc.returncode == 2 and len(lines) == 2, proc.stderr
        assert lines[0].startswith("error: ") and needle in lines[0] and lines[1].startswith("usage: stem")
        assert not TABLE.search(proc.stderr)


def test_a_closed_pipe_ends_quietly():
    """The reader goes away before stem writes: exit 141 (as if killed by SIGPIPE), nothing on stderr."""
    for args in (["bench", "show", "trade_001", "--full"], ["bench", "list", "--json"]):
        proc = subprocess.Popen(STEM + args, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        proc.stdout.close()
        err = proc.stderr.read()
        assert proc.wait(timeout=120) == 141 and err == b"", (args, err)


@requires_isolation
def test_logs_list_piped_into_head_exits_quietly(replayed):
    shell = f"set -o pipefail; {' '.join(STEM)} logs list --config '{replayed['cfg']}' | head -1"
    proc = subprocess.run(["bash", "-c", shell], cwd=replayed["tmp"], capture_output=True, text=True, timeout=120)
    assert proc.returncode in (0, 141) and proc.stderr == "" and proc.stdout.strip()


@requires_isolation
def test_quiet_prints_result_lines_and_no_tables(replayed):
    train = replayed["proc"]
    assert train.returncode == 0 and train.stdout.startswith("MATURE: every validation episode passes")
    assert not TABLE.search(train.stdout) and "Stage 1" not in train.stdout
    cfg = ["--config", str(replayed["cfg"])]
    submission = str(ROOT / "benchmarks/examples/trade_001_submission.json")
    checks = {("bench", "verify", "-e", "trade_001", submission): "PASS trade_001",
              ("organ", "run", str(ORGANS / "correct_trading_organ.py"), "-e", "trade_001"): "PASS trade_001",
              ("organ", "check", str(ORGANS / "malicious_organ.py")): "rejected",
              ("infer", "-g", str(replayed["tmp"] / "genomes" / "mature_cell.json"), "-t",
               str(ROOT / "examples/inference/public/trade_infer_001")): "PASS trade_infer_001",
              ("doctor", "--offline", "--llm", "replay"): "READY",
              ("logs", "list"): replayed["run"].name,
              ("logs", "show", "latest"): "Stage 3: validation 4/4"}
    for args, needle in checks.items():
        proc = stem("--quiet", *args, *(cfg if args[:2] != ("organ", "check") else []), cwd=replayed["tmp"])
        assert proc.returncode in (0, 1), (args, proc.stderr)
        assert proc.stdout.strip() and needle in proc.stdout, (args, proc.stdout)
        assert not TABLE.search(proc.stdout), (args, proc.stdout)


@requires_isolation
def test_logs_list_never_cuts_a_run_id(replayed):
    cfg = ["--config", str(replayed["cfg"])]
    for columns in (60, 80, 120):
        proc = stem("logs", "list", *cfg, cwd=replayed["tmp"], columns=columns)
        assert proc.returncode == 0 and replayed["run"].name in proc.stdout, (columns, proc.stdout)
        assert max(len(ln) for ln in proc.stdout.splitlines()) <= columns


@requires_isolation
def test_logs_organ_prints_the_source_as_it_is(replayed, tmp_path):
    cfg = ["--config", str(replayed["cfg"])]
    source = (replayed["run"] / "generation_001" / "organ.py").read_text(encoding="utf-8")
    raw = stem("logs", "organ", "latest", "1", "--raw", *cfg, cwd=replayed["tmp"], columns=80)
    assert raw.returncode == 0 and raw.stdout == source
    with open(tmp_path / "organ.py", "w") as fh:  # `> organ.py`
        redirected = subprocess.run(STEM + ["logs", "organ", "latest", "1", *cfg], cwd=replayed["tmp"], stdout=fh,
                                    stderr=subprocess.PIPE, text=True, timeout=120, env=dict(os.environ, COLUMNS="80"))
    assert redirected.returncode == 0 and (tmp_path / "organ.py").read_text(encoding="utf-8") == source


@requires_isolation
def test_a_candidate_never_requested_is_not_called_a_failure(replayed):
    cfg = ["--config", str(replayed["cfg"])]
    line = one_line_error(stem("logs", "organ", "latest", "1", "-c", "2", *cfg, cwd=replayed["tmp"]))
    assert "never requested" in line and "failed" not in line
    assert "it had 3 candidates" in one_line_error(stem("logs", "organ", "latest", "1", "-c", "7", *cfg,
                                                        cwd=replayed["tmp"]))


@requires_isolation
def test_plots_label_generations_with_whole_numbers(replayed):
    proc = stem("logs", "plot", "latest", "--config", str(replayed["cfg"]), cwd=replayed["tmp"])
    lines = proc.stdout.splitlines()
    ticks = [lines[i + 1] for i, ln in enumerate(lines[:-1]) if ln.lstrip().startswith("└")]
    assert proc.returncode == 0 and len(ticks) == 4  # score per generation, score per calls, calls, tokens
    assert "best train score against cumulative LLM calls" in proc.stdout
    for row in ticks:
        assert re.fullmatch(r"[\s\d]+", row) and row.split(), row  # 1 2 ..., never 1.00 1.31


@requires_isolation
def test_a_resumed_run_that_finishes_shows_no_stale_stop_reason(replayed, tmp_path):
    run = tmp_path / "logs" / replayed["run"].name
    shutil.copytree(replayed["run"], run)
    log = RunLog(run)
    log.update_run(status="interrupted", stop_reason="terminated by SIGTERM", stage3=None, mature=None,
                   progress={"stage": 3, "generation": 1})
    cfg = tmp_path / "config.yaml"
    cfg.write_text(replayed["cfg"].read_text())
    resumed = stem("train", "--resume", str(run), "--config", str(cfg), cwd=tmp_path)
    assert resumed.returncode == 0, resumed.stdout[-2000:] + resumed.stderr[-2000:]
    state = log.read_run()
    assert state["status"] == "finished" and state["stop_reason"] is None
    shown = stem("logs", "show", str(run), "--config", str(cfg), cwd=tmp_path)
    assert "status=finished" in shown.stdout and "SIGTERM" not in shown.stdout


def test_one_reason_is_singular():
    proc = stem("organ", "check", str(ORGANS / "malicious_organ.py"))
    assert "(1 reason)" in " ".join(proc.stdout.split()) and "1 reasons" not in proc.stdout


DEEP = "[" * 5000 + "]" * 5000


def test_deep_json_in_every_file_a_user_passes_is_one_line(tmp_path):
    deep = tmp_path / "deep.json"
    deep.write_text(DEEP)
    one_line_error(stem("bench", "verify", "-e", "trade_001", str(deep)), "deep.json", "nested deeper than")

    task = tmp_path / "suite" / "public" / "trade_001"  # a task whose manifest is deep
    shutil.copytree(ROOT / "benchmarks/classic/public/trade_001", task)
    (task / "manifest.json").write_text(DEEP)
    one_line_error(stem("bench", "show", str(task)), "manifest.json", "nested deeper than")
    one_line_error(stem("infer", "--genome", str(deep), "-t", str(task)), "deep.json", "genome")

    public = tmp_path / "suite2" / "public" / "trade_001"  # a task whose public contract.json is deep
    shutil.copytree(ROOT / "benchmarks/classic/public/trade_001", public)
    (public / "contract.json").write_text(DEEP)
    one_line_error(stem("bench", "show", str(public)), "contract.json", "nested deeper than")
    shutil.copytree(ROOT / "benchmarks/classic/public/trade_001", tmp_path / "suite3" / "public" / "trade_001")
    (tmp_path / "suite3" / "private" / "trade_001").mkdir(parents=True)
    (tmp_path / "suite3" / "private" / "trade_001" / "expected.json").write_text(DEEP)
    one_line_error(stem("bench", "show", str(tmp_path / "suite3" / "public" / "trade_001")), "expected.json")

    run = tmp_path / "logs" / "experiment_20260101_000000"  # run files
    (run / "llm").mkdir(parents=True)
    (run / "run.json").write_text(DEEP)
    one_line_error(stem("logs", "show", str(run)), "run.json", "nested deeper than")
    shutil.copy(RECORDED / "run.json", run / "run.json")
    (run / "generation_001").mkdir()
    (run / "generation_001" / "trace.json").write_text(DEEP)
    one_line_error(stem("logs", "show", str(run)), "trace.json", "nested deeper than")
    (run / "llm" / "calls.jsonl").write_text(DEEP + "\n")
    one_line_error(stem("train", "--llm", "replay", "--replay-from", str(run), "--config", str(ROOT / "config.yaml"),
                        cwd=tmp_path), "calls.jsonl", "nested deeper than")
    (run / "generation_001" / "trace.json").unlink()
    (run / "events.jsonl").write_text(DEEP + "\n")
    assert stem("logs", "show", str(run)).returncode == 0  # a damaged event line is skipped, as a torn one is

    cfg = tmp_path / "deep.yaml"
    cfg.write_text("a: " + "[" * 5000 + "]" * 5000 + "\n")
    one_line_error(stem("bench", "list", "--config", str(cfg)), "deep.yaml")
