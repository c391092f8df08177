"""Adapter from an organ (source text) to the EpisodeRunner's turn function, through the sandbox."""

from __future__ import annotations

from pathlib import Path

from stem.runtime.organ_session import OrganSession, SessionError
from stem.runtime.sandbox import CallResult, Sandbox
from stem.runtime.validator import ValidationReport, validate
from stem.turn_protocol import TurnFailure, TurnReply


class OrganRejected(Exception):
    def __init__(self, report: ValidationReport):
        super().__init__(report.summary())
        self.report = report


class OrganTurn:
    """The turn function of one episode: each call runs one turn of `source` and returns
    TurnReply(response, output) or raises TurnFailure(tag, message, organ line, output).

    In the sandbox's "session" mode the turns go to one organ session, opened on the first turn. An
    episode with fewer than `sandbox.session_min_turns` turns (the observation's turn_count) takes
    `Sandbox.call` instead, and so does one whose session cannot start (the fork server, then a fresh
    process per call); `fallback` says why. The caller closes it (`close()`, or use it as a context
    manager): the session's processes go with it. What the organ printed rides on each TurnReply
    (or TurnFailure) as `output`; the runner records it and keeps the first turns' in the result."""

    def __init__(self, sandbox: Sandbox, source: str, episode_dir: Path | None):
        self.sandbox, self.source, self.episode_dir = sandbox, source, episode_dir
        self.session: OrganSession | None = None
        self.fallback = "" if sandbox.mode == "session" else f"sandbox mode {sandbox.mode}"

    def _call(self, observation: dict) -> CallResult:
        if not self.fallback and self.session is None:
            turns = observation.get("turn_count")
            if isinstance(turns, int) and turns < self.sandbox.session_min_turns:
                self.fallback = f"{turns} turns: fewer than session_min_turns ({self.sandbox.session_min_turns})"
                return self.sandbox.call(self.source, observation, self.episode_dir)
            try:
                self.session = self.sandbox.session(self.source, self.episode_dir)
            except SessionError as exc:
                self.fallback = str(exc)
        if self.session is not None:
            return self.session.call(observation)
        return self.sandbox.call(self.source, observation, self.episode_dir)

    def __call__(self, observation: dict) -> TurnReply:
        observation = dict(observation, artifacts_dir=self.sandbox.artifacts_dir(self.episode_dir))
        result = self._call(observation)
        output = result.output or None
        if not result.ok:
            raise TurnFailure(result.tag or "runtime_exception", result.message, result.line, output)
        return TurnReply(result.response, output)

    def close(self) -> None:
        if self.session is not None:
            self.session.close()

    def __enter__(self) -> "OrganTurn":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def organ_turn(sandbox: Sandbox, source: str, episode_dir: Path | None, check: bool = True) -> OrganTurn:
    """A turn function for one episode of `source` (see OrganTurn); close it when the episode ends.

    With `check` the validator runs first and a rejection raises OrganRejected before any turn.
    Sandbox failures become TurnFailure(tag, message, organ line, output) for the runner to record.
    """
    if check:
        report = validate(source)
        if not report.ok:
            raise OrganRejected(report)
    return OrganTurn(sandbox, source, episode_dir)
