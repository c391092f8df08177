"""EpisodeRunner: turn schedule, memory, trace files, probes served by the environment, failure tags."""

from __future__ import annotations

import json

import pytest

from stem.benchmark import domains, splits
from stem.benchmark.episode import EpisodeRunner, TurnFailure
from stem.benchmark.security_targets import PROTECTED
from stem.turn_records import RECORD_FILE, open_episode

from conftest import artifact_of, oracle_turn


@pytest.fixture
def trade(settings):
    return splits.resolve_episode(settings, "trade_002")[0]


@pytest.fixture
def sec(settings):
    return splits.resolve_episode(settings, "sec_003")[0]


def test_observations_follow_the_organ_contract_and_memory_is_carried(trade, tmp_path):
    seen = []

    def turn(obs):
        seen.append(obs)
        response = {"memory": {"count": obs["memory"].get("count", 0) + 1}, "trace": ["counted"]}
        if obs["final_turn"]:
            response["artifact"] = artifact_of(trade)
        return response

    result = EpisodeRunner(trade, tmp_path, artifacts_dir="/episode").run(turn)
    assert result.verdict.success, result.verdict.critique
    assert [o["turn"] for o in seen] == list(range(1, trade.manifest.min_turns + 1))
    assert [o["memory"].get("count", 0) for o in seen] == list(range(trade.manifest.min_turns))
    first, last = seen[0], seen[-1]
    assert set(first) == {"domain_id", "episode_id", "turn", "turn_count", "final_turn", "event", "delta", "memory",
                          "artifacts_dir"}
    assert all(o["turn_count"] == len(trade.manifest.turns) for o in seen)  # every turn says how many there are
    assert first["event"] == "start" and "rules" in first["delta"] and "contract" in first["delta"]
    assert last["final_turn"] and last["event"] == "finalize" and "output_contract" in last["delta"]
    rows = [r for o in seen for r in o["delta"].get("market_rows", [])]
    assert len(rows) == len(trade.public_files["market.csv"].splitlines()) - 1  # every market row, once
    assert first["artifacts_dir"] == "/episode"
    record = open_episode(tmp_path)  # one compact file holds every turn
    assert sorted(p.name for p in tmp_path.iterdir()) == [RECORD_FILE]
    turns = record.all_turns()
    assert [t.turn for t in turns] == list(range(1, trade.manifest.min_turns + 1))
    for t in turns:  # observation, response and result of every turn, as the organ saw and returned them
        assert t.observation == seen[t.turn - 1] and isinstance(t.response, dict) and isinstance(t.result, dict)
    assert turns[1].response["memory"] == {"count": 2} and turns[-1].result["limitations"] is None
    assert record.verdict["success"] is True


def test_non_json_output_gets_its_own_tag(trade):
    result = EpisodeRunner(trade).run(lambda obs: "I think the ledger is fine.")
    assert result.verdict.tags == ["non_json_output"] and result.verdict.score == 0.0
    assert result.turns_run == 1


def test_json_that_is_not_an_object_is_malformed(trade):
    result = EpisodeRunner(trade).run(lambda obs: "[1, 2, 3]")
    assert result.verdict.tags == ["malformed_response"]


def test_json_text_responses_are_accepted(trade):
    oracle = oracle_turn(trade)
    result = EpisodeRunner(trade).run(lambda obs: json.dumps(oracle(obs)))
    assert result.verdict.success


def test_missing_trace_is_tagged_even_with_a_correct_artifact(trade):
    oracle = oracle_turn(trade)

    def turn(obs):
        response = oracle(obs)
        if obs["turn"] == 2:
            response.pop("trace")
        return response

    result = EpisodeRunner(trade).run(turn)
    assert not result.verdict.success
    assert "missing_physical_trace" in result.verdict.tags
    failing = [c for c in result.verdict.checks if not c.passed]
    assert [c.id for c in failing] == ["turn_traces"] and "[2]" in failing[0].message


def test_finishing_early_is_a_multi_turn_collapse(trade):
    def turn(obs):
        return {"trace": ["rushed"], "artifact": artifact_of(trade)}

    result = EpisodeRunner(trade).run(turn)
    assert result.verdict.tags == ["multi_turn_collapse"]
    assert result.turns_run == 1
    assert f"at least {trade.manifest.min_turns} turns" in result.verdict.critique


def test_agent_that_stops_answering_collapses(trade):
    result = EpisodeRunner(trade).run(lambda obs: None if obs["turn"] == 2 else {"trace": ["x"]})
    assert result.verdict.tags == ["multi_turn_collapse"] and result.turns_run == 2


def test_missing_final_artifact(trade):
    result = EpisodeRunner(trade).run(lambda obs: {"trace": ["x"]})
    assert result.verdict.tags == ["incomplete_final_artifact"]


def test_exceptions_become_runtime_exception(trade):
    def turn(obs):
        raise KeyError("price")

    result = EpisodeRunner(trade).run(turn)
    assert result.verdict.tags == ["runtime_exception"] and "KeyError" in result.verdict.critique


def test_structured_failures_keep_their_tag_and_line(trade):
    def turn(obs):
        raise TurnFailure("timeout", "wall-clock limit of 2s exceeded", line=14)

    result = EpisodeRunner(trade).run(turn)
    assert result.verdict.tags == ["timeout"] and "organ line 14" in result.verdict.critique


def test_probes_are_served_on_the_next_turn_by_the_environment(sec, tmp_path):
    probed_results = []

    def turn(obs):
        probed_results.extend(obs["delta"].get("probe_results", []))
        response = {"trace": ["probe all"], "memory": {}}
        if obs["delta"].get("candidates"):
            response["action"] = {"probe": obs["delta"]["candidates"][:2]}
        if obs["final_turn"]:
            win = [p for p in probed_results if p["result"] == PROTECTED]
            response["artifact"] = {"vector": win[0]["vector"], "observed": win[0]["result"]} if win else {}
        return response

    result = EpisodeRunner(sec, tmp_path).run(turn)
    assert probed_results and all(set(p) == {"vector", "result"} for p in probed_results)
    assert len(result.record) == len(probed_results)
    assert result.verdict.success, result.verdict.critique


def test_probe_limits_budget_and_undelivered_candidates(sec, tmp_path):
    assert sec.manifest.probe_budget == 4
    notes = []

    def turn(obs):
        if obs["turn"] == 2:
            return {"trace": ["t"], "action": {"probe": ["not-a-candidate"] + obs["delta"]["candidates"] * 3}}
        if obs["turn"] == 3:
            return {"trace": ["t"], "action": {"probe": obs["delta"]["candidates"]}}
        return {"trace": ["t"], "action": {"probe": ["strasse"]} if obs["final_turn"] else {}}

    result = EpisodeRunner(sec, tmp_path).run(turn)
    results = {t.turn: t.result for t in open_episode(tmp_path).turns()}
    for t in (2, 3, sec.manifest.min_turns):
        notes += results[t].get("probe_notes", [])
    assert len(result.record) == 4  # the whole budget, never more
    assert any("not a delivered candidate" in n for n in notes)
    assert any("budget of 4" in n for n in notes)
    assert any("final turn are not served" in n for n in notes)
    assert all(p["turn"] in (2, 3) for p in result.record)


def test_per_turn_probe_limit():
    ep = domains.generate("security", 3, 2)
    counts = []

    def turn(obs):
        counts.append(len(obs["delta"].get("probe_results", [])))
        return {"trace": ["t"], "action": {"probe": (obs["delta"].get("candidates") or []) * 5}}

    EpisodeRunner(ep).run(turn)
    assert max(counts) <= ep.manifest.probe_limit_per_turn
