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


def test_settings_import_no_domain_code_and_splits_config_is_no_cycle():
    """config.py reads files only: it imports nothing from the benchmark (not even inside a function),
    so loading settings never runs plugin code and config <-> benchmark.splits is no cycle."""
    config_imports = imported_modules(SRC / "config.py")
    assert not [m for m in config_imports if m.startswith(("stem.benchmark", "stem.training", "stem.evolution"))]
    assert "stem.config" in imported_modules(SRC / "benchmark" / "splits.py")


def test_infer_command_is_a_thin_layer_over_the_library():
    """The one home of inference is stem/inference.py: the CLI imports it and runs no episode itself."""
    cli = imported_modules(SRC / "cli" / "infer.py") | imported_modules(SRC / "cli" / "infer_views.py")
    assert "stem.inference" in cli
    assert not cli & {"stem.agent", "stem.benchmark.episode", "stem.runtime.sandbox", "stem.runtime.organ_turn"}
