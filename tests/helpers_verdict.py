"""Assertions on verdicts shared by the mutation tests."""

from __future__ import annotations

from stem.benchmark.verdict import Verdict


def assert_fails_with(verdict: Verdict, check_id: str, tag: str, mentions: str | None = None) -> None:
    assert not verdict.success, verdict.critique
    failing = {c.id: c for c in verdict.checks if not c.passed}
    assert check_id in failing, f"{check_id} did not fail; failing: {sorted(failing)}"
    assert tag in verdict.tags, f"tag {tag} missing from {verdict.tags}"
    assert failing[check_id].message, "a failing check must say what is wrong"
    if mentions is not None:
        assert mentions in failing[check_id].message, failing[check_id].message
    assert verdict.score < 1.0
