"""Near misses: candidates rejected for a mechanical reason are worth a revision, not a "do not repeat".

A finished organ that is too large, uses a banned name or import on a few lines, has a syntax error,
or whose answer was cut off at the token limit is one edit away from running. Its source and the
exact rule, lines and limit go to the next generation as a *revise* role. A rejection of the
approach itself (network, files, processes, code execution, hard-coded answers or private paths)
stays in "do not repeat". Pure functions of the validator's report and the answer.
"""

from __future__ import annotations

import json
import re

from stem.runtime.validator import ValidationReport

# validator rules that say nothing against the idea, only against its form
MECHANICAL_RULES = frozenset({
    "too_large", "too_many_nodes", "too_deep", "syntax_error", "unparseable", "encoding_cookie",
    "top_level_statement", "missing_run", "run_signature", "dunder_name", "dunder_attribute", "banned_attribute",
    "risky_dunder_method", "decorator_not_allowed", "placeholder_body", "annotation_call", "class_keywords",
    "class_base", "format_non_literal", "format_string", "format_field_access", "type_constructor",
    "dunder_literal", "match_class_keywords", "async", "relative_import", "star_import", "banned_import_name",
    "banned_name", "import_not_allowed",
})
# names and modules whose use is an approach the sandbox forbids (files, processes, network, running code)
APPROACH_NAMES = frozenset({"open", "eval", "exec", "compile", "__import__", "input", "breakpoint", "globals",
                            "locals", "vars", "__builtins__", "__loader__", "__spec__"})
APPROACH_MODULES = frozenset({
    "os", "sys", "io", "socket", "ssl", "select", "selectors", "subprocess", "multiprocessing", "threading",
    "concurrent", "asyncio", "signal", "shutil", "pathlib", "glob", "tempfile", "fileinput", "urllib", "http",
    "ftplib", "smtplib", "requests", "httpx", "ctypes", "cffi", "importlib", "builtins", "inspect", "pickle",
    "marshal", "shelve", "code", "codeop", "runpy", "pty", "fcntl", "resource", "gc", "platform", "sysconfig",
})
MAX_REJECTED_LINES = 6  # more rejected lines than this is a different organ, not a near miss
_BANNED = re.compile(r"`([\w.]+)`")


def _approach(rule: str, message: str) -> bool:
    named = _BANNED.findall(message)
    if rule == "banned_name":
        return bool(named) and named[0] in APPROACH_NAMES
    if rule in ("import_not_allowed", "banned_import_name"):
        return bool(named) and named[0].split(".")[0] in APPROACH_MODULES
    return rule not in MECHANICAL_RULES


def is_near_miss(report: ValidationReport) -> bool:
    """True when every rejection is mechanical and they sit on at most MAX_REJECTED_LINES lines."""
    if report.ok or not report.rejections:
        return False
    if any(_approach(r.rule, r.message) for r in report.rejections):
        return False
    return len({r.line for r in report.rejections}) <= MAX_REJECTED_LINES


def salvage_source(answer: str) -> str | None:
    """The organ source from an answer cut off at the token limit: the text of its "source" string up
    to where the answer stops (JSON escapes decoded), or None when no source had begun."""
    m = re.search(r'"source"\s*:\s*"', answer)
    if m is None:
        return None
    body, out, i = answer[m.end():], [], 0
    while i < len(body):
        ch = body[i]
        if ch == '"':
            break
        if ch == "\\" and i + 1 < len(body):
            chunk = body[i:i + 6] if body[i + 1] == "u" else body[i:i + 2]
            try:
                out.append(json.loads(f'"{chunk}"'))
            except ValueError:
                break
            i += len(chunk)
            continue
        out.append(ch)
        i += 1
    text = "".join(out)
    return text if len(text) >= 30 else None
