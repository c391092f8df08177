"""Every reference solution passes its own verifier: 200 generated episodes per domain and level, plus classics."""

from __future__ import annotations

import pytest

from stem.benchmark import domains, splits
from stem.benchmark.episode import EpisodeRunner

from conftest import artifact_of, oracle_turn

# domains scored from what their environment recorded (binpacking) have no artifact that passes on its
# own: their reference is played through the runner below and in their own tests
CASES = [(name, level) for name, d in sorted(domains.BUILTINS.items()) if not d.scores_without_answer
         for level in d.levels]


@pytest.mark.parametrize("domain,level", CASES)
def test_reference_artifact_passes_on_200_generated_episodes(domain, level):
    failures = []
    for seed in range(200):
        ep = domains.generate(domain, seed, level)
        verdict = domains.verify(ep, artifact_of(ep), record=[{"vector": ep.private["expected"].get("vector")}])
        if not verdict.success:
            failures.append((seed, verdict.critique))
    assert failures == []


def test_classic_suite_has_three_per_domain_and_an_impossible_trade(settings):
    classic = splits.classic_episodes(settings)
    per_domain = {name: [e for e in classic if e.domain == name] for name in domains.BUILTINS}
    assert all(len(eps) >= 3 for eps in per_domain.values()), {k: len(v) for k, v in per_domain.items()}
    assert any(e.private["expected"]["impossible"] for e in per_domain["trading_floor"])


def test_every_classic_episode_passes_through_the_runner(settings, tmp_path):
    for ep in splits.classic_episodes(settings):
        domain = domains.get(ep.domain)
        agent = domain.reference_agent(ep) if domain.scores_without_answer else oracle_turn(ep)
        result = EpisodeRunner(ep, tmp_path / ep.episode_id).run(agent)
        assert result.verdict.success, (ep.episode_id, result.verdict.critique)
        assert result.turns_run == ep.manifest.min_turns


@pytest.mark.parametrize("domain", sorted(domains.BUILTINS))
def test_generated_episodes_pass_through_the_runner(domain, tmp_path):
    for level in domains.BUILTINS[domain].levels:
        ep = domains.generate(domain, 77, level)
        agent = domains.BUILTINS[domain].reference_agent(ep) if domains.BUILTINS[domain].scores_without_answer \
            else oracle_turn(ep)
        result = EpisodeRunner(ep, tmp_path / ep.episode_id).run(agent)
        assert result.verdict.success, (ep.episode_id, result.verdict.critique)


def test_classic_expected_values_are_the_hand_checked_ones(settings):
    """Hand-computed answers for the classic suite (worked out on paper from the public files)."""
    eps = {e.episode_id: e.private["expected"] for e in splits.classic_episodes(settings)}
    assert eps["trade_001"]["final_cash"] == "372.30"          # 10 ACME @9.60 + 6 BOLT @4.95, fees 1.00
    assert [r["tick"] for r in eps["trade_002"]["ledger"] if r["asset"] == "CORN"] == [2, 4, 6]  # cooldown-aware
    assert eps["trade_003"]["unmet_targets"] == ["FERN"] and eps["trade_003"]["final_cash"] == "204.40"
    assert eps["graph_001"]["answer"] == ["apollo", "hermes"]
    assert eps["graph_002"]["paths"] == [["api", "auth", "db", "logs"]]
    assert eps["graph_003"]["answer"] == []
    assert eps["sec_002"]["vector"] == "file=ledger&mode=read&mode=write"
    bins = {e.episode_id: e.private for e in splits.classic_episodes(settings) if e.domain == "binpacking"}
    assert [bins[k]["lower_bound"] for k in ("bins_001", "bins_002", "bins_003")] == [3, 3, 4]  # ceil(30/10), ceil(30/10), ceil(400/100)
    assert bins["bins_001"]["reference_bins"] == 3  # 6+4, 5+5, 7+3: every bin full
