"""`stem domain new NAME`: a small but real domain to start from, in benchmarks/domains/NAME/."""

from __future__ import annotations

import re
from pathlib import Path

from stem.errors import StemError
from stem.jsonio import write_text_atomic

TEMPLATES = Path(__file__).resolve().parents[1] / "scaffold"
FILES = {"domain.py": "domain.py.txt", "README.md": "README.md.txt", "test_{name}.py": "test_domain.py.txt"}


def new_domain(root: Path, name: str, taken: set[str]) -> Path:
    """Write benchmarks/domains/<name>/ under `root`; refuse a bad name, a taken name or an existing folder."""
    if not re.match(r"^[a-z][a-z0-9_]{1,40}$", name):
        raise StemError(f"'{name}' is not a usable domain name; use snake_case (a letter, then letters, digits or _)")
    if name in taken:
        raise StemError(f"a domain named '{name}' already exists (stem domain list); choose another name")
    folder = root / name
    if folder.exists():
        raise StemError(f"{folder} already exists; choose another name or remove it")
    for target, template in FILES.items():
        text = (TEMPLATES / template).read_text(encoding="utf-8")
        write_text_atomic(folder / target.format(name=name), text.format(name=name, upper=name.upper()))
    return folder
