"""`stem organ …`, `stem doctor` and `stem perf sandbox` through the real CLI."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from stem.cli import app
from stem.turn_records import open_episode

from conftest import ROOT, requires_isolation

runner = CliRunner()
pytestmark = requires_isolation
CFG = ["--config", str(ROOT / "config.yaml")]
ORGANS = ROOT / "tests" / "fixtures" / "organs"


def test_check_accepts_and_rejects_with_exit_codes(tmp_path):
    ok = runner.invoke(app, ["organ", "check", str(ORGANS / "correct_matrix_organ.py")])
    assert ok.exit_code == 0 and "accepted" in ok.output
    bad = runner.invoke(app, ["organ", "check", str(ORGANS / "malicious_organ.py"), "--json"])
    assert bad.exit_code == 1
    data = json.loads(bad.output)
    assert data["ok"] is False and data["rejections"][0]["rule"] == "import_not_allowed"
    assert data["rejections"][0]["line"] == 2
    missing = runner.invoke(app, ["organ", "check", str(tmp_path / "nope.py")])
    assert missing.exit_code == 2 and "not found" in missing.output


def test_run_correct_organ_passes_every_matrix_classic(tmp_path):
    for eid in ("graph_001", "graph_002", "graph_003"):
        result = runner.invoke(app, ["organ", "run", str(ORGANS / "correct_matrix_organ.py"), "-e", eid, "--json",
                                     "--trace-dir", str(tmp_path / eid), *CFG])
        assert result.exit_code == 0, result.output
        data = json.loads(result.output)
        assert data["verdict"]["success"] and "bubblewrap" in data["isolation"]
        record = open_episode(tmp_path / eid)  # standalone: its blobs are inline, every turn is kept
        assert record is not None and record.verdict["success"] and not (tmp_path / eid / "blobs").exists()
        obs = next(record.turns()).observation
        assert obs["artifacts_dir"] == "/episode"


def test_run_correct_organ_on_generated_episode():
    result = runner.invoke(app, ["organ", "run", str(ORGANS / "correct_matrix_organ.py"), "-e", "matrix-s41-d4", *CFG])
    assert result.exit_code == 0, result.output and "PASS" in result.output


def test_run_crashing_organ_fails_with_tag_and_line():
    result = runner.invoke(app, ["organ", "run", str(ORGANS / "crashing_organ.py"), "-e", "trade_001", "--json", *CFG])
    assert result.exit_code == 1
    data = json.loads(result.output)
    assert data["verdict"]["tags"] == ["runtime_exception"]
    assert data["failure"]["line"] == 5 and data["failure"]["turn"] == 2


def test_run_malicious_organ_is_refused_before_running():
    result = runner.invoke(app, ["organ", "run", str(ORGANS / "malicious_organ.py"), "-e", "graph_001", *CFG])
    assert result.exit_code == 2
    assert "rejected by the validator" in result.output and "import_not_allowed" in result.output


def test_doctor_reports_every_layer():
    result = runner.invoke(app, ["doctor", "--json", "--llm", "replay", *CFG])
    data = json.loads(result.output)
    names = {layer["name"] for layer in data["layers"]}
    assert {"bubblewrap", "namespaces", "non-root uid", "seccomp", "rlimits"} <= names
    assert result.exit_code == (0 if data["isolated"] else 1)


def test_doctor_checks_an_llm_profile_against_a_live_endpoint(monkeypatch):
    from fake_openai import FakeOpenAI, Step
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    with FakeOpenAI([Step("pong")]) as srv:
        result = runner.invoke(app, ["doctor", "--json", "--llm", "openai", "--base-url", srv.url, *CFG])
    checks = {p["check"]: p for p in json.loads(result.output)["llm"]["checks"]}
    assert checks["api key"]["ok"] and checks["endpoint"]["ok"] and "fake-model" in checks["endpoint"]["detail"]
    assert checks["ping"]["ok"] and "pong" in checks["ping"]["detail"]


def test_doctor_offline_names_the_missing_key(monkeypatch):
    monkeypatch.delenv("GEMINI_API_KEY", raising=False)
    result = runner.invoke(app, ["doctor", "--llm", "gemini", "--offline", "--json", *CFG])
    checks = {p["check"]: p for p in json.loads(result.output)["llm"]["checks"]}
    assert result.exit_code == 1 and not checks["api key"]["ok"] and "GEMINI_API_KEY" in checks["api key"]["detail"]
    assert checks["network"]["detail"].startswith("skipped")


def test_perf_sandbox_prints_numbers():
    result = runner.invoke(app, ["perf", "sandbox", "--calls", "5", "--pause-ms", "5", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["in_process"]["median_ms"] > 0
    assert len(data["sandboxed"]) == 5 and all(r["calls"] == 5 and r["median_ms"] > 0 for r in data["sandboxed"])
    assert "fork server" in data["sandboxed"][3]["mode"] and "organ session" in data["sandboxed"][4]["mode"]


def test_perf_train_prints_harness_numbers():
    result = runner.invoke(app, ["perf", "train", "--population", "2", "--episodes", "2", "--generations", "2",
                                 "--llm-latency-ms", "50", "--json", *CFG])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["generations"] == 2 and len(data["generations_detail"]) == 2
    for g in data["generations_detail"]:
        assert g["llm_seconds"] >= 0.05 and g["harness_seconds"] > 0  # two concurrent 50 ms calls per generation
    assert data["harness_seconds_per_generation"] > 0 and data["sandbox_calls"] > 0
    assert 0 < data["share_outside_llm"] < 1


def test_organ_check_refuses_a_held_out_answer_like_training_does(tmp_path):
    """One rule for hard-coded answers: `stem organ check` refuses the strings of the configured validation
    split's expected answers that training refuses (a mechanism snippet written by this test)."""
    from stem.benchmark import domains, splits
    from stem.config import load_settings
    from stem.training.shared import held_out_literals
    settings = load_settings(ROOT / "config.yaml")
    domains.discover_for(settings)
    episode = splits.split_episodes(settings, "trading_floor", "validation")[0]
    secret = episode.private["expected"]["final_cash"]
    assert secret in held_out_literals(settings, ["trading_floor"])
    organ = tmp_path / "hard_coded.py"
    organ.write_text(f"CASH = {secret!r}\n\ndef run(observation):\n    return {{'trace': [CASH], 'memory': {{}}}}\n")
    got = runner.invoke(app, ["organ", "check", str(organ), "--domain", "trading", "--json",
                              "--config", str(ROOT / "config.yaml")])
    assert got.exit_code == 1, got.output
    assert [r["rule"] for r in json.loads(got.output)["rejections"]] == ["fixture_literal"]


def test_perf_runfiles_prints_bytes_per_candidate_episode_and_per_turn():
    result = runner.invoke(app, ["perf", "runfiles", "--case", "trading:3", "--episodes", "2", "--turns", "50",
                                 "--turns", "200", "--json", *CFG])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    case = data["cases"][0]
    assert (case["domain"], case["level"], case["candidate_episodes"], data["keep_turns"]) == ("trading_floor", 3, 2, "all")
    assert 0 < case["record_bytes_per_candidate_episode"] <= case["bytes_per_candidate_episode"]
    assert case["run_parts"]["blobs"] > 0 and case["generations"][0]["files"]["trace.json"] > 0
    small, large = data["synthetic"]
    assert (small["turns"], large["turns"]) == (50, 200) and large["bytes"] < 4.6 * small["bytes"]
    bad = runner.invoke(app, ["perf", "runfiles", "--case", "security:3", *CFG])
    assert bad.exit_code == 2 and "no hand-written fixture organ for security_sandbox" in bad.output


def test_logs_turns_prints_every_turn_or_one_line(tmp_path):
    folder = tmp_path / "graph_001"
    ran = runner.invoke(app, ["organ", "run", str(ORGANS / "correct_matrix_organ.py"), "-e", "graph_001", "--json",
                              "--trace-dir", str(folder), *CFG])
    assert ran.exit_code == 0, ran.output
    lines = [json.loads(line) for line in runner.invoke(app, ["logs", "turns", str(folder), "--json"]).output.splitlines()]
    turns, summary = lines[:-1], lines[-1]
    assert [t["turn"] for t in turns] == list(range(1, len(turns) + 1)) and summary["verdict"]["success"]
    assert turns[1]["observation"]["memory"] == turns[0]["response"]["memory"]  # what the runner carried
    one = runner.invoke(app, ["logs", "turns", str(folder), "--turn", "2"])
    assert one.exit_code == 0 and "turn 2" in one.output and '"delta"' in one.output
    (folder / "turns.jsonl.gz").write_bytes(b"\x1f\x8b broken")
    broken = runner.invoke(app, ["logs", "turns", str(folder)])
    assert broken.exit_code == 2 and "turn record is damaged" in broken.output and "Traceback" not in broken.output
    empty = runner.invoke(app, ["logs", "turns", str(tmp_path)])
    assert empty.exit_code == 2 and "no turn record here" in empty.output


def test_run_shows_what_the_organ_printed(tmp_path):
    organ = tmp_path / "chatty.py"  # exercises the output path only: it reads every turn and answers nothing
    organ.write_text("def run(observation):\n    print('chatty organ on turn', observation['turn'])\n"
                     "    return {'memory': {}, 'trace': ['read']}\n")
    shown = runner.invoke(app, ["organ", "run", str(organ), "-e", "trade_001", *CFG])
    assert shown.exit_code == 1 and "organ stdout, turn 1" in shown.output
    assert "chatty organ on turn 1" in shown.output and "chatty organ on turn 2" in shown.output
    data = json.loads(runner.invoke(app, ["organ", "run", str(organ), "-e", "trade_001", "--json", *CFG]).output)
    assert data["organ_output"][0] == {"turn": 1, "stdout": "chatty organ on turn 1\n"}
    assert len(data["organ_output"]) == data["turns_run"] and data["organ_output_more_turns"] == 0


def test_perf_episode_prints_numbers_for_each_path():
    result = runner.invoke(app, ["perf", "episode", "--turns", "60", "--paths", "session,fork_server", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["turns"] == 60 and [r["path"] for r in data["runs"]] == ["session", "fork_server"]
    for run in data["runs"]:
        assert run["turns_run"] == 60 and run["verdict"]["success"] and run["turn_median_ms"] > 0
        assert run["verdict"]["record"]["placed"] == 58 and run["fallback"] == ""
    assert data["runs"][0]["verdict"]["record"] == data["runs"][1]["verdict"]["record"]
    bad = runner.invoke(app, ["perf", "episode", "--turns", "10", "--paths", "warp"])
    assert bad.exit_code == 2 and "unknown path" in bad.output
