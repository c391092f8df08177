"""The package layout the architecture fixes: the CLI is a package of command groups with their views,
and nothing in the core imports from it."""

from __future__ import annotations

import ast

from conftest import ROOT

SRC = ROOT / "src" / "stem"


def imported_modules(path) -> set[str]:
    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            out.add(node.module)
        elif isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
    return out


def test_core_modules_import_nothing_from_the_cli():
    offenders = {str(p.relative_to(SRC)): sorted(m for m in imported_modules(p) if m.startswith("stem.cli"))
                 for p in SRC.rglob("*.py") if "cli" not in p.relative_to(SRC).parts}
    assert {k: v for k, v in offenders.items() if v} == {}


def test_each_command_group_has_its_module():
    for name in ("train", "infer", "bench", "organ", "logs", "doctor", "perf"):
        assert (SRC / "cli" / f"{name}.py").is_file(), name
    assert not [p.name for p in SRC.glob("*_views.py")] and not (SRC / "report.py").exists()
