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

# The shape of a response, checked in one place for every path (the sandbox's worker results and any
# agent the runner drives): plain JSON within these caps, only the contract's keys.
MAX_DEPTH = 32
MAX_NODES = 200_000
RESPONSE_KEYS = {"memory", "action", "trace", "artifact", "limitations"}


def plain_json_problem(value: Any) -> str | None:
    """None when `value` is made only of dict/list/str/int/float/bool/None within the caps."""
    stack = [(value, 1)]
    nodes = 0
    while stack:
        item, depth = stack.pop()
        nodes += 1
        if nodes > MAX_NODES:
            return f"more than {MAX_NODES} values"
        if depth > MAX_DEPTH:
            return f"nested deeper than {MAX_DEPTH} levels"
        if isinstance(item, dict):
            for key, val in item.items():
                if not isinstance(key, str):
                    return "object keys must be strings"
                stack.append((val, depth + 1))
        elif isinstance(item, list):
            stack.extend((val, depth + 1) for val in item)
        elif not (item is None or isinstance(item, (str, int, float, bool))):
            return f"{type(item).__name__} is not a JSON type"
    return None


def check_response(response: Any) -> str | None:
    """A one-line problem with the organ's response, or None."""
    if not isinstance(response, dict):
        return f"run() must return a dict, got {type(response).__name__}"
    problem = plain_json_problem(response)
    if problem:
        return f"run() returned a response that is not plain JSON: {problem}"
    unknown = sorted(set(response) - RESPONSE_KEYS)
    if unknown:
        return f"unknown response keys {unknown}; allowed: {sorted(RESPONSE_KEYS)}"
    if "memory" in response and not isinstance(response["memory"], dict):
        return "'memory' must be a dict"
    if "trace" in response and not isinstance(response["trace"], list):
        return "'trace' must be a list of steps"
    if response.get("action") is not None and not isinstance(response["action"], dict):
        return "'action' must be a JSON object (or absent)"
    return None
