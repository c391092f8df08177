"""Bring your own domain: `stem domain new|list|check`, plugins from a project folder and from an
installed package's entry point, bad plugins in one line, and a user domain trained by the same loop.
Real processes throughout: the CLI as a subprocess, a fake OpenAI-compatible server on 127.0.0.1."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from stem.runlog import RunLog

from conftest import ROOT, requires_isolation
from fake_openai import FakeOpenAI, Step, plan_json

STEM = [sys.executable, "-m", "stem.cli"]


def stem(cwd: Path, *args: str, env: dict | None = None, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run(STEM + list(args), cwd=cwd, capture_output=True, text=True, timeout=timeout,
                          env=dict(os.environ, COLUMNS="200", **(env or {})))


ACTIONS_ORGAN = ROOT / "tests" / "fixtures" / "organs" / "correct_scaffold_actions_organ.py"


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    """A fresh project folder (no config.yaml) with both scaffolded examples: wordfreq (the windows
    template, no environment) and sorted_search (the default template: an environment answers asks)."""
    tmp = tmp_path_factory.mktemp("project")
    made = stem(tmp, "domain", "new", "wordfreq", "--template", "windows")
    assert made.returncode == 0, made.stderr
    made = stem(tmp, "domain", "new", "sorted_search")
    assert made.returncode == 0, made.stderr
    return tmp


def test_new_then_check_passes_in_a_fresh_project(project):
    for name in ("domain.py", "README.md", "test_wordfreq.py"):
        assert (project / "benchmarks" / "domains" / "wordfreq" / name).is_file()
    checked = stem(project, "domain", "check", "wordfreq", "--json")
    report = json.loads(checked.stdout)
    assert checked.returncode == 0 and report["ok"] and len(report["checks"]) == 15
    again = stem(project, "domain", "new", "wordfreq")
    assert again.returncode == 2 and "already exists" in again.stderr and "Traceback" not in again.stderr
    bad = stem(project, "domain", "new", "Word-Freq")
    assert bad.returncode == 2 and "snake_case" in bad.stderr
    unknown = stem(project, "domain", "new", "other", "--template", "tables")
    assert unknown.returncode == 2 and "unknown template 'tables'" in unknown.stderr
    assert not (project / "benchmarks" / "domains" / "other").exists()


def test_the_default_scaffold_answers_actions_and_passes_its_check(project):
    folder = project / "benchmarks" / "domains" / "sorted_search"
    assert "def environment(self, episode" in (folder / "domain.py").read_text()
    checked = stem(project, "domain", "check", "sorted_search", "--json")
    report = json.loads(checked.stdout)
    assert checked.returncode == 0 and report["ok"], report
    assert "environment deterministic (level 3)" in [c["check"] for c in report["checks"]]
    tests = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(folder)],
                           cwd=project, capture_output=True, text=True, timeout=300)
    assert tests.returncode == 0 and "3 passed" in tests.stdout, tests.stdout[-2000:]


def test_list_shows_built_ins_and_the_plugin_with_its_source(project):
    rows = {r["domain"]: r for r in json.loads(stem(project, "domain", "list", "--json").stdout)}
    assert {"trading_floor", "matrix_database", "security_sandbox", "wordfreq"} <= set(rows)
    assert rows["trading_floor"]["source"] == "built-in"
    assert rows["wordfreq"]["ok"] and rows["wordfreq"]["source"].endswith("benchmarks/domains/wordfreq/domain.py")


def test_generated_episodes_verify_with_their_reference_artifacts(project, tmp_path):
    gen = stem(project, "bench", "generate", "--domain", "wordfreq", "--count", "3", "--out", str(tmp_path / "suite"),
               "--json")
    assert gen.returncode == 0, gen.stderr
    rows = json.loads(gen.stdout)["episodes"]
    assert {r["difficulty"] for r in rows} == {3}  # training levels 3-6 meet the domain's 1-3 at level 3
    for row in rows:
        expected = json.loads((tmp_path / "suite" / "private" / row["episode_id"] / "expected.json").read_text())
        answer = tmp_path / f"{row['episode_id']}.json"
        answer.write_text(json.dumps(expected["expected"]))
        ok = stem(project, "bench", "verify", str(answer), "--episode", row["public"], "--json")
        assert ok.returncode == 0 and json.loads(ok.stdout)["success"] is True
        answer.write_text(json.dumps({"top": expected["expected"]["top"][:-1]}))
        assert stem(project, "bench", "verify", str(answer), "--episode", row["public"]).returncode == 1


@requires_isolation
def write_plugin_config(project: Path, url: str, logs: str, genomes: str, extra: str = "") -> None:
    """A config training the project's plugin domains at levels 1-3 against the fake endpoint at `url`."""
    (project / "config.yaml").write_text(extra + textwrap.dedent(f"""
        paths: {{prompts: "{ROOT}/prompts", logs: {logs}, genomes: {genomes}}}
        benchmark:
          difficulties: [1, 2, 3]
          splits: {{train: {{seed_start: 1000, count: 3}}, validation: {{seed_start: 5000, count: 3}},
                   test: {{seed_floor: 1000000, count: 3}}}}
        llm:
          profile: fake
          profiles:
            fake: {{base_url: "{url}", model: fake-model, api_key_env: FAKE_LLM_KEY}}
        """))


def test_a_user_domain_is_trained_by_the_same_loop(project):
    organ = (ROOT / "tests" / "fixtures" / "organs" / "correct_wordfreq_organ.py").read_text()
    with FakeOpenAI([Step(plan_json(organ_name="word_counter", domain="wordfreq", source=organ))]) as srv:
        write_plugin_config(project, srv.url, "logs", "genomes")
        proc = stem(project, "train", "--domain", "wordfreq", env={"FAKE_LLM_KEY": "k"})
        prompt = srv.requests[0]["body"]["messages"][-1]["content"]
    (project / "config.yaml").unlink()
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    state = RunLog(next((project / "logs").glob("experiment_*"))).read_run()
    assert state["stage1"]["total"] == 3 and state["stage3"]["validation_passed"] == 3 and state["mature"]["written"]
    assert "WORDFREQ RULES" in prompt and '"lines": [' in prompt  # its rules and real observations reach the model


@requires_isolation
@pytest.mark.skipif(not ACTIONS_ORGAN.is_file(), reason=f"fixture organ {ACTIONS_ORGAN.relative_to(ROOT)} (written "
                    "by the coordinator) does not exist yet")
def test_a_plugin_domain_with_actions_trains_end_to_end(project):
    """A plugin domain with actions (scaffolded) trains end to end with the fake endpoint: the organ's
    asks are answered by the plugin's environment, its claims verified against the answers."""
    organ = ACTIONS_ORGAN.read_text()
    with FakeOpenAI([Step(plan_json(organ_name="binary_searcher", domain="sorted_search", source=organ))]) as srv:
        write_plugin_config(project, srv.url, "logs_actions", "genomes_actions",
                            "logs: {keep_turns: all}\nevolution: {lessons: false, director_every: 0, critic: false}\n")
        proc = stem(project, "train", "--domain", "sorted_search", env={"FAKE_LLM_KEY": "k"})
        prompt = srv.requests[0]["body"]["messages"][-1]["content"]
    (project / "config.yaml").unlink()
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    run = next((project / "logs_actions").glob("experiment_*"))
    state = RunLog(run).read_run()
    assert state["stage1"]["total"] == 3 and state["stage3"]["validation_passed"] == 3 and state["mature"]["written"]
    assert "SORTED_SEARCH RULES" in prompt and '"query_status"' in prompt
    from stem.turn_records import open_episode
    results = [t.result for folder in sorted((run / "episodes" / "stage3_validation").iterdir())
               for t in open_episode(folder).all_turns()]
    assert any(r.get("answers") for r in results)  # the environment answered the organ's asks


def write_installed_plugin(site: Path) -> None:
    """A tiny package laid out as pip installs one: the module and a dist-info with entry_points.txt."""
    pkg = site / "stem_tiny_domain"
    pkg.mkdir(parents=True)
    (pkg / "__init__.py").write_text(textwrap.dedent('''
        from stem.benchmark.domain_api import Domain
        from stem.benchmark.episode_model import Episode
        from stem.benchmark.manifest import Loader, OutputContract, TaskManifest, schedule
        from stem.benchmark.verdict import check

        class Echo(Domain):
            name, short, levels, rules = "echo_words", "echo", (1,), "Repeat the word from delta['word'] as {'word': ...}."

            def generate(self, seed, level, split="adhoc"):
                word = "w%d" % (seed % 97)
                turns = schedule("Read the word.", [Loader(kind="text", key="word", file="word.txt")],
                                 Loader(kind="lines_window", key="more", file="word.txt", start=0, stop=0), [(0, 1)],
                                 "Submit the word.")
                m = TaskManifest(domain=self.name, episode_id="echo-s%d-d%d" % (seed, level), split=split, seed=seed,
                                 difficulty=level, min_turns=len(turns), turns=turns,
                                 output_contract=OutputContract(artifact_keys=["word"], description="the word"))
                return Episode(manifest=m, public_files={"word.txt": word, "rules.txt": self.rules},
                               private={"expected": {"word": word}})

            def verify(self, episode, artifact, record=None):
                got = artifact.get("word") if isinstance(artifact, dict) else None
                return [check("word", got == episode.private["expected"]["word"], "the word", got, "wrong word")]

        DOMAIN = Echo()
        '''))
    dist = site / "stem_tiny_domain-0.1.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: stem-tiny-domain\nVersion: 0.1\n")
    (dist / "entry_points.txt").write_text("[stem.domains]\necho_words = stem_tiny_domain:DOMAIN\n")
    (dist / "RECORD").write_text("")


def test_a_plugin_installed_as_a_package_is_discovered(tmp_path):
    write_installed_plugin(tmp_path / "site")
    env = {"PYTHONPATH": str(tmp_path / "site")}
    rows = {r["domain"]: r for r in json.loads(stem(tmp_path, "domain", "list", "--json", env=env).stdout)}
    assert rows["echo_words"]["ok"] and rows["echo_words"]["source"].startswith("entry point echo_words")
    checked = stem(tmp_path, "domain", "check", "echo", "--json", env=env)
    assert checked.returncode == 0 and json.loads(checked.stdout)["ok"], checked.stdout


BAD = {
    "no_verify": "class D(Domain):\n    name, short, levels, rules = 'no_verify', 'nov', (1,), 'r'\n"
                 "    def generate(self, seed, level, split='adhoc'):\n        return GOOD.generate(seed, level, split)\n",
    "gen_raises": "class D(type(GOOD)):\n    name, short = 'gen_raises', 'genr'\n"
                  "    def generate(self, seed, level, split='adhoc'):\n        raise ValueError('seed table missing')\n",
    "wrong_verdict": "class D(type(GOOD)):\n    name, short = 'wrong_verdict', 'wrongv'\n"
                     "    def verify(self, episode, artifact, record=None):\n        return 'looks fine'\n",
    "not_deterministic": "import random as _r\nclass D(type(GOOD)):\n    name, short = 'not_deterministic', 'nondet'\n"
                         "    def generate(self, seed, level, split='adhoc'):\n"
                         "        return super().generate(seed + _r.randrange(10**6), level, split)\n",
    "import_error": "import no_such_module_here\n",
}


@pytest.fixture(scope="module")
def bad_project(project, tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("bad")
    (tmp / "config.yaml").write_text(f'paths: {{prompts: "{ROOT}/prompts"}}\n')  # a run checks its templates first
    good = project / "benchmarks" / "domains" / "wordfreq" / "domain.py"
    for name, body in BAD.items():
        folder = tmp / "benchmarks" / "domains" / name
        folder.mkdir(parents=True)
        head = ("import importlib.util\nfrom stem.benchmark.domain_api import Domain\n"
                f"_s = importlib.util.spec_from_file_location('wf_{name}', {str(good)!r})\n"
                "_m = importlib.util.module_from_spec(_s)\n_s.loader.exec_module(_m)\nGOOD = _m.DOMAIN\n")
        (folder / "domain.py").write_text(head + body + ("DOMAIN = D()\n" if "class D" in body else ""))
    return tmp


@pytest.mark.parametrize("name, phrase", [("no_verify", "method verify() is missing"),
                                          ("gen_raises", "raised ValueError: seed table missing"),
                                          ("wrong_verdict", "verify() returned str"),
                                          ("not_deterministic", "gave two different episodes"),
                                          ("import_error", "ModuleNotFoundError")])
def test_bad_plugins_get_one_line_and_nothing_else_breaks(bad_project, name, phrase):
    checked = stem(bad_project, "domain", "check", name, "--json")
    assert checked.returncode == 1 and "Traceback" not in checked.stdout + checked.stderr
    failed = [c for c in json.loads(checked.stdout)["checks"] if not c["passed"]]
    assert failed and phrase in failed[0]["detail"], failed
    rows = {r["domain"]: r for r in json.loads(stem(bad_project, "domain", "list", "--json").stdout)}
    assert rows["trading_floor"]["ok"] and rows["matrix_database"]["ok"]  # the others still load
    if not rows.get(name, {"ok": True})["ok"] or name == "gen_raises":  # fails to load, or at generation
        trained = stem(bad_project, "train", "--domain", name)
        lines = [ln for ln in trained.stderr.splitlines() if ln.strip()]
        assert trained.returncode == 2 and len(lines) == 1 and phrase in lines[0] and "Traceback" not in trained.stderr
