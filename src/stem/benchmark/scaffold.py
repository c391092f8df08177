"""`stem domain new NAME`: a small but real domain to start from, in benchmarks/domains/NAME/.

Two examples: `actions` (the default: an environment answers the organ's actions, a hidden sorted
list searched under a query budget) and `windows` (no environment: word counts over text that
arrives in windows). Templates are plain text with __NAME__ and __UPPER__ in place of the name.
"""

from __future__ import annotations

import re
from pathlib import Path

from stem.errors import StemError
from stem.jsonio import write_text_atomic

TEMPLATES = Path(__file__).resolve().parents[1] / "scaffold"
KINDS = ("actions", "windows")
FILES = {"domain.py": "domain.py.txt", "README.md": "README.md.txt", "test_{name}.py": "test_domain.py.txt"}


def render(template: str, name: str) -> str:
    return template.replace("__NAME__", name).replace("__UPPER__", name.upper())


def new_domain(root: Path, name: str, taken: set[str], kind: str = "actions") -> Path:
    """Write benchmarks/domains/<name>/ under `root`; refuse a bad name, a taken name, an unknown
    example or an existing folder."""
    if not re.match(r"^[a-z][a-z0-9_]{1,40}$", name):
        raise StemError(f"'{name}' is not a usable domain name; use snake_case (a letter, then letters, digits or _)")
    if kind not in KINDS:
        raise StemError(f"unknown template '{kind}'; use one of: {', '.join(KINDS)}")
    if name in taken:
        raise StemError(f"a domain named '{name}' already exists (stem domain list); choose another name")
    folder = root / name
    if folder.exists():
        raise StemError(f"{folder} already exists; choose another name or remove it")
    for target, template in FILES.items():
        text = (TEMPLATES / kind / template).read_text(encoding="utf-8")
        write_text_atomic(folder / target.format(name=name), render(text, name))
    return folder
