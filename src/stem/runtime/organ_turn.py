"""Adapter from an organ (source text) to the EpisodeRunner's turn function, through the sandbox."""

from __future__ import annotations

from pathlib import Path

from stem.turn_protocol import TurnFailure, TurnFn
from stem.runtime.sandbox import Sandbox
from stem.runtime.validator import ValidationReport, validate


class OrganRejected(Exception):
    def __init__(self, report: ValidationReport):
        super().__init__(report.summary())
        self.report = report


def organ_turn(sandbox: Sandbox, source: str, episode_dir: Path | None, check: bool = True) -> TurnFn:
    """A turn function that runs `source` in a fresh sandboxed worker for every turn.

    With `check` the validator runs first and a rejection raises OrganRejected before any turn.
    Sandbox failures become TurnFailure(tag, message, organ line) for the runner to record.
    """
    if check:
        report = validate(source)
        if not report.ok:
            raise OrganRejected(report)

    def turn(observation: dict) -> dict:
        observation = dict(observation, artifacts_dir=sandbox.artifacts_dir(episode_dir))
        result = sandbox.call(source, observation, episode_dir)
        if not result.ok:
            raise TurnFailure(result.tag or "runtime_exception", result.message, result.line)
        return result.response

    return turn
