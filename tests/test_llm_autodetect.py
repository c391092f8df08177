"""`--llm auto`: keys, then a local server with a model (a coder model preferred), then a CLI agent on
PATH; `stem doctor` shows the pick and every alternative; a rate-limited ping is a warning. Real
processes: the CLI through Typer's runner, a fake OpenAI-compatible server on 127.0.0.1 (as Ollama),
and a fake `claude` executable on PATH for a whole `stem train`."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from stem.cli import app
from stem.config import load_settings
from stem.errors import StemError
from stem.llm import autodetect
from stem.runlog import RunLog

from conftest import ROOT, requires_isolation
from fake_openai import FakeOpenAI, Step

runner = CliRunner()
KEYS = ("GEMINI_API_KEY", "OPENAI_API_KEY", "ANTHROPIC_API_KEY", "OPENROUTER_API_KEY")


def clean_env(tmp: Path, **extra: str) -> dict:
    """No provider keys, a PATH holding only `tmp/bin` and the interpreter's folder."""
    env = {k: v for k, v in os.environ.items() if k not in KEYS}
    (tmp / "bin").mkdir(exist_ok=True)
    env["PATH"] = f"{tmp / 'bin'}:{Path(sys.executable).parent}:/usr/bin:/bin"
    env.update(extra)
    return env


def config(tmp: Path, ollama_url: str = "http://127.0.0.1:9/v1", profile: str = "auto") -> Path:
    """The repository's config.yaml, its local servers pointed at loopback, its folders in `tmp`,
    and small splits."""
    data = yaml.safe_load((ROOT / "config.yaml").read_text())
    data["paths"] = {"prompts": str(ROOT / "prompts"), "benchmarks": str(ROOT / "benchmarks"),
                     "logs": str(tmp / "logs"), "genomes": str(tmp / "genomes")}
    data["benchmark"] = {"difficulties": [1, 2], "splits": {"train": {"seed_start": 1000, "count": 2},
                                                             "validation": {"seed_start": 5000, "count": 2},
                                                             "test": {"seed_floor": 1000000, "count": 2}}}
    data["llm"]["profile"] = profile
    for name in ("ollama", "vllm", "llamacpp"):
        data["llm"]["profiles"][name]["base_url"] = ollama_url if name == "ollama" else "http://127.0.0.1:9/v1"
    cfg = tmp / "config.yaml"
    cfg.write_text(yaml.safe_dump(data))
    return cfg


def doctor(tmp: Path, env: dict, *args: str) -> tuple[int, dict]:
    result = runner.invoke(app, ["doctor", "--json", "--config", str(config(tmp, *args[:1])), *args[1:]], env=env)
    return result.exit_code, json.loads(result.output)


def fake_agent(tmp: Path, name: str, answer: str) -> Path:
    exe = tmp / "bin" / name
    exe.parent.mkdir(exist_ok=True)
    (tmp / f"{name}_answer.txt").write_text(answer)
    exe.write_text(f"#!{sys.executable}\nimport sys\nsys.stdin.read()\n"
                   f"sys.stdout.write(open({str(tmp / (name + '_answer.txt'))!r}).read())\n")
    exe.chmod(exe.stat().st_mode | stat.S_IEXEC)
    return exe


def test_only_openai_key_picks_openai_offline(tmp_path):
    code, out = doctor(tmp_path, clean_env(tmp_path, OPENAI_API_KEY="sk-test"), "http://127.0.0.1:9/v1", "--offline")
    assert out["llm"]["pick"] == "openai" and "OPENAI_API_KEY is set" in out["llm"]["why"]
    kinds = [(o["profile"], o["kind"], o["usable"]) for o in out["llm"]["alternatives"]]
    assert ("gemini", "api key", False) in kinds and ("claude-code", "cli agent", False) in kinds
    assert code in (0, 1)  # 1 only when this machine lacks an isolation layer


def test_no_keys_and_claude_on_path_offers_the_cli_agent(tmp_path):
    fake_agent(tmp_path, "claude", "{}")
    code, out = doctor(tmp_path, clean_env(tmp_path), "http://127.0.0.1:9/v1", "--offline")
    assert out["llm"]["pick"] == "claude-code" and out["llm"]["why"].startswith("auto: cli agent")


def test_nothing_usable_lists_every_option_with_its_fix(tmp_path):
    env = clean_env(tmp_path)
    code, out = doctor(tmp_path, env, "http://127.0.0.1:9/v1")
    assert code == 1 and out["llm"]["pick"] is None
    why = out["llm"]["why"]
    for needle in ("GEMINI_API_KEY", "OPENAI_API_KEY", "ANTHROPIC_API_KEY", "OPENROUTER_API_KEY", "ollama serve",
                   "install 'claude'", "install 'codex'", "install 'gemini'", "--llm replay"):
        assert needle in why, needle
    cfg = config(tmp_path)
    proc = subprocess.run([sys.executable, "-m", "stem.cli", "train", "--config", str(cfg)], env=env,
                          capture_output=True, text=True, timeout=300, cwd=tmp_path)
    lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    assert proc.returncode == 2 and len(lines) == 1 and lines[0].startswith("error: no usable LLM found")


def test_a_local_server_with_a_coder_model_comes_after_keys_and_before_agents(tmp_path):
    fake_agent(tmp_path, "claude", "{}")
    with FakeOpenAI([], models=["llama3:8b", "deepseek-coder:6.7b"]) as srv:
        code, out = doctor(tmp_path, clean_env(tmp_path), srv.url, "--offline")
        assert out["llm"]["pick"] == "claude-code"  # offline: the server is not probed
        options = autodetect.survey(load_settings(config(tmp_path, srv.url)).llm, environ={})
        ollama = next(o for o in options if o.profile == "ollama")
        assert ollama.usable and ollama.model == "deepseek-coder:6.7b" and "coder model" in ollama.detail
        name, profile, why, _ = autodetect.resolved(load_settings(config(tmp_path, srv.url)).llm, None, None, None,
                                                    environ={}, which=lambda exe: None)
        assert (name, profile.model) == ("ollama", "deepseek-coder:6.7b") and "local server" in why
        name, _, why, _ = autodetect.resolved(load_settings(config(tmp_path, srv.url)).llm, None, None, None,
                                              environ={"GEMINI_API_KEY": "k"})
        assert name == "gemini" and "GEMINI_API_KEY" in why


def test_a_profile_named_in_config_or_by_flag_is_taken_as_asked(tmp_path):
    settings = load_settings(config(tmp_path, profile="openai")).llm
    assert autodetect.choose(settings, None, environ={"GEMINI_API_KEY": "k"})[0] == "openai"
    assert autodetect.choose(settings, "ollama")[0] == "ollama"
    with pytest.raises(StemError, match="unknown LLM profile 'nope'"):
        autodetect.choose(settings, "nope")


def test_doctor_warns_on_a_rate_limit_then_answer(tmp_path):
    script = [Step(status=429, headers={"Retry-After": "0"}, content="slow down"), Step("pong")]
    with FakeOpenAI(script) as srv:
        cfg = tmp_path / "cfg.yaml"
        cfg.write_text(f"""
llm:
  profile: fake
  retry: {{max_attempts: 3, base_seconds: 0.01, max_seconds: 0.05}}
  profiles:
    fake: {{base_url: "{srv.url}", model: fake-model, api_key_env: FAKE_KEY, json_mode: false}}
""")
        result = runner.invoke(app, ["doctor", "--json", "--config", str(cfg)], env={"FAKE_KEY": "k"})
    out = json.loads(result.output)
    ping = next(c for c in out["llm"]["checks"] if c["check"] == "ping")
    assert ping["level"] == "warn" and "rate-limited (HTTP 429)" in ping["detail"] and "pong" in ping["detail"]
    assert out["llm_ok"] is True and result.exit_code == (0 if out["isolated"] else 1)


@requires_isolation
def test_train_through_a_cli_agent_names_it_in_the_run_record(tmp_path):
    from fake_openai import plan_json
    plan = plan_json(organ_name="ledger_solver", domain="trading_floor",
                     source=(ROOT / "tests/fixtures/organs/correct_trading_organ.py").read_text())
    fake_agent(tmp_path, "claude", "Here is the plan:\n" + plan)
    cfg = config(tmp_path)
    proc = subprocess.run([sys.executable, "-m", "stem.cli", "train", "--config", str(cfg)], env=clean_env(tmp_path),
                          capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    run = next((tmp_path / "logs").glob("experiment_*"))
    llm = RunLog(run).read_run()["llm"]
    assert llm["profile"] == "claude-code" and llm["provider"] == "command" and llm["model"] == "claude -p"
    assert llm["chosen_by"].startswith("auto: cli agent")
