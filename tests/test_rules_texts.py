"""Every built-in rules text says how many turns an episode has and where that is stated, and each
generated episode's observations carry exactly those numbers."""

from __future__ import annotations

import pytest

from stem.benchmark import domains
from stem.benchmark.episode import EpisodeRunner


@pytest.mark.parametrize("name", sorted(domains.BUILTINS))
def test_rules_state_the_turn_count_and_observations_carry_it(name):
    domain = domains.BUILTINS[name]
    flat = " ".join(domain.rules.split())
    for phrase in ('observation["turn_count"]', 'observation["final_turn"]', 'observation["turn"]',
                   "turn_count - 2 data turns"):
        assert phrase in flat, (name, phrase)
    ep = domain.generate(11, domain.levels[0])
    seen = []
    reference = domain.reference_agent(ep)

    def agent(obs):
        seen.append((obs["turn"], obs["turn_count"], obs["final_turn"], obs["event"]))
        return reference(obs)

    assert EpisodeRunner(ep, domain=domain).run(agent).verdict.success
    count = len(ep.manifest.turns)
    assert seen == [(t, count, t == count, "start" if t == 1 else "finalize" if t == count else "data")
                    for t in range(1, count + 1)]


def test_security_says_the_last_data_turn_is_turn_count_minus_one():
    flat = " ".join(domains.get("security").rules.split())
    assert "The last candidates arrive on turn turn_count - 1" in flat
    assert "A probe requested on turn turn_count - 1 is still served" in flat
