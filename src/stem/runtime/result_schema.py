"""Schema check for what a worker returns: plain JSON types, bounded depth and size, the response keys."""

from __future__ import annotations

from typing import Any

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
    return None
