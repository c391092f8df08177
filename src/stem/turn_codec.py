"""Turn records as deltas: what changed since the previous turn, never the unchanged state again.

Pure functions and small stateful codecs, no I/O. An Encoder turns one episode's turns, in order,
into JSON-able lines; a Decoder fed the same lines in the same order gives back every turn's
observation, response and result exactly: the same JSON values, with dict keys in the same order.

How a value is stored, against the previous turn's value of the same part and key path:
  {"=": 0}                       unchanged
  {"v": value}                   the whole value, inline (small)
  {"b": key}                     the whole value, stored once as a content-addressed blob (large:
                                 rules text, a window of graph edges, a memory's copy of them), so
                                 repeats across keys, turns, episodes and candidates cost one key
  {"d": {k: node}, "x": [k], "o": [k], "n": 1}
                                 a dict: changed and added keys, removed keys, the full key order
                                 when it cannot be inferred, "n" when it starts from an empty dict
  {"l": n, "i": [[i, node]], "t": node}
                                 a list: the previous list's first n items, a few items changed in
                                 place, then an appended tail (binpacking's bins: one change a turn)
  {"m": 0}                       observation.memory only: the memory the organ returned on the
                                 previous turn (what the runner carries), stored once, not twice

Values compare as JSON: by type and value (true is not 1, 1 is not 1.0) and key order.
Decoded values share unchanged parts with earlier turns; treat them as read-only.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any

BLOB_MIN = 1024  # a value whose JSON text is at least this long is stored as a blob
SAME: dict = {"=": 0}
MEMORY: dict = {"m": 0}
_MISSING = object()


def canonical(value: Any) -> str:
    """The JSON text a value is compared, hashed and stored by (key order kept)."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=True)


def blob_key(text: str) -> str:
    """The content address of a blob's text: 128 bits of its sha256."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def same(a: Any, b: Any) -> bool:
    """JSON equality: Python's == first (fast, in C), then, when containers look equal, the types of
    their items and the order of their keys, so that true and 1, 1 and 1.0, or two orders of the same
    keys are told apart (0.0 and -0.0 count as the same number)."""
    if a is b:
        return True
    if type(a) is not type(b) or a != b:
        return False
    return _same_shape(a, b) if type(a) in (list, dict) else True


def _same_shape(a: Any, b: Any) -> bool:
    """For containers already ==: every item of the same JSON type, every dict's keys in the same order."""
    if type(a) is dict:
        if list(a) != list(b):
            return False
        a, b = list(a.values()), list(b.values())
    types = list(map(type, a))
    if types != list(map(type, b)):
        return False
    if dict not in types and list not in types:
        return True
    return all(_same_shape(x, y) for x, y, t in zip(a, b, types) if t is dict or t is list)


class Encoder:
    """One episode's turns into lines. `put_blob(key, text)` receives every blob the first time this
    encoder needs it (the caller stores it or writes it inline before the line)."""

    def __init__(self, put_blob: Callable[[str, str], None], blob_min: int = BLOB_MIN):
        self.put_blob, self.blob_min = put_blob, blob_min
        self.seen: set[str] = set()
        self.prev: dict[str, Any] = {}
        self.types_before: dict[int, list[type]] = {}  # item types of lists in self.prev, by id
        self.types_now: dict[int, list[type]] = {}

    def encode(self, turn: int, observation: dict, response: dict | None, result: dict) -> dict:
        prev_obs, prev_resp = self.prev.get("o", _MISSING), self.prev.get("r", _MISSING)
        carried = (prev_resp.get("memory") if isinstance(prev_resp, dict) else None) or {}
        override = None
        if isinstance(observation, dict) and "memory" in observation and same(observation["memory"], carried):
            override = {"memory": MEMORY}
        line: dict[str, Any] = {"turn": turn, "o": self._node(observation, prev_obs, override)}
        line["r"] = None if response is None else self._node(response, prev_resp)
        line["s"] = self._node(result, self.prev.get("s", _MISSING))
        self.prev = {"o": observation, "s": result, **({"r": response} if response is not None else {})}
        self.types_before, self.types_now = self.types_now, {}
        return line

    # ---------------------------------------------------------------- nodes
    def _node(self, cur: Any, prev: Any, override: dict | None = None) -> dict:
        if override is None and prev is not _MISSING and same(cur, prev):
            return SAME
        if isinstance(cur, dict):
            if isinstance(prev, dict):
                return self._dict(cur, prev, override, fresh=False)
            return self._new(cur, override)
        if isinstance(cur, list) and isinstance(prev, list) and prev:
            patch = self._list(cur, prev)
            if patch is not None:
                return patch
        return self._literal(cur)

    def _new(self, cur: dict, override: dict | None) -> dict:
        """A dict with nothing to compare against: small ones inline, large ones key by key so that
        each large part is a blob of its own (a memory holding a copy of the delta shares it)."""
        if override is None:
            text = canonical(cur)
            if len(text) < self.blob_min or not cur:
                return {"v": cur}
        return self._dict(cur, {}, override, fresh=True)

    def _dict(self, cur: dict, prev: dict, override: dict | None, fresh: bool) -> dict:
        changed: dict[str, dict] = {}
        for k, v in cur.items():
            if override and k in override:
                changed[k] = override[k]
            elif k in prev:
                if not same(v, prev[k]):
                    changed[k] = self._node(v, prev[k])
            else:
                changed[k] = self._node(v, _MISSING)
        node: dict[str, Any] = {"d": changed}
        removed = [k for k in prev if k not in cur]
        if removed:
            node["x"] = removed
        inferred = [k for k in prev if k in cur] + [k for k in cur if k not in prev]
        if inferred != list(cur):
            node["o"] = list(cur)
        if fresh:
            node["n"] = 1
        return node

    def _list(self, cur: list, prev: list) -> dict | None:
        """An appended tail and a few items changed in place, or None when the whole list is smaller."""
        n = min(len(cur), len(prev))
        limit = 4 + n // 32
        changed = self._changed_indices(cur, prev, n, limit)
        if changed is None or n - len(changed) < max(4, 2 * len(changed)):
            return None  # too few items kept: the whole list is as small
        node: dict[str, Any] = {"l": n}
        if changed:
            node["i"] = [[i, self._node(cur[i], prev[i])] for i in changed]
        if len(cur) > n:
            node["t"] = self._literal(cur[n:])
        return node

    def _item_types(self, items: list, current: bool) -> list[type]:
        """The items' types. Those of a current list are kept for the next turn, when it is `prev`
        (self.prev keeps it alive, so its id names it alone); a previous list is looked up."""
        types = None if current else self.types_before.get(id(items))
        if types is None:
            types = list(map(type, items))
        if current:
            self.types_now[id(items)] = types
        return types

    def _changed_indices(self, cur: list, prev: list, n: int, limit: int) -> list[int] | None:
        """Indices below n where the lists differ, found by halving (fast when few differ); None when
        more than `limit` differ. Lists of plain items compare values and item types slice by slice
        in C; lists holding containers compare slices with same()."""
        cur_types, prev_types = self._item_types(cur, True), self._item_types(prev, False)
        nested = dict in cur_types or list in cur_types

        def equal(a: int, b: int) -> bool:
            if nested:
                return same(cur[a:b], prev[a:b])
            return cur[a:b] == prev[a:b] and cur_types[a:b] == prev_types[a:b]

        out: list[int] = []
        stack = [(0, n)]
        while stack:
            a, b = stack.pop()
            if equal(a, b):
                continue
            if b - a <= 8:
                out.extend(i for i in range(a, b) if not same(cur[i], prev[i]))
                if len(out) > limit:
                    return None
                continue
            mid = (a + b) // 2
            stack.append((mid, b))
            stack.append((a, mid))
        return sorted(out)

    def _literal(self, value: Any) -> dict:
        if isinstance(value, (str, list, dict)):
            text = canonical(value)
            if len(text) >= self.blob_min:
                key = blob_key(text)
                if key not in self.seen:
                    self.seen.add(key)
                    self.put_blob(key, text)
                return {"b": key}
        return {"v": value}


def blob_keys(line: dict) -> set[str]:
    """Every blob a turn line refers to (pure: walks the nodes)."""
    out: set[str] = set()
    stack = [line.get(part) for part in ("o", "r", "s")]
    while stack:
        node = stack.pop()
        if not isinstance(node, dict):
            continue
        if "b" in node:
            out.add(node["b"])
        stack.extend(node.get("d", {}).values())
        stack.extend(child for _, child in node.get("i", ()))
        if "t" in node:
            stack.append(node["t"])
    return out


class Decoder:
    """Lines back into turns. `get_blob(key)` returns a blob's value (the caller parses its text)."""

    def __init__(self, get_blob: Callable[[str], Any]):
        self.get_blob = get_blob
        self.cache: dict[str, Any] = {}
        self.prev: dict[str, Any] = {}

    def decode(self, line: dict) -> tuple[int, dict, dict | None, dict]:
        prev_resp = self.prev.get("r", _MISSING)
        carried = (prev_resp.get("memory") if isinstance(prev_resp, dict) else None) or {}
        observation = self._value(line["o"], self.prev.get("o", _MISSING), carried)
        response = None if line.get("r") is None else self._value(line["r"], prev_resp)
        result = self._value(line["s"], self.prev.get("s", _MISSING))
        self.prev = {"o": observation, "s": result, **({"r": response} if response is not None else {})}
        return int(line["turn"]), observation, response, result

    def _value(self, node: dict, prev: Any, carried: Any = _MISSING) -> Any:
        if "=" in node:
            if prev is _MISSING:
                raise ValueError("an unchanged value with no previous turn to take it from")
            return prev
        if "v" in node:
            return node["v"]
        if "b" in node:
            key = node["b"]
            if key not in self.cache:
                self.cache[key] = self.get_blob(key)
            return self.cache[key]
        if "m" in node:
            if carried is _MISSING:
                raise ValueError("a memory reference outside an observation")
            return carried
        if "d" in node:
            base = {} if node.get("n") or not isinstance(prev, dict) else prev
            removed = set(node.get("x", ()))
            out = {k: v for k, v in base.items() if k not in removed}
            for k, child in node["d"].items():
                out[k] = self._value(child, base.get(k, _MISSING), carried if k == "memory" else _MISSING)
            if "o" in node:
                out = {k: out[k] for k in node["o"]}
            return out
        if "l" in node:
            if not isinstance(prev, list):
                raise ValueError("a list patch with no previous list")
            out = prev[:node["l"]]
            for i, child in node.get("i", ()):
                out[i] = self._value(child, prev[i])
            if "t" in node:
                out = out + self._value(node["t"], _MISSING)
            return out
        raise ValueError(f"unknown node {sorted(node)[:3]}")
