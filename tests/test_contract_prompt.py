"""The organ contract in every prompt is rendered from the constants that enforce it, and every prompt
that shows an observation shows the domain's decisive public files whole and small objects uncut."""

from __future__ import annotations

import dataclasses
import json
import re

import pytest
from conftest import ROOT

from stem.benchmark import domains
from stem.benchmark.episode import build_observation
from stem.evolution import prompts as promptlib
from stem.evolution.contract import PLACEHOLDER, contract_values
from stem.evolution.pareto import Member
from stem.evolution.roles import Role
from stem.evolution.transcripts import FILE_LIMIT
from stem.genome import OrganRef
from stem.llm.settings import LLMSettings
from stem.genome import TransformationPlan
from stem.runtime import result_schema, validator
from stem.runtime.sandbox import Limits

TEMPLATES = promptlib.load_templates(ROOT / "prompts")


def joined(names) -> str:
    return ", ".join(sorted(names))


def expected_statements(lim: Limits, answer_chars: int) -> list[str]:
    """What the contract must say, derived here from the enforcing constants (not from contract.py)."""
    return [
        f"at most {validator.MAX_BYTES} bytes", f"{validator.MAX_NODES} syntax nodes",
        f"nested at most {validator.MAX_DEPTH} levels",
        f"imports only from: {joined(validator.ALLOWED_IMPORTS)}",
        f"not available: {joined(validator.BANNED_NAMES)}",
        f"(your own included): {joined(validator.BANNED_ATTRS | validator.derived_banned_attrs())}",
        f"decorators only: {joined(validator.ALLOWED_DECORATORS)}",
        f"special methods you may define: {joined(validator.ALLOWED_DUNDER_DEFS)}",
        f"may call only: {joined(validator.TOP_LEVEL_CALLS)}",
        f"only these keys: {joined(result_schema.RESPONSE_KEYS)}",
        f"within {lim.result_bytes} bytes as JSON", f"at most\n{result_schema.MAX_NODES} values",
        f"nested at most {result_schema.MAX_DEPTH} levels deep",
        f"{lim.cpu_seconds:g} s of CPU time", f"{lim.wall_seconds:g} s of wall-clock time",
        f"{lim.memory_mb} MB of memory", f"{lim.open_files} open files", f"{lim.processes} processes",
        f"file-size limit of\n    {lim.file_size_bytes} bytes", f"first {lim.log_bytes} bytes of stdout",
        f"per episode: {lim.episode_cpu_seconds:g} s of CPU time",
        f"within {answer_chars} characters (llm.max_answer_chars)",
        f"containing any of: {', '.join(validator.PATH_FRAGMENTS)}",
        f"{validator.FIXTURE_LITERAL_MIN} or more characters equal to a string in a held-out",
        f"must match {TransformationPlan.model_fields['organ_name'].metadata[0].pattern}",
    ]


def test_contract_states_every_enforced_limit_with_the_default_limits():
    text = promptlib.contract_text(TEMPLATES)
    default_answer = LLMSettings().max_answer_chars
    missing = [s for s in expected_statements(Limits(), default_answer) if s not in text]
    assert missing == [], missing


def test_contract_states_the_runs_own_limits_field_by_field():
    """Every field of Limits, set to a value of its own, appears in the contract rendered for that run."""
    changes = {}
    for i, f in enumerate(dataclasses.fields(Limits)):
        changes[f.name] = 7.25 + i if f.type in (float, "float") else 900_001 + 1_000 * i
    lim = Limits(**changes)
    text = promptlib.contract_text(TEMPLATES, lim, 123_457)
    for name, value in changes.items():
        shown = f"{value:g}" if isinstance(value, float) else str(value)
        assert re.search(rf"(?<![\d.]){re.escape(shown)}(?![\d.])", text), f"Limits.{name} = {shown} is not in the contract"
    missing = [s for s in expected_statements(lim, 123_457) if s not in text]
    assert missing == [], missing
    default = promptlib.contract_text(TEMPLATES)
    assert str(changes["log_bytes"]) not in default and "123457" not in default


def test_contract_template_holds_placeholders_not_numbers():
    template = TEMPLATES["organ_contract"]
    assert re.findall(r"\d", template.replace("UTF-8", "")) == [], "a hand-typed number in prompts/organ_contract.txt"
    used = set(PLACEHOLDER.findall(template))
    assert used == set(contract_values()), "a placeholder is unused or unknown"
    assert PLACEHOLDER.findall(promptlib.contract_text(TEMPLATES)) == []


def test_contract_turn_wording_holds_for_any_process_model():
    text = promptlib.contract_text(TEMPLATES)
    assert "Each turn starts from a freshly executed module" in text and 'only the "memory"' in text
    assert "fresh process" not in text


@pytest.mark.parametrize("domain", ["trading", "matrix", "security"])
def test_contract_names_every_key_of_a_real_observation(domain):
    ep = domains.generate(domain, 5, max(domains.get(domain).levels))
    documented = set(re.findall(r"^  (\w+) {2,}", TEMPLATES["organ_contract"].split("return value")[0], re.M))
    for spec in ep.manifest.turns:
        obs = build_observation(ep, spec.turn, {})
        assert set(obs) <= documented, f"observation keys not in the contract: {sorted(set(obs) - documented)}"


def member(name: str, train, score: float) -> Member:
    return Member(organ=OrganRef(name=name, path=f"skills/{name}.py", sha256="0" * 64), domain="security_sandbox",
                  generation=1, candidate=1, rationale=f"idea {name}",
                  scores={e.episode_id: score for e in train}, passed_ids=[])


def generation_prompts(domain: str, level: int, roles: list[Role]) -> tuple[promptlib.GenerationPrompts, list]:
    train = [domains.generate(domain, seed, level, "train") for seed in (41, 42)]
    a, b = member("parent_a", train, 0.5), member("parent_b", train, 0.25)
    parents = {m.organ.name: promptlib.Parent(m, "def run(observation):\n    return {'trace': ['x']}\n")
               for m in (a, b)}
    return promptlib.GenerationPrompts(TEMPLATES, domains.get(domain).name, 2, train, roles, parents, [a, b],
                                       "", [], []), train


ALL_ROLES = [Role("new_organ"), Role("immigrant"), Role("repair", ("parent_a",)), Role("crossover", ("parent_a", "parent_b"))]


def test_every_security_prompt_carries_target_py_whole():
    prompts, train = generation_prompts("security", 6, ALL_ROLES)
    target = promptlib.sample_episode(train).public_files["target.py"].rstrip()
    assert len(target) < FILE_LIMIT
    for i, role in enumerate(ALL_ROLES, 1):
        user = prompts.messages(i)[1]["content"]
        assert f"--- target.py (in full) ---\n{target}\n--- end of target.py ---" in user, role.kind
        assert '"target_source": "<the text of target.py, shown in full below>"' in user, role.kind


def test_a_decisive_file_over_its_cap_is_cut_visibly():
    ep = domains.generate("security", 3, 2).model_copy(deep=True)
    ep.public_files["target.py"] = "x = 1\n" * (FILE_LIMIT // 6 + 50)
    text = promptlib.decisive_files_text(ep, ("target.py",))
    over = len(ep.public_files["target.py"].rstrip()) - FILE_LIMIT
    assert f"--- target.py (first {FILE_LIMIT} chars) ---" in text and f"[… {over} more chars of target.py not shown]" in text
    assert promptlib.decisive_files_text(ep, ()) == ""


def test_matrix_prompt_shows_the_query_steps_and_filters_whole():
    prompts, train = generation_prompts("matrix", 6, [Role("new_organ")])
    user = prompts.messages(1)[1]["content"]
    episode = promptlib.sample_episode(train)
    query = build_observation(episode, 1, {})["delta"]["query"]
    assert query["steps"] and any(step["where"] for step in query["steps"])
    for step in query["steps"]:
        assert f'"hops": {json.dumps(step["hops"])}' in user and f'"rel": "{step["rel"]}"' in user
        for flt in step["where"]:
            assert json.dumps(flt, ensure_ascii=False) in user, flt
    sample = user.split("OBSERVATIONS AS")[1].split("WHAT WENT WRONG")[0]
    assert "object with" not in sample and "more items]" in sample  # small objects whole, the long node list cut
    node = build_observation(episode, 1, {})["delta"]["nodes"][0]
    assert f'"props": {json.dumps(node["props"], ensure_ascii=False)}' in sample


def test_sample_value_cuts_only_long_strings_and_lists_and_says_so():
    value = {"k": "x" * 800, "small": [1, 2, 3], "few": [{"a": i, "b": {"c": [i]}} for i in range(8)],
             "many": list(range(500)), "deep": {"a": {"b": {"c": {"d": {"e": 1}}}}}}
    shown = promptlib.sample_value(value)
    assert shown["k"] == "x" * promptlib.SAMPLE_STR_CHARS + f"…[+{800 - promptlib.SAMPLE_STR_CHARS} chars]"
    assert shown["small"] == [1, 2, 3] and shown["few"] == value["few"] and shown["deep"] == value["deep"]
    assert shown["many"] == [0, 1, 2, f"…[+{500 - promptlib.SAMPLE_ITEMS} more items]"]
