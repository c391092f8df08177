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


# Layers, lowest first: a module may import from its own layer and the layers below it, never above.
LAYERS = [
    ("base", ("errors", "jsonio", "turn_protocol", "genome", "genome_store", "run_models", "runlog", "config",
              "llm.settings", "version")),
    ("runtime", ("runtime",)),
    ("benchmark", ("benchmark",)),
    ("llm", ("llm",)),
    ("agent", ("agent", "executors")),
    ("evolution", ("evolution",)),
    ("training", ("training",)),
    ("library", ("inference", "lessons_store", "run_report", "__init__")),
    ("cli", ("cli",)),
]
# runtime, benchmark and llm are siblings: none of them imports another
SIBLINGS = {"runtime", "benchmark", "llm"}


def layer_of(module: str) -> str | None:
    """The layer of a dotted module name under stem (None: not a stem module)."""
    if module == "stem":
        return "library"
    if not module.startswith("stem."):
        return None
    rest = module[len("stem."):]
    best = None
    for name, prefixes in LAYERS:
        for prefix in prefixes:
            if rest == prefix or rest.startswith(prefix + "."):
                if best is None or len(prefix) > best[1]:
                    best = (name, len(prefix))
    return best[0] if best else "base"


def imported_stem_modules(path, src) -> set[str]:
    """Modules a file imports; `from stem.pkg import name` counts as stem.pkg.name when that is a module."""
    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            for alias in node.names:
                dotted = f"{node.module}.{alias.name}"
                parts = dotted.split(".")[1:]
                is_module = (src.joinpath(*parts).with_suffix(".py").is_file() or src.joinpath(*parts).is_dir())
                out.add(dotted if node.module.startswith("stem") and is_module else node.module)
        elif isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
    return out


def upward_imports(src=SRC) -> list[str]:
    order = {name: i for i, (name, _) in enumerate(LAYERS)}
    found = []
    for path in src.rglob("*.py"):
        rel = path.relative_to(src).with_suffix("")
        module = ".".join(("stem",) + rel.parts).removesuffix(".__init__")
        here = layer_of(module)
        for imported in imported_stem_modules(path, src):
            there = layer_of(imported)
            if there is None or there == here:
                continue
            if order[there] > order[here] or (here in SIBLINGS and there in SIBLINGS):
                found.append(f"{module} ({here}) imports {imported} ({there})")
    return sorted(found)


PENDING = {"stem.config (base) imports stem.benchmark.domains (benchmark)"}  # settings loading runs discovery: going


def test_no_lower_layer_imports_a_higher_one():
    assert [f for f in upward_imports() if f not in PENDING] == []


def test_the_layer_check_catches_an_upward_import(tmp_path):
    """The check itself can fail: a scratch copy of one runtime module that imports training."""
    pkg = tmp_path / "stem" / "runtime"
    pkg.mkdir(parents=True)
    (pkg / "scratch.py").write_text("from stem.training.evolve import stage2\nimport stem.benchmark.episode\n")
    assert upward_imports(tmp_path / "stem") == [
        "stem.runtime.scratch (runtime) imports stem.benchmark.episode (benchmark)",
        "stem.runtime.scratch (runtime) imports stem.training.evolve (training)"]
