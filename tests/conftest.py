"""Shared test helpers. The 'oracle' agent below reads the PRIVATE expected artifact: it exists only to
exercise the runner and verifiers, is never an organ, and is never shown to an LLM."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

from stem.benchmark.episode_model import Episode
from stem.config import load_settings

ROOT = Path(__file__).resolve().parents[1]


def _isolation_reason() -> str:
    from stem.runtime.isolation import detect
    report = detect()
    return "" if report.isolated else "kernel forbids the sandbox layers: " + "; ".join(report.missing())


# On this project's machines every layer exists and these tests run; elsewhere they say why they skip.
requires_isolation = pytest.mark.skipif(bool(_isolation_reason()), reason=_isolation_reason() or "isolated")


@pytest.fixture
def settings():
    return load_settings(ROOT / "config.yaml")


def artifact_of(episode: Episode) -> dict:
    """The reference artifact in submission form (private 'objective' bookkeeping removed)."""
    return copy.deepcopy({k: v for k, v in episode.private["expected"].items() if k != "objective"})


def oracle_turn(episode: Episode):
    """A test-only agent that answers with the private reference; it probes only the winner."""
    expected = artifact_of(episode)

    def turn(obs: dict) -> dict:
        response = {"memory": {"turns_seen": obs["memory"].get("turns_seen", 0) + 1},
                    "trace": [f"turn {obs['turn']} read {sorted(obs['delta'])}"]}
        winner = expected.get("vector")
        if winner is not None and winner in obs["delta"].get("candidates", []):
            response["action"] = {"probe": [winner]}
        if obs["final_turn"]:
            response["artifact"] = expected
        return response

    return turn
