"""`stem bench …` through the real CLI (Typer's runner) and once as a real subprocess."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from stem.cli import app

from conftest import ROOT

runner = CliRunner()
CFG = ["--config", str(ROOT / "config.yaml")]


def run(*args):
    return runner.invoke(app, list(args))


def test_help_lists_bench():
    result = run("--help")
    assert result.exit_code == 0 and "bench" in result.output


def test_list_json_counts_classic_and_splits():
    result = run("bench", "list", "--json", *CFG)
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert {d["domain"] for d in data["domains"]} == {"trading_floor", "matrix_database", "security_sandbox",
                                                     "binpacking"}
    assert all(len(d["classic"]) >= 3 for d in data["domains"])
    assert data["splits"]["train"]["count"] == 8


def test_show_prints_public_files_only():
    result = run("bench", "show", "trade_003", "--full", *CFG)
    assert result.exit_code == 0, result.output
    assert "market.csv" in result.output and "TRADING FLOOR RULES" in result.output
    private = json.loads((ROOT / "benchmarks/classic/private/trade_003/expected.json").read_text())
    assert "204.40" == private["expected"]["final_cash"]
    assert "204.40" not in result.output and "final_cash_cents" not in result.output


def test_show_json_has_no_private_side():
    result = run("bench", "show", "matrix-s12-d3", "--json", *CFG)
    data = json.loads(result.output)
    assert set(data) == {"manifest", "files"} and "expected.json" not in data["files"]


def test_generate_is_deterministic_and_never_clobbers(tmp_path):
    out1, out2 = tmp_path / "one", tmp_path / "two"
    for out in (out1, out2):
        result = run("bench", "generate", "--domain", "all", "--split", "validation", "--count", "2", "--out", str(out), *CFG)
        assert result.exit_code == 0, result.output
    files1 = sorted(p.relative_to(out1) for p in out1.rglob("*") if p.is_file())
    assert len(files1) > 20
    for rel in files1:
        assert (out1 / rel).read_bytes() == (out2 / rel).read_bytes()
    again = run("bench", "generate", "-d", "trading", "-s", "validation", "-n", "2", "-o", str(out1), *CFG)
    assert again.exit_code == 0  # identical content: rewriting is harmless
    target = out1 / "public" / "trading-s5000-d3" / "market.csv"
    target.write_text(target.read_text() + "9,ZZZ,1.00,1.01,1\n")
    before = target.read_bytes()
    clash = run("bench", "generate", "-d", "trading", "-s", "validation", "-n", "1", "-o", str(out1), *CFG)
    assert clash.exit_code == 2 and "already exists" in clash.output
    assert target.read_bytes() == before


def test_generate_test_split_draws_fresh_seeds(tmp_path):
    result = run("bench", "generate", "-d", "matrix", "-s", "test", "-n", "2", "-o", str(tmp_path), "--json", *CFG)
    seeds = [e["seed"] for e in json.loads(result.output)["episodes"]]
    assert all(s >= 1_000_000 for s in seeds) and len(set(seeds)) == 2


def _submission(tmp_path, data, name="sub.json"):
    path = tmp_path / name
    path.write_text(json.dumps(data) if not isinstance(data, str) else data)
    return str(path)


def _expected(eid):
    exp = json.loads((ROOT / f"benchmarks/classic/private/{eid}/expected.json").read_text())["expected"]
    exp.pop("objective", None)
    return exp


def test_verify_pass_and_fail_exit_codes(tmp_path):
    good = _submission(tmp_path, _expected("trade_002"))
    result = run("bench", "verify", "--episode", "trade_002", good, *CFG)
    assert result.exit_code == 0, result.output
    assert "PASS" in result.output
    bad = _expected("trade_002")
    bad["ledger"][0]["tick"] = 3  # CORN at tick 3 next to the tick-4 order: cooldown
    result = run("bench", "verify", "-e", "trade_002", _submission(tmp_path, bad, "bad.json"), "--json", *CFG)
    assert result.exit_code == 1
    verdict = json.loads(result.output)
    assert verdict["success"] is False and "cooldown_violation" in verdict["tags"]


def test_verify_generated_episode_and_security_with_probes(tmp_path):
    from stem.benchmark import domains
    ep = domains.generate("security", 9, 3)
    sub = {"artifact": dict(ep.private["expected"]), "probes": [{"vector": ep.private["expected"]["vector"], "result": "PROTECTED"}]}
    result = run("bench", "verify", "-e", "security-s9-d3", _submission(tmp_path, sub), "--json", *CFG)
    assert result.exit_code == 0, result.output
    assert any(c["id"] == "claim_probed" for c in json.loads(result.output)["checks"])


@pytest.mark.parametrize("content,needle", [
    ("{not json", "not valid JSON"),
    (json.dumps({"ledger": []}), "final_positions"),
])
def test_verify_rejects_malformed_submissions_in_one_line(tmp_path, content, needle):
    path = _submission(tmp_path, content)
    result = run("bench", "verify", "-e", "trade_001", path, *CFG)
    assert result.exit_code == 2
    lines = [ln for ln in result.output.splitlines() if ln.strip()]
    assert len(lines) == 1 and needle in lines[0] and "sub.json" in lines[0]
    assert "Traceback" not in result.output


def _broken_copy(tmp_path, episode: str, filename: str, field: str, value) -> str:
    """A copy of the classic suite with one JSON field of one public file replaced."""
    suite = tmp_path / "suite"
    shutil.copytree(ROOT / "benchmarks/classic", suite)
    path = suite / "public" / episode / filename
    data = json.loads(path.read_text())
    data[field] = value
    path.write_text(json.dumps(data))
    return str(suite / "public" / episode)


def test_malformed_manifest_names_file_and_field(tmp_path):
    result = run("bench", "show", _broken_copy(tmp_path, "graph_001", "manifest.json", "min_turns", "many"), *CFG)
    assert result.exit_code == 2
    assert "manifest.json" in result.output and "min_turns" in result.output


def test_malformed_public_artifact_names_file_and_field(tmp_path):
    result = run("bench", "show", _broken_copy(tmp_path, "trade_001", "contract.json", "fee", "one dollar"), *CFG)
    assert result.exit_code == 2
    assert "contract.json" in result.output and "'fee'" in result.output


def test_unknown_episode_and_domain_are_one_line_errors(tmp_path):
    result = run("bench", "show", "nope_999", *CFG)
    assert result.exit_code == 2 and "not found" in result.output
    result = run("bench", "generate", "-d", "biology", "-o", str(tmp_path), *CFG)
    assert result.exit_code == 2 and "unknown domain 'biology'" in result.output


def test_bad_config_is_a_one_line_error(tmp_path):
    cfg = tmp_path / "config.yaml"
    cfg.write_text("benchmark:\n  splits:\n    train: {seed_start: 1, count: 10}\n    validation: {seed_start: 5, count: 3}\n")
    result = run("bench", "list", "--config", str(cfg))
    assert result.exit_code == 2 and "overlap" in result.output
    cfg.write_text("benchmark: [unclosed\n")
    result = run("bench", "list", "--config", str(cfg))
    assert result.exit_code == 2 and "not valid YAML" in result.output


def test_console_script_runs_as_a_real_process():
    stem = shutil.which("stem", path=str(ROOT / ".venv" / "bin")) or shutil.which("stem")
    cmd = [stem] if stem else [sys.executable, "-m", "stem.cli"]
    proc = subprocess.run(cmd + ["bench", "list", "--json", *CFG], capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    assert len(json.loads(proc.stdout)["domains"]) == 4
