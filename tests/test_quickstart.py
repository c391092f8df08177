"""The README's first command, run as written on a copy of the project with no key and no network: it
replays the recorded run in examples/runs/trading_recorded/ (a capable coding model's answer, kept as
data) end to end, matures a cell, and its `stem infer` line passes. The same replay after a prompt
template was edited still completes, serving the recorded answer of the same purpose with a warning.
Real processes: the installed console script, the real sandbox."""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from stem.llm import records
from stem.llm.providers import ReplayProvider
from stem.runlog import RunLog

from conftest import ROOT, requires_isolation

RECORDED = ROOT / "examples" / "runs" / "trading_recorded"
STEM = [sys.executable, "-m", "stem.cli"]


def no_llm_env() -> dict:
    """The environment of a fresh machine: no API key, no agent CLI picked by accident, no proxies."""
    env = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY") and "PROXY" not in k.upper()}
    return dict(env, COLUMNS="200", NO_COLOR="1")


def first_command() -> list[list[str]]:
    """The stem invocations of the README's first command line (the first line of its first bash block
    that is not a comment), each as argv without the `.venv/bin/stem` prefix."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"```bash\n(.*?)```", readme, re.S).group(1)
    line = next(ln for ln in block.splitlines() if ln.strip() and not ln.lstrip().startswith("#"))
    calls = [shlex.split(part) for part in line.split("&&")]
    return [argv[1:] for argv in calls if argv and argv[0].endswith("/stem")]


def project_copy(tmp: Path) -> Path:
    """What a fresh clone has: the tracked files of the project (no logs/, no mature cell)."""
    files = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, text=True, check=True)
    dest = tmp / "clone"
    for rel in filter(None, files.stdout.split("\0")):
        src = ROOT / rel
        if src.is_file() and not rel.startswith("tests/"):
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / rel)
    for rel in ("examples/runs", "examples/inference"):  # in case they are not committed yet
        if not (dest / rel).exists():
            shutil.copytree(ROOT / rel, dest / rel)
    return dest


def test_the_readme_first_command_replays_the_recording_and_needs_no_llm():
    calls = first_command()
    assert [c[0] for c in calls] == ["train", "infer"], calls
    assert "--llm" in calls[0] and calls[0][calls[0].index("--llm") + 1] == "replay"
    assert calls[0][calls[0].index("--replay-from") + 1] == "examples/runs/trading_recorded"


@requires_isolation
def test_readme_first_command_matures_a_cell_from_the_recording_and_infer_passes(tmp_path):
    clone = project_copy(tmp_path)
    assert not (clone / "genomes" / "mature_cell.json").exists()
    outputs = []
    for argv in first_command():
        proc = subprocess.run(STEM + argv, cwd=clone, env=no_llm_env(), capture_output=True, text=True, timeout=600)
        outputs.append(proc)
        assert proc.returncode == 0, (argv, proc.stdout[-3000:], proc.stderr[-3000:])
    train, infer = outputs
    assert "Stage 1" in train.stdout and "MATURE" in train.stdout
    assert (clone / "genomes" / "mature_cell.json").is_file()
    run = next((clone / "logs").glob("experiment_*"))
    state = RunLog(run).read_run()
    assert state["llm"]["profile"] == "replay" and state["stage1"]["passed"] == 0
    assert state["stage3"]["validation_passed"] == state["stage3"]["validation_total"] == 4
    assert state["options"]["population"] == 3  # the recorded run's population, not a default
    assert "PASS trade_infer_001" in infer.stdout and '"ledger"' in infer.stdout


@requires_isolation
def test_replay_after_a_prompt_template_edit_still_completes_with_a_warning(tmp_path):
    prompts = tmp_path / "prompts"
    shutil.copytree(ROOT / "prompts", prompts)
    template = prompts / "new_organ.txt"
    template.write_text("This template was edited after the recording.\n" + template.read_text(encoding="utf-8"))
    cfg = tmp_path / "edited.yaml"
    cfg.write_text((ROOT / "config.yaml").read_text(encoding="utf-8")
                   .replace("prompts: prompts ", f"prompts: {prompts} ")
                   .replace("benchmarks: benchmarks ", f"benchmarks: {ROOT / 'benchmarks'} "))
    assert str(prompts) in cfg.read_text()
    proc = subprocess.run(STEM + ["train", "--domain", "trading", "--config", str(cfg), "--llm", "replay",
                                  "--replay-from", str(RECORDED)], cwd=tmp_path, env=no_llm_env(),
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    flat = " ".join(proc.stdout.split())  # the live view may wrap a long line
    assert flat.count("warning: replay: request") == 1
    assert "served the recorded answer of gen001:trading_floor:c1:new_organ" in flat
    run = next((tmp_path / "logs").glob("experiment_*"))
    calls = records.load(run / "llm" / "calls.jsonl")
    assert len(calls) == 1 and "gen001:trading_floor:c1:new_organ" in (calls[0].note or "")
    assert calls[0].request_hash not in {r.request_hash for r in records.load(RECORDED / "llm" / "calls.jsonl")}
    assert [e["event"] for e in RunLog(run).events()].count("llm_note") == 1
    assert RunLog(run).read_run()["mature"]["written"] is True


def _record(path: Path, purpose: str, content: str, answer: str) -> None:
    messages = [{"role": "user", "content": content}]
    records.append(path, records.CallRecord(request_hash=records.request_hash(messages), profile="p", model="m",
                                            purpose=purpose, messages=messages, answer=answer))


def test_replay_prefers_the_request_hash_then_the_purpose_and_serves_each_record_once(tmp_path):
    calls = tmp_path / "calls.jsonl"
    _record(calls, "gen001:d:c1:new_organ", "prompt one", "answer one")
    _record(calls, "gen001:d:c2:new_organ", "prompt two", "answer two")
    provider = ReplayProvider("replay", calls)
    same = provider.send([{"role": "user", "content": "prompt two"}], True, "gen001:d:c2:new_organ")
    assert same.text == "answer two" and same.note is None
    changed = provider.send([{"role": "user", "content": "prompt one, edited"}], True, "gen001:d:c1:new_organ")
    assert changed.text == "answer one" and "gen001:d:c1:new_organ" in changed.note
    from stem.llm.retry import LLMError
    with pytest.raises(LLMError, match="replay miss"):  # each record serves once: c1 was taken by purpose
        provider.send([{"role": "user", "content": "prompt one"}], True, "gen001:d:c1:new_organ")
    with pytest.raises(LLMError, match="replay miss"):
        provider.send([{"role": "user", "content": "other"}], True, "gen002:d:c1:repair")


def test_the_recording_is_shipped_as_data_with_a_readme_that_says_so():
    readme = (RECORDED / "README.md").read_text(encoding="utf-8")
    assert "recording" in readme and "command" in readme and "not by this project" in readme
    state = json.loads((RECORDED / "run.json").read_text(encoding="utf-8"))
    assert state["llm"]["provider"] == "command" and state["mature"]["written"] is True
    assert len(records.load(RECORDED / "llm" / "calls.jsonl")) >= 1
