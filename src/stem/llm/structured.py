"""Structured answers: find JSON in an answer (JSON mode, fenced or embedded), validate it with pydantic,
and on failure make one repair round-trip that quotes the validation errors. Raw answers are kept.

Parsing is bounded, because an answer is input from outside: an answer over `max_chars` is refused
before any search, JSON nested deeper than MAX_DEPTH is refused before json.loads sees it (no
RecursionError), and at most MAX_SPANS candidate spans are tried."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from pydantic import BaseModel, ValidationError

from stem.llm.budget import BudgetExceeded
from stem.llm.client import LLMClient, clip_answer
from stem.llm.retry import LLMError

T = TypeVar("T", bound=BaseModel)
FENCE = re.compile(r"```(?:json|JSON)?\s*\n(.*?)```", re.S)
MAX_DEPTH = 40
MAX_SPANS = 40
ECHO_CHARS = 20_000  # how much of an unusable answer the repair round-trip quotes back


def nesting_depth(text: str) -> int:
    """The deepest [ / { nesting outside strings (a cheap scan; no parsing)."""
    depth = deepest = 0
    in_str = esc = False
    for ch in text:
        if in_str:
            if esc:
                esc = False
            elif ch == "\\":
                esc = True
            elif ch == '"':
                in_str = False
        elif ch == '"':
            in_str = True
        elif ch in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif ch in "]}" and depth:
            depth -= 1
    return deepest


def json_candidates(text: str) -> list[str]:
    """Whole answer, fenced blocks, then each balanced {...} span, in that order (at most MAX_SPANS)."""
    out = [text.strip()]
    out += [m.group(1).strip() for m in FENCE.finditer(text)]
    depth, start, in_str, esc = 0, None, False, False
    for i, ch in enumerate(text):
        if in_str:
            esc = (ch == "\\") and not esc
            if ch == '"' and not esc:
                in_str = False
            continue
        if ch == '"':
            in_str = True
        elif ch == "{":
            if depth == 0:
                start = i
            depth += 1
        elif ch == "}" and depth:
            depth -= 1
            if depth == 0 and start is not None:
                out.append(text[start:i + 1])
                if len(out) > MAX_SPANS * 4:
                    break
    seen, unique = set(), []
    for c in out:
        if c and c not in seen:
            seen.add(c)
            unique.append(c)
    return unique[:MAX_SPANS]


def parse_answer(text: str, model: type[T], truncated: bool = False,
                 max_chars: int = 400_000) -> tuple[T | None, list[str]]:
    if len(text) > max_chars:
        return None, [f"answer too large: over {max_chars} characters (llm.max_answer_chars); reply with one "
                      "JSON object holding a shorter organ"]
    if "\x00" in text:
        return None, ["the answer contains NUL characters; reply with plain JSON text"]
    errors: list[str] = []
    found_json = False
    too_deep = False
    for cand in json_candidates(text):
        if nesting_depth(cand) > MAX_DEPTH:
            too_deep = True
            continue
        try:
            data = json.loads(cand)
        except (json.JSONDecodeError, RecursionError, ValueError):
            continue
        found_json = True
        try:
            return model.model_validate(data), []
        except ValidationError as exc:
            errors = [f"field '{'.'.join(str(p) for p in e['loc']) or '(root)'}': {e['msg']}" for e in exc.errors()]
    if not found_json:
        errors = ["no JSON object found in the answer" + (" (the answer was cut off at the token limit; be shorter)"
                                                          if truncated else "")]
        if too_deep:
            errors = [f"JSON nested deeper than {MAX_DEPTH} levels; the plan is one flat object"]
    return None, errors


@dataclass
class StructuredResult(Generic[T]):
    value: T | None
    raw_answers: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    repaired: bool = False
    truncated: bool = False  # an answer stopped at the token limit


def ask_structured(client: LLMClient, messages: list[dict[str, str]], model: type[T], repair_template: str,
                   purpose: str = "plan") -> StructuredResult[T]:
    cap = client.max_answer_chars
    answer = client.complete(messages, purpose=purpose)
    value, errors = parse_answer(answer.text, model, answer.finish_reason == "length", cap)
    result: StructuredResult[T] = StructuredResult(value, [clip_answer(answer.text, cap)], errors,
                                                   truncated=answer.finish_reason == "length")
    if value is not None:
        return result
    repair = repair_template.format(model_name=model.__name__, errors="\n".join(f"- {e}" for e in errors[:12]),
                                    schema=json.dumps(model.model_json_schema(), indent=1))
    follow = messages + [{"role": "assistant", "content": clip_answer(answer.text, ECHO_CHARS)},
                         {"role": "user", "content": repair}]
    try:
        second = client.complete(follow, purpose=f"{purpose}:repair")
    except (BudgetExceeded, LLMError) as exc:  # the first answer stands as an unusable one
        result.errors = errors + [f"no repair round-trip: {getattr(exc, 'reason', None) or exc}"]
        return result
    value, errors = parse_answer(second.text, model, second.finish_reason == "length", cap)
    result.raw_answers.append(clip_answer(second.text, cap))
    result.value, result.errors, result.repaired = value, errors, True
    result.truncated = result.truncated or second.finish_reason == "length"
    return result
