"""Structured answers: find JSON in an answer (JSON mode, fenced or embedded), validate it with pydantic,
and on failure make one repair round-trip that quotes the validation errors. Raw answers are kept."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from pydantic import BaseModel, ValidationError

from stem.llm.budget import BudgetExceeded
from stem.llm.client import LLMClient
from stem.llm.retry import LLMError

T = TypeVar("T", bound=BaseModel)
FENCE = re.compile(r"```(?:json|JSON)?\s*\n(.*?)```", re.S)


def json_candidates(text: str) -> list[str]:
    """Whole answer, fenced blocks, then each balanced {...} span, in that order."""
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
    seen, unique = set(), []
    for c in out:
        if c and c not in seen:
            seen.add(c)
            unique.append(c)
    return unique


def parse_answer(text: str, model: type[T], truncated: bool = False) -> tuple[T | None, list[str]]:
    errors: list[str] = []
    found_json = False
    for cand in json_candidates(text):
        try:
            data = json.loads(cand)
        except json.JSONDecodeError:
            continue
        found_json = True
        try:
            return model.model_validate(data), []
        except ValidationError as exc:
            errors = [f"field '{'.'.join(str(p) for p in e['loc']) or '(root)'}': {e['msg']}" for e in exc.errors()]
    if not found_json:
        errors = ["no JSON object found in the answer" + (" (the answer was cut off at the token limit; be shorter)"
                                                          if truncated else "")]
    return None, errors


@dataclass
class StructuredResult(Generic[T]):
    value: T | None
    raw_answers: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    repaired: bool = False


def ask_structured(client: LLMClient, messages: list[dict[str, str]], model: type[T], repair_template: str,
                   purpose: str = "plan") -> StructuredResult[T]:
    answer = client.complete(messages, purpose=purpose)
    value, errors = parse_answer(answer.text, model, answer.finish_reason == "length")
    result: StructuredResult[T] = StructuredResult(value, [answer.text], errors)
    if value is not None:
        return result
    repair = repair_template.format(model_name=model.__name__, errors="\n".join(f"- {e}" for e in errors[:12]),
                                    schema=json.dumps(model.model_json_schema(), indent=1))
    follow = messages + [{"role": "assistant", "content": answer.text}, {"role": "user", "content": repair}]
    try:
        second = client.complete(follow, purpose=f"{purpose}:repair")
    except (BudgetExceeded, LLMError) as exc:  # the first answer stands as an unusable one
        result.errors = errors + [f"no repair round-trip: {getattr(exc, 'reason', None) or exc}"]
        return result
    value, errors = parse_answer(second.text, model, second.finish_reason == "length")
    result.raw_answers.append(second.text)
    result.value, result.errors, result.repaired = value, errors, True
    return result
