"""Shape checks for public artifact files: a malformed file becomes one line naming the file and field."""

from __future__ import annotations

from typing import Any

from stem.errors import StemError
from stem.jsonio import parse_json


def bad(file: str, field: str, problem: str) -> StemError:
    return StemError(f"{file}: field '{field}': {problem}; fix or regenerate the episode")


def json_file(files: dict[str, str], name: str) -> Any:
    if name not in files:
        raise StemError(f"{name}: public artifact is missing from the episode; regenerate it")
    return parse_json(files[name], name, "public artifact")


def require(file: str, obj: Any, field: str, typ: type | tuple[type, ...], where: str = "") -> Any:
    label = f"{where}{field}"
    if not isinstance(obj, dict) or field not in obj:
        raise bad(file, label, "missing")
    value = obj[field]
    if isinstance(value, bool) and typ is not bool or not isinstance(value, typ):
        names = typ.__name__ if isinstance(typ, type) else " or ".join(t.__name__ for t in typ)
        raise bad(file, label, f"expected {names}, got {type(value).__name__}")
    return value
