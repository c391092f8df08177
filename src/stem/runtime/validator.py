"""The AST gate for organ source: early, readable rejections (the OS layers are the security boundary).

Every rejection carries a rule id, line:col and a sentence a model can act on. The gate fails
closed: unparseable, oversized or too deeply nested source is rejected, RecursionError included.
"""

from __future__ import annotations

import ast
import functools
import importlib
import re
import string
import types
from dataclasses import asdict, dataclass, field

# ast is here for reading source (a security target is Python): parse, walk, NodeVisitor, literal_eval,
# unparse. It makes no code object without compile (a banned name); see tests/perf/ast_for_organs.py.
ALLOWED_IMPORTS = frozenset({
    "json", "csv", "re", "math", "cmath", "statistics", "collections", "collections.abc", "itertools",
    "functools", "heapq", "bisect", "decimal", "fractions", "datetime", "string", "textwrap", "typing",
    "dataclasses", "enum", "operator", "copy", "random", "unicodedata", "difflib", "numbers", "ast",
})
BANNED_NAMES = frozenset({
    "eval", "exec", "compile", "getattr", "setattr", "delattr", "vars", "globals", "locals", "open",
    "input", "breakpoint", "__import__", "exit", "quit", "help", "memoryview", "__builtins__",
    "__loader__", "__spec__", "classmethod_descriptor",
})
# attribute names with no use in an organ and a known use in escapes, beyond the derived re-exports
BANNED_ATTRS = frozenset({
    "f_globals", "f_locals", "f_back", "f_builtins", "f_code", "gi_frame", "gi_code", "gi_yieldfrom",
    "cr_frame", "cr_code", "ag_frame", "ag_code", "tb_frame", "tb_next", "co_code", "co_consts",
    "format_map", "vformat", "get_field", "attrgetter", "methodcaller", "mro", "Formatter",
    "system", "popen", "spawn", "fork", "load_module", "exec_module",
    # ast: iter_fields reads any attribute named in an object's _fields (a getattr: it reaches a
    # function's globals), NodeTransformer sets and deletes them, main() reads stdin or a file and prints
    "iter_fields", "NodeTransformer", "main",
})
ALLOWED_DUNDER_DEFS = frozenset({"__init__", "__repr__", "__str__", "__lt__", "__eq__", "__hash__", "__len__"})
ALLOWED_DECORATORS = frozenset({
    "staticmethod", "classmethod", "property", "dataclass", "dataclasses.dataclass", "lru_cache",
    "functools.lru_cache", "cache", "functools.cache", "total_ordering", "functools.total_ordering",
})
TOP_LEVEL_CALLS = frozenset({"re.compile", "frozenset", "set", "tuple", "list", "dict", "Decimal",
                             "decimal.Decimal", "Fraction", "namedtuple", "collections.namedtuple", "range"})
# what a string literal may not contain: private fixtures, system paths, the project tree (the contract lists them)
PATH_FRAGMENTS = ("private/", "expected.json", "benchmarks/", "/proc", "/etc/", "/root", "/home/", ".env", "/work/",
                  "genomes/", "site-packages", "/dev/", "/sys/", "../")
WORD_END = {"/proc", ".env"}  # these only as whole words (.envelope, /processes are fine)
FIXTURE_PATTERNS = re.compile("(" + "|".join(re.escape(f) + (r"\b" if f in WORD_END else "") for f in PATH_FRAGMENTS) + ")")
CODING = re.compile(rb"^[ \t\f]*#.*?coding[:=][ \t]*([-\w.]+)")
# Size caps, set from tests/perf/organ_size_limits.py (the commit that set them quotes its numbers): a
# 250 KB organ costs about 0.26 s here and about 55 ms of compile per sandboxed call; real code runs
# 60-290 syntax nodes per KB and nests 15-42 deep, while an elif chain of n branches nests n + 5 deep.
FIXTURE_LITERAL_MIN = 6  # a held-out expected string this long or longer may not appear in an organ
MAX_BYTES = 256_000
MAX_NODES = 100_000
MAX_DEPTH = 400


@dataclass
class Rejection:
    rule: str
    line: int
    col: int
    message: str

    def __str__(self) -> str:
        return f"{self.line}:{self.col} [{self.rule}] {self.message}"


@dataclass
class ValidationReport:
    ok: bool
    rejections: list[Rejection] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"ok": self.ok, "rejections": [asdict(r) for r in self.rejections]}

    def summary(self, limit: int = 5) -> str:
        return "; ".join(str(r) for r in self.rejections[:limit])


@functools.lru_cache(maxsize=1)
def derived_banned_attrs() -> frozenset[str]:
    """Names under which an allowed module re-exports a module or callable that is not allowed.

    Found by inspecting the allowed modules (typing.sys, dataclasses.builtins, random._os,
    statistics.sys, json.codecs, ...), not listed by hand.
    """
    banned = set()
    for modname in ALLOWED_IMPORTS:
        mod = importlib.import_module(modname)
        for name in dir(mod):
            try:
                value = getattr(mod, name)
            except Exception:
                continue
            if isinstance(value, types.ModuleType):
                if value.__name__ not in ALLOWED_IMPORTS:
                    banned.add(name)
            elif callable(value) and getattr(value, "__module__", None) in {"builtins"} \
                    and getattr(value, "__name__", "") in BANNED_NAMES:
                banned.add(name)
            elif callable(value):
                owner = (getattr(value, "__module__", None) or "").split(".")[0]
                if owner and owner not in {m.split(".")[0] for m in ALLOWED_IMPORTS} | {"builtins", "_operator",
                        "_functools", "_collections", "_heapq", "_bisect", "_decimal", "_json", "_csv", "_sre",
                        "_random", "_datetime", "_statistics", "_string", "unicodedata", "_collections_abc",
                        "_abc", "abc", "types", "_pydecimal", "_strptime", "re._compiler", "sre_compile"}:
                    banned.add(name)
    return frozenset(banned - {"abc", "ABC"})


def _dotted(node: ast.AST) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return f"{_dotted(node.value)}.{node.attr}"
    if isinstance(node, ast.Call):
        return _dotted(node.func)
    return "?"


def _depth(tree: ast.AST) -> int:
    deepest, stack = 0, [(tree, 1)]
    while stack:
        node, d = stack.pop()
        deepest = max(deepest, d)
        if d > MAX_DEPTH:
            return d
        stack.extend((child, d + 1) for child in ast.iter_child_nodes(node))
    return deepest


def _is_placeholder(body: list[ast.stmt]) -> bool:
    stmts = [s for s in body if not (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant)
                                     and isinstance(s.value.value, str))]
    if not stmts:
        return True
    if len(stmts) == 1:
        s = stmts[0]
        if isinstance(s, ast.Pass) or (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant) and s.value.value is Ellipsis):
            return True
        if isinstance(s, ast.Raise) and s.exc is not None and "NotImplementedError" in _dotted(s.exc):
            return True
    return False


def _literal_value(node: ast.AST) -> bool:
    """Constants and containers of constants (plus a few pure constructors) are fine at top level."""
    for sub in ast.walk(node):
        if isinstance(sub, ast.Call) and _dotted(sub.func) not in TOP_LEVEL_CALLS:
            return False
        if isinstance(sub, (ast.Lambda, ast.NamedExpr, ast.Await, ast.Yield, ast.YieldFrom)):
            return False
    return True


class _Gate:
    def __init__(self, fixture_literals: frozenset[str]):
        self.out: list[Rejection] = []
        self.fixtures = fixture_literals
        self.banned_attrs = BANNED_ATTRS | derived_banned_attrs()

    def reject(self, node: ast.AST | None, rule: str, message: str) -> None:
        line = getattr(node, "lineno", 1) if node is not None else 1
        col = getattr(node, "col_offset", 0) if node is not None else 0
        self.out.append(Rejection(rule, line, col, message))

    def top_level(self, tree: ast.Module) -> None:
        run = None
        for i, stmt in enumerate(tree.body):
            if isinstance(stmt, (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.ClassDef)):
                if isinstance(stmt, ast.FunctionDef) and stmt.name == "run":
                    run = stmt
                continue
            if i == 0 and isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant) and isinstance(stmt.value.value, str):
                continue  # module docstring
            if isinstance(stmt, (ast.Assign, ast.AnnAssign)) and stmt.value is not None and _literal_value(stmt.value):
                targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
                if all(isinstance(t, ast.Name) for t in targets):
                    continue
            self.reject(stmt, "top_level_statement",
                        "only imports, constants, functions and classes may appear at module level; "
                        "move this statement inside run() or a helper function")
        if run is None:
            self.reject(None, "missing_run", "define a top-level function `def run(observation: dict) -> dict:`")
        else:
            args = run.args
            if len(args.args) != 1 or args.vararg or args.kwarg or args.kwonlyargs or args.posonlyargs:
                self.reject(run, "run_signature", "run must take exactly one positional parameter: run(observation)")

    def visit(self, node: ast.AST) -> None:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            self.imports(node)
        elif isinstance(node, ast.Name):
            if node.id in BANNED_NAMES:
                self.reject(node, "banned_name", f"`{node.id}` is not available to organs; use plain code and the "
                                                 "observation's data instead")
            elif node.id.startswith("__") and node.id.endswith("__"):
                self.reject(node, "dunder_name", f"dunder name `{node.id}` is not allowed in organs")
        elif isinstance(node, ast.Attribute):
            if node.attr.startswith("__"):
                self.reject(node, "dunder_attribute", f"attribute `{node.attr}` is not allowed: organs may not "
                                                      "reach interpreter internals")
            elif node.attr in self.banned_attrs:
                self.reject(node, "banned_attribute", f"attribute `.{node.attr}` reaches a module or internal that "
                                                      "organs may not use")
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            self.function(node)
        elif isinstance(node, ast.ClassDef):
            self.klass(node)
        elif isinstance(node, ast.Call):
            self.call(node)
        elif isinstance(node, ast.Constant) and isinstance(node.value, (str, bytes)):
            self.literal(node)
        elif isinstance(node, ast.MatchClass) and node.kwd_attrs:
            self.reject(node, "match_class_keywords", "match class patterns with keyword attributes are not allowed; "
                                                      "match on dicts or tuples instead")
        elif isinstance(node, (ast.Global, ast.Nonlocal)):
            pass
        elif isinstance(node, (ast.AsyncWith, ast.AsyncFor, ast.Await)):
            self.reject(node, "async", "async code is not allowed in organs")

    def imports(self, node: ast.Import | ast.ImportFrom) -> None:
        if isinstance(node, ast.ImportFrom):
            if node.level:
                self.reject(node, "relative_import", "relative imports are not allowed")
                return
            names = [node.module or ""]
            for alias in node.names:
                if alias.name == "*":
                    self.reject(node, "star_import", f"`from {node.module} import *` is not allowed; import names explicitly")
                elif alias.name in self.banned_attrs or alias.name.startswith("_") or alias.name in BANNED_NAMES:
                    self.reject(node, "banned_import_name", f"`{alias.name}` from {node.module} is not available to organs")
        else:
            names = [alias.name for alias in node.names]
        for name in names:
            if name not in ALLOWED_IMPORTS:
                self.reject(node, "import_not_allowed", f"module `{name}` is not allowed; organs may import only: "
                                                        + ", ".join(sorted(ALLOWED_IMPORTS)))

    def function(self, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda) -> None:
        if isinstance(node, ast.AsyncFunctionDef):
            self.reject(node, "async", "async functions are not allowed in organs")
        if isinstance(node, ast.Lambda):
            return
        if node.name.startswith("__") and node.name.endswith("__") and node.name not in ALLOWED_DUNDER_DEFS:
            self.reject(node, "risky_dunder_method", f"defining `{node.name}` is not allowed (implicit execution); "
                                                     f"allowed special methods: {', '.join(sorted(ALLOWED_DUNDER_DEFS))}")
        for dec in node.decorator_list:
            if _dotted(dec) not in ALLOWED_DECORATORS:
                self.reject(dec, "decorator_not_allowed", f"decorator `{_dotted(dec)}` is not allowed; allowed: "
                                                          + ", ".join(sorted(ALLOWED_DECORATORS)))
        if _is_placeholder(node.body):
            self.reject(node, "placeholder_body", f"function `{node.name}` has a placeholder body; implement it")
        annotations = [a.annotation for a in node.args.args + node.args.kwonlyargs if a.annotation] + \
                      ([node.returns] if node.returns else [])
        for ann in annotations:
            if any(isinstance(sub, ast.Call) for sub in ast.walk(ann)):
                self.reject(ann, "annotation_call", "annotations may name types only, not call functions")

    def klass(self, node: ast.ClassDef) -> None:
        if node.keywords:
            self.reject(node, "class_keywords", "class keywords (metaclass=..., etc.) are not allowed")
        for base in node.bases:
            if not isinstance(base, (ast.Name, ast.Attribute)):
                self.reject(base, "class_base", "class bases must be plain names")
        for dec in node.decorator_list:
            if _dotted(dec) not in ALLOWED_DECORATORS:
                self.reject(dec, "decorator_not_allowed", f"decorator `{_dotted(dec)}` is not allowed")

    def call(self, node: ast.Call) -> None:
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr == "format":
            receiver = func.value
            if not (isinstance(receiver, ast.Constant) and isinstance(receiver.value, str)):
                self.reject(node, "format_non_literal", "str.format is allowed only on a string literal; use an f-string")
            else:
                self.format_fields(receiver)
        if isinstance(func, ast.Name) and func.id == "type" and len(node.args) != 1:
            self.reject(node, "type_constructor", "type() may only be called with one argument")

    def format_fields(self, node: ast.Constant) -> None:
        try:
            fields = [f for _, f, _, _ in string.Formatter().parse(node.value) if f]
        except ValueError:
            self.reject(node, "format_string", "malformed format string")
            return
        for f in fields:
            if "." in f or "[" in f:
                self.reject(node, "format_field_access", f"format field `{{{f}}}` accesses attributes or items; "
                                                         "compute the value first and format plain names")

    def literal(self, node: ast.Constant) -> None:
        text = node.value if isinstance(node.value, str) else node.value.decode("latin-1")
        if re.search(r"__\w+__", text):
            self.reject(node, "dunder_literal", "string literals may not name dunder attributes")
        if FIXTURE_PATTERNS.search(text):
            self.reject(node, "private_path_literal", "string literal names a private fixture, system path or the "
                                                      "project tree; organs get their data from the observation only")
        elif text in self.fixtures:
            self.reject(node, "fixture_literal", "string literal hard-codes a held-out expected answer; compute it from "
                                                 "the observation instead")


def validate(source: str | bytes, fixture_literals: frozenset[str] | set[str] = frozenset()) -> ValidationReport:
    raw = source.encode("utf-8", "surrogatepass") if isinstance(source, str) else source
    if len(raw) > MAX_BYTES:
        return ValidationReport(False, [Rejection("too_large", 1, 0, f"organ source is {len(raw)} bytes; the cap is {MAX_BYTES}")])
    for i, line in enumerate(raw.splitlines()[:2], 1):
        if CODING.match(line):
            return ValidationReport(False, [Rejection("encoding_cookie", i, 0, "encoding declarations are not allowed; "
                                                      "organ source is UTF-8")])
    try:
        text = raw.decode("utf-8")
        tree = ast.parse(text, filename="<organ>")
    except SyntaxError as exc:
        return ValidationReport(False, [Rejection("syntax_error", exc.lineno or 1, (exc.offset or 1) - 1,
                                                  f"not valid Python: {exc.msg}")])
    except (RecursionError, MemoryError, ValueError, UnicodeDecodeError) as exc:
        return ValidationReport(False, [Rejection("unparseable", 1, 0, f"source rejected: {type(exc).__name__} "
                                                  "while parsing (too deeply nested or not UTF-8)")])
    try:
        nodes = sum(1 for _ in ast.walk(tree))
        if nodes > MAX_NODES:
            return ValidationReport(False, [Rejection("too_many_nodes", 1, 0, f"{nodes} syntax nodes; the cap is {MAX_NODES}")])
        if _depth(tree) > MAX_DEPTH:
            return ValidationReport(False, [Rejection("too_deep", 1, 0, f"syntax nested deeper than {MAX_DEPTH} levels; "
                                                      "flatten the code")])
        gate = _Gate(frozenset(s for s in fixture_literals if len(s) >= FIXTURE_LITERAL_MIN))
        gate.top_level(tree)
        for node in ast.walk(tree):
            gate.visit(node)
    except RecursionError:
        return ValidationReport(False, [Rejection("too_deep", 1, 0, "RecursionError while checking; flatten the code")])
    out = sorted(gate.out, key=lambda r: (r.line, r.col, r.rule))
    return ValidationReport(not out, out)
