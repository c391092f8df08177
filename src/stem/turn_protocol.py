"""The protocol between whoever answers an episode's turns (an organ in the sandbox, the bare stem cell,
a test agent) and the EpisodeRunner that drives them. It sits below both `runtime` and `benchmark`,
so neither has to import the other.

A turn function takes one observation (plain JSON) and returns the response: a dict, JSON text, or a
TurnReply carrying the response together with what the organ printed. It raises TurnFailure to report
a structured failure (a crash, a timeout, a limit, a rejection) that the runner records with its tag.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


class TurnFailure(Exception):
    """A turn that produced no response: `tag` names the failure, `line` the organ line when known."""

    def __init__(self, tag: str, message: str, line: int | None = None, output: dict[str, str] | None = None):
        super().__init__(message)
        self.tag, self.message, self.line, self.output = tag, message, line, output


@dataclass
class TurnReply:
    """A response plus the organ's own output on this turn ({"stdout": ..., "stderr": ...}, bounded)."""
    response: Any
    output: dict[str, str] | None = None


TurnFn = Callable[[dict], Any]
