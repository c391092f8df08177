"""Faults from the environment, through real processes: a logs folder that fills up mid-run (a real
small tmpfs when the machine lets the test mount one, and an injected writer that refuses every
write otherwise), SIGTERM mid-generation, and two runs publishing the shared mature cell at once.
Each ends in one line with the command that continues the work, and resuming reaches the same
result as an undisturbed run."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from stem.genome_store import load_genome
from stem.runlog import RunLog

from conftest import requires_isolation
from fake_openai import FakeOpenAI
from test_training_e2e import STEM, plan_step, routed, write_config

pytestmark = requires_isolation
INJECT = Path(__file__).with_name("full_disk_stem.py")


def script(delay: float) -> dict:
    """Gen 1 crashes at once; gen 2's answer (the correct organ) is held `delay` seconds."""
    return {"generation 1.": plan_step("ledger_crashes", "crashing_organ.py"),
            "generation 2.": plan_step("ledger_solver", "correct_trading_organ.py", delay=delay)}


def wait_for_generation(logs: Path, generation: int, proc: subprocess.Popen) -> Path:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        for run in logs.glob("experiment_*"):
            if any(e["event"] == "generation_start" and e["generation"] == generation for e in RunLog(run).events()):
                return run
        time.sleep(0.1)
    raise AssertionError(f"generation {generation} never started")


def outcome(run: Path) -> dict:
    state = RunLog(run).read_run()
    traces = [json.loads(p.read_text()) for p in sorted(run.glob("generation_*/trace.json"))]
    return {"selected": [t["selected"].split("__")[-1] if t["selected"] else None for t in traces],
            "validation": (state["stage3"]["validation_passed"], state["stage3"]["validation_total"]),
            "status": state["status"], "mature": state["mature"]["written"]}


@pytest.fixture(scope="module")
def undisturbed(tmp_path_factory) -> dict:
    tmp = tmp_path_factory.mktemp("undisturbed")
    with FakeOpenAI(routed(script(0.0))) as srv:
        cfg = write_config(tmp, srv.url)
        proc = subprocess.run(STEM + ["train", "--domain", "trading", "--config", str(cfg)], capture_output=True,
                              text=True, timeout=300, env=dict(os.environ, FAKE_LLM_KEY="sk-test"))
    assert proc.returncode == 0, proc.stderr[-2000:]
    return outcome(next((tmp / "logs").glob("experiment_*")))


def resume_and_compare(tmp: Path, run: Path, undisturbed: dict) -> None:
    shown = subprocess.run(STEM + ["logs", "show", str(run), "--json", "--config", str(tmp / "config.yaml")],
                           capture_output=True, text=True, timeout=120)
    assert shown.returncode == 0 and "Traceback" not in shown.stderr, shown.stderr
    with FakeOpenAI(routed(script(0.0))) as srv:
        cfg = write_config(tmp, srv.url)
        proc = subprocess.run(STEM + ["train", "--resume", str(run), "--config", str(cfg)], capture_output=True,
                              text=True, timeout=300, env=dict(os.environ, FAKE_LLM_KEY="sk-test"))
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    done = [e["generation"] for e in RunLog(run).events() if e["event"] == "generation_done"]
    assert done == [1, 2]  # the finished generation 1 was not repeated
    assert outcome(run) == undisturbed


def assert_one_line(err: str, *phrases: str) -> str:
    lines = [ln for ln in err.strip().splitlines() if ln.strip()]
    assert len(lines) == 1 and "Traceback" not in err, err[-3000:]
    for phrase in phrases:
        assert phrase in lines[0], (phrase, lines[0])
    return lines[0]


def fill(directory: Path) -> Path:
    """Write a ballast file until the filesystem refuses (bounded by the tmpfs size)."""
    ballast = directory / "ballast.bin"
    chunk = b"\0" * (256 * 1024)
    with open(ballast, "wb", buffering=0) as fh:
        for _ in range(10_000):
            try:
                fh.write(chunk)
            except OSError:
                break
    for _ in range(10_000):  # the last few bytes
        try:
            with open(ballast, "ab", buffering=0) as fh:
                fh.write(b"\0" * 512)
        except OSError:
            break
    return ballast


def start_train(tmp: Path, url: str, *prefix: str, env: dict | None = None) -> subprocess.Popen:
    cfg = write_config(tmp, url)
    return subprocess.Popen(list(prefix or STEM) + ["train", "--domain", "trading", "--config", str(cfg)],
                            env=dict(os.environ, FAKE_LLM_KEY="sk-test", **(env or {})), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def mount_tmpfs(path: Path, size: str) -> bool:
    path.mkdir(parents=True, exist_ok=True)
    if os.geteuid() != 0:
        return False
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)], capture_output=True)
    return done.returncode == 0


def test_logs_on_a_filesystem_that_fills_up(tmp_path, undisturbed):
    logs = tmp_path / "logs"
    if not mount_tmpfs(logs, "24m"):
        pytest.skip("cannot mount a tmpfs here (needs root); the injected-writer test covers this path")
    try:
        with FakeOpenAI(routed(script(3.0))) as srv:
            proc = start_train(tmp_path, srv.url)
            run = wait_for_generation(logs, 2, proc)
            ballast = fill(logs)
            _, err = proc.communicate(timeout=180)
        assert proc.returncode == 2
        assert_one_line(err, "error: no space left on device writing ", str(run),
                        f"free space and continue with: stem train --resume {run}")
        ballast.unlink()
        resume_and_compare(tmp_path, run, undisturbed)
    finally:
        subprocess.run(["umount", "-l", str(logs)], capture_output=True)


def test_an_injected_full_disk_during_training(tmp_path, undisturbed):
    trigger = tmp_path / "disk_is_full"
    with FakeOpenAI(routed(script(3.0))) as srv:
        proc = start_train(tmp_path, srv.url, sys.executable, str(INJECT), env={"STEM_TEST_FULL_DISK": str(trigger)})
        run = wait_for_generation(tmp_path / "logs", 2, proc)
        trigger.touch()
        _, err = proc.communicate(timeout=180)
    assert proc.returncode == 2
    assert_one_line(err, "error: no space left on device writing ", f"free space and continue with: stem train --resume {run}")
    assert RunLog(run).read_run()["status"] == "running"  # the record could not be written: resume still works
    trigger.unlink()
    resume_and_compare(tmp_path, run, undisturbed)


def test_injected_full_disk_for_bench_generate_is_one_line(tmp_path):
    trigger = tmp_path / "disk_is_full"
    trigger.touch()
    proc = subprocess.run([sys.executable, str(INJECT), "bench", "generate", "--domain", "trading", "--count", "1",
                           "--out", str(tmp_path / "suite")], capture_output=True, text=True, timeout=120,
                          env=dict(os.environ, STEM_TEST_FULL_DISK=str(trigger)))
    assert proc.returncode == 2
    assert_one_line(proc.stderr, "error: no space left on device writing ", "free space and run the command again")
    assert not list((tmp_path / "suite").rglob("*.json"))  # nothing half-written


def test_read_only_logs_folder_is_one_line(tmp_path):
    if os.geteuid() == 0 and not mount_tmpfs(tmp_path / "logs", "4m"):
        pytest.skip("cannot make a read-only folder for root here")
    try:
        if os.geteuid() == 0:
            subprocess.run(["mount", "-o", "remount,ro", str(tmp_path / "logs")], check=True)
        else:
            (tmp_path / "logs").chmod(0o555)
        cfg = write_config(tmp_path, "http://127.0.0.1:9/v1")
        proc = subprocess.run(STEM + ["train", "--domain", "trading", "--config", str(cfg)], capture_output=True,
                              text=True, timeout=120)
        assert proc.returncode == 2
        assert_one_line(proc.stderr, "error: read-only file system" if os.geteuid() == 0 else "error: permission denied")
    finally:
        if os.geteuid() == 0:
            subprocess.run(["umount", "-l", str(tmp_path / "logs")], capture_output=True)


def sandbox_roots() -> set[str]:
    roots = set()
    for proc in Path("/proc").iterdir():
        try:
            cmd = (proc / "cmdline").read_bytes().decode(errors="replace")
        except OSError:
            continue
        for part in cmd.split("\0"):
            if "/stem-sandbox-" in part:
                roots.add(part.split("/stem-sandbox-")[1].split("/")[0])
    return roots


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP])
def test_sigterm_or_sighup_mid_generation_then_resume(tmp_path, undisturbed, sig):
    before = sandbox_roots()
    with FakeOpenAI(routed(script(5.0))) as srv:
        proc = start_train(tmp_path, srv.url)
        run = wait_for_generation(tmp_path / "logs", 2, proc)
        time.sleep(0.3)
        proc.send_signal(sig)
        _, err = proc.communicate(timeout=60)
    assert proc.returncode == 2
    assert_one_line(err, f"error: terminated by {sig.name}; continue with: stem train --resume {run}")
    state = RunLog(run).read_run()
    assert state["status"] == "interrupted" and state["progress"]["generation"] == 1
    deadline = time.monotonic() + 10
    while sandbox_roots() - before and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not sandbox_roots() - before, "sandbox processes left behind"
    resume_and_compare(tmp_path, run, undisturbed)


WRITER = """
import sys, time
from pathlib import Path
from stem.genome import Capability, Genome
from stem.genome_store import publish_cell, write_organ
domain, folder, target, go = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3]), Path(sys.argv[4])
ref = write_organ(folder, domain + ".py", "def run(observation):\\n    return {'trace': ['%s']}\\n" % domain)
genome = Genome().with_capability(Capability(domain=domain, organ=ref, generation=1, train_score=1.0))
(folder / "genome.json").write_text(genome.model_dump_json())
deadline = time.monotonic() + 30
while not go.exists() and time.monotonic() < deadline:
    time.sleep(0.001)
publish_cell(genome, folder / "genome.json", target, "round")
"""


def test_two_concurrent_mature_cell_writers_keep_both_domains(tmp_path):
    target = tmp_path / "genomes" / "mature_cell.json"
    for round_no in range(20):
        go = tmp_path / f"go{round_no}"
        procs = []
        for domain in ("trading_floor", "matrix_database"):
            folder = tmp_path / f"run{round_no}_{domain}"
            folder.mkdir()
            procs.append(subprocess.Popen([sys.executable, "-c", WRITER, domain, str(folder), str(target), str(go)]))
        time.sleep(0.3)  # both writers are waiting at the start line
        go.touch()
        for p in procs:
            assert p.wait(timeout=60) == 0
        cell = load_genome(target)
        assert sorted(cell.capabilities) == ["matrix_database", "trading_floor"], round_no
        target.unlink()
