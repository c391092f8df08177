"""Repairs as edits: search/replace blocks applied to the parent's source by the harness.

A repair of a 61 KB organ need not re-emit 61 KB: the answer may carry `edits`, each a `search`
text copied exactly from the parent and its `replace`ment, applied in order. An edit whose search
text is missing, or occurs more than once, refuses the whole answer with one line naming the edit;
the result is validated like any other source. Pure functions.
"""

from __future__ import annotations

import difflib

from stem.genome import Edit


class EditMismatch(ValueError):
    """An edit that cannot be applied exactly; the message names the edit and why."""


def _preview(text: str, limit: int = 80) -> str:
    line = " ".join(text.split())
    return line if len(line) <= limit else line[:limit] + "…"


def apply_edits(source: str, edits: list[Edit]) -> str:
    """`source` with every edit applied in order (each search must occur exactly once at its turn)."""
    text = source
    for n, edit in enumerate(edits, 1):
        count = text.count(edit.search)
        if count == 0:
            raise EditMismatch(f"edit {n} of {len(edits)}: its search text ({_preview(edit.search)!r}) does not occur "
                               "in the parent's source (after the earlier edits); copy it exactly, whitespace included")
        if count > 1:
            raise EditMismatch(f"edit {n} of {len(edits)}: its search text ({_preview(edit.search)!r}) occurs {count} "
                               "times; include more surrounding lines so it occurs once")
        text = text.replace(edit.search, edit.replace, 1)
    return text


def unified_diff(before: str, after: str, a_name: str, b_name: str) -> list[str]:
    return list(difflib.unified_diff(before.splitlines(), after.splitlines(), a_name, b_name, lineterm=""))
