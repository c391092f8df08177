"""`stem train` checks everything before Stage 1 and before a run folder exists: each mistake that used to
be found after Stage 1 (leaving a junk run folder and a --resume hint) is now one line, exit 2, and no
new folder under logs/. Config files refuse unknown keys (with the nearest valid name) at every level
and levels outside 1..6, and every error names the config file that was read. Settings loading runs no
plugin code. The CLI runs as a real process."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from stem.config import load_settings
from stem.errors import StemError
from stem.training import TrainOptions, preflight

from conftest import ROOT

STEM = [sys.executable, "-m", "stem.cli"]


def project(tmp: Path, extra: str = "", prompts: str | None = None) -> Path:
    """A project folder whose config.yaml points at the repository's prompts and benchmarks."""
    cfg = tmp / "config.yaml"
    cfg.write_text(textwrap.dedent(f"""
        paths: {{prompts: "{prompts or ROOT / 'prompts'}", benchmarks: "{ROOT / 'benchmarks'}", logs: logs, genomes: genomes}}
        llm:
          profile: auto
          profiles:
            replay: {{provider: replay}}
            agent: {{provider: command, command: ["no-such-agent-binary"]}}
            empty: {{provider: command, command: []}}
    """) + textwrap.dedent(extra))
    return cfg


def train(cfg: Path, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY")}
    return subprocess.run(STEM + ["train", "--domain", "trading", "--config", str(cfg), *args], cwd=cwd or cfg.parent,
                          capture_output=True, text=True, timeout=120, env=env)


def refused(proc: subprocess.CompletedProcess, logs: Path, *needles: str) -> str:
    """Exit 2, one line on stderr containing every needle, no traceback, and no run folder under logs/."""
    assert proc.returncode == 2, proc.stdout[-2000:] + proc.stderr[-2000:]
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), proc.stderr
    for needle in needles:
        assert needle in lines[0], (needle, lines[0])
    assert "Traceback" not in proc.stderr and "--resume" not in proc.stderr and "Stage 1" not in proc.stdout
    assert not logs.exists() or not any(logs.iterdir()), sorted(p.name for p in logs.iterdir())
    return lines[0]


@pytest.mark.parametrize("args,needles", [
    (["--llm", "bogus"], ["unknown LLM profile 'bogus'"]),
    (["--llm", "replay"], ["--replay-from RUN_DIR"]),
    (["--llm", "replay", "--replay-from", "nosuch"], ["nosuch", "no such run directory"]),
    (["--executor", "bogus"], ["unknown executor 'bogus'"]),
    (["--replay-from", "nosuch", "--llm", "agent"], ["--replay-from", "--llm replay"]),
    (["--llm", "agent"], ["no-such-agent-binary"]),
    (["--llm", "empty"], ["has no command"]),
    (["--ray-address", "127.0.0.1:1"], ["--executor ray"]),
])
def test_late_found_command_line_mistakes_fail_before_a_run_folder(tmp_path, args, needles):
    refused(train(project(tmp_path), *args), tmp_path / "logs", *needles)


def test_a_replay_source_without_calls_is_refused_before_a_run_folder(tmp_path):
    empty = tmp_path / "empty_run"
    (empty / "llm").mkdir(parents=True)
    (empty / "llm" / "calls.jsonl").write_text("")
    refused(train(project(tmp_path), "--llm", "replay", "--replay-from", str(empty)), tmp_path / "logs",
            "no recorded answers")
    refused(train(project(tmp_path), "--llm", "replay", "--replay-from", str(tmp_path)), tmp_path / "logs",
            "no recorded LLM calls")


@pytest.mark.parametrize("extra,needles", [
    ("benchmark: {difficulties: [0, 9]}\n", ["benchmark.difficulties", "[0, 9]", "1 to 6"]),
    ("benchmark: {difficulties: [5, 9]}\n", ["benchmark.difficulties", "[9]"]),
    ("evolution: {populaton: 3}\n", ["unknown key 'evolution.populaton'", "did you mean 'population'"]),
    ("benchmark: {splits: {train: {seed_start: 1, cout: 3}}}\n", ["'benchmark.splits.train.cout'", "'count'"]),
    ("evolution: {population: 0}\n", ["evolution.population"]),
    ("populaton: 3\n", ["unknown key 'populaton'", "valid keys here: paths"]),
])
def test_config_mistakes_are_one_line_naming_the_file_before_a_run_folder(tmp_path, extra, needles):
    cfg = project(tmp_path, extra)
    named = tmp_path / "my settings.yaml"
    cfg.rename(named)
    line = refused(train(named), tmp_path / "logs", *needles)
    assert str(named) in line and "config.yaml" not in line  # the file actually read


def test_an_unknown_key_in_a_profile_names_the_nearest_key(tmp_path):
    cfg = project(tmp_path)
    cfg.write_text(cfg.read_text().replace("replay: {provider: replay}", "replay: {provider: replay, modle: x}"))
    refused(train(cfg), tmp_path / "logs", "'llm.profiles.replay.modle'", "did you mean 'model'")


def test_missing_folders_are_named_and_paths_are_relative_to_the_config_file(tmp_path):
    sub = tmp_path / "configs" / "nested"
    sub.mkdir(parents=True)
    cfg = sub / "train.yaml"
    cfg.write_text("paths: {prompts: prompts, logs: logs}\n")
    line = refused(train(cfg, cwd=tmp_path), sub / "logs", "paths.prompts", str(sub / "prompts"), str(cfg))
    assert "relative to its folder" in line
    cfg.write_text(f"paths: {{prompts: '{ROOT / 'prompts'}', benchmarks: nosuch, logs: logs}}\n")
    refused(train(cfg, cwd=tmp_path), sub / "logs", "paths.benchmarks", str(sub / "nosuch"))
    (sub / "prompts").symlink_to(ROOT / "prompts")  # relative to the config file, not to the current folder
    cfg.write_text("paths: {prompts: prompts, logs: logs}\n")
    checked = preflight.check(load_settings(cfg), TrainOptions(domain="trading", llm="replay",
                                                               replay_from=ROOT / "examples/runs/trading_recorded"))
    assert checked.domains == ["trading_floor"] and "new_organ" in checked.templates


def test_a_missing_template_is_named_before_a_run_folder(tmp_path):
    prompts = tmp_path / "prompts"
    prompts.mkdir()
    (prompts / "system.txt").write_text("x")
    refused(train(project(tmp_path, prompts=str(prompts))), tmp_path / "logs", "prompt template missing")


def test_ray_that_is_not_importable_is_refused(tmp_path, monkeypatch):
    import importlib.util
    settings = load_settings(project(tmp_path))
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "ray" else real(name, *a))
    with pytest.raises(StemError, match=r"pip install 'stem\[ray\]'"):
        preflight.check(settings, TrainOptions(domain="trading", llm="replay", executor="ray",
                                               replay_from=ROOT / "examples/runs/trading_recorded"))


NARROW = '''
from stem.benchmark.domain_api import Domain


class Narrow(Domain):
    name, short, levels, rules = "narrow", "narrow", (1, 2, 3), "rules"

    def generate(self, seed, level, split="adhoc"):
        raise NotImplementedError

    def verify(self, episode, artifact, probes=None):
        return []


DOMAIN = Narrow()
open(__file__ + ".imported", "w").close()  # marks that this plugin's code ran
'''


def narrow_project(tmp: Path, levels: str) -> Path:
    folder = tmp / "benchmarks" / "domains" / "narrow"
    folder.mkdir(parents=True)
    (folder / "domain.py").write_text(NARROW)
    cfg = project(tmp, f"benchmark: {{difficulties: {levels}}}\ndomains: {{paths: [benchmarks/domains]}}\n")
    return cfg


def test_a_plugins_narrower_levels_are_reported_in_one_line_or_refused(tmp_path):
    cfg = narrow_project(tmp_path / "some", "[3, 4, 5, 6]")
    checked = preflight.check(load_settings(cfg), TrainOptions(domain="narrow", llm="replay",
                                                               replay_from=ROOT / "examples/runs/trading_recorded"))
    assert checked.notes == ["note: domain narrow offers levels [1, 2, 3]; of benchmark.difficulties "
                             "[3, 4, 5, 6] it trains on [3]"]
    none = narrow_project(tmp_path / "none", "[5, 6]")
    proc = subprocess.run(STEM + ["train", "--domain", "narrow", "--config", str(none)], cwd=none.parent,
                          capture_output=True, text=True, timeout=120)
    refused(proc, none.parent / "logs", "domain narrow offers levels [1, 2, 3] only", str(none))


def test_loading_settings_runs_no_plugin_code(tmp_path):
    from stem.benchmark import domains
    cfg = narrow_project(tmp_path, "[1, 2, 3]")
    marker = tmp_path / "benchmarks" / "domains" / "narrow" / "domain.py.imported"
    settings = load_settings(cfg)
    assert not marker.exists()  # reading the config imported nothing
    domains.discover_for(settings)
    assert marker.exists() and domains.get("narrow").levels == (1, 2, 3)
    domains.discover([])  # leave the registry as other tests expect it
