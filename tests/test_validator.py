"""Validator rules one by one: each rejection has a rule id, an exact line:col and an actionable sentence."""

from __future__ import annotations

import pytest

from stem.runtime.validator import ALLOWED_IMPORTS, MAX_BYTES, MAX_DEPTH, MAX_NODES, derived_banned_attrs, validate

OK_RUN = "def run(observation):\n    return {'trace': ['x']}\n"


def rules(source: str, **kw) -> list[str]:
    return [r.rule for r in validate(source, **kw).rejections]


def test_minimal_organ_passes():
    assert validate(OK_RUN).ok


def test_reexported_dangerous_names_are_derived_by_inspection():
    banned = derived_banned_attrs()
    for name in ("sys", "builtins", "_os", "codecs"):
        assert name in banned, name
    import random
    import typing
    assert typing.sys.__name__ == "sys" and random._os.__name__ == "os"  # what the rule is protecting against
    assert "json" not in banned and "re" not in banned


@pytest.mark.parametrize("source,rule,line,col", [
    ("import os\n" + OK_RUN, "import_not_allowed", 1, 0),
    ("import typing\ndef run(observation):\n    return typing.sys.modules\n", "banned_attribute", 3, 11),
    ("def run(observation):\n    return ().__class__\n", "dunder_attribute", 2, 11),
    ("def run(observation):\n    return eval('1')\n", "banned_name", 2, 11),
    ("def run(observation):\n    f = '{}'\n    return f.format(1)\n", "format_non_literal", 3, 11),
    ("def run(observation):\n    return '{0.real}'.format(1)\n", "format_field_access", 2, 11),
    ("class M(type):\n    x = 1\nclass A(metaclass=M):\n    y = 2\n" + OK_RUN, "class_keywords", 3, 0),
    ("def deco(f):\n    return f\n@deco\n" + OK_RUN, "decorator_not_allowed", 3, 1),
    ("class A:\n    def __del__(self):\n        return 1\n" + OK_RUN, "risky_dunder_method", 2, 4),
    ("def run(observation):\n    match observation:\n        case dict(items=x):\n            return {}\n    return {}\n",
     "match_class_keywords", 3, 13),
    ("def run(observation):\n    pass\n", "placeholder_body", 1, 0),
    ("def helper():\n    raise NotImplementedError\n" + OK_RUN, "placeholder_body", 1, 0),
    ("x = print('side effect')\n" + OK_RUN, "top_level_statement", 1, 0),
    ("def run(observation):\n    return 'benchmarks/classic/private/x'\n", "private_path_literal", 2, 11),
    ("def run(observation):\n    return '__subclasses__'\n", "dunder_literal", 2, 11),
    ("def go(observation):\n    return {}\n", "missing_run", 1, 0),
    ("def run(a, b):\n    return {}\n", "run_signature", 1, 0),
    ("from os import *\n" + OK_RUN, "star_import", 1, 0),
    ("async def run(observation):\n    return {}\n", "async", 1, 0),
    ("def run(observation: print('x')):\n    return {}\n", "annotation_call", 1, 21),
    ("def run(observation):\n    return type('X', (), {})\n", "type_constructor", 2, 11),
    ("from . import x\n" + OK_RUN, "relative_import", 1, 0),
    ("from random import _inst\n" + OK_RUN, "banned_import_name", 1, 0),
])
def test_rule_with_position(source, rule, line, col):
    report = validate(source)
    assert not report.ok
    match = [r for r in report.rejections if r.rule == rule]
    assert match, [str(r) for r in report.rejections]
    assert (match[0].line, match[0].col) == (line, col), str(match[0])
    assert len(match[0].message) > 20


def test_encoding_cookie_is_rejected():
    assert rules("# -*- coding: latin-1 -*-\n" + OK_RUN) == ["encoding_cookie"]


def test_fixture_literals_are_rejected_when_given():
    src = "def run(observation):\n    return {'artifact': {'vector': 'GROSSE-ß'}}\n"
    assert validate(src).ok
    assert rules(src, fixture_literals={"GROSSE-ß"}) == ["fixture_literal"]


def test_fail_closed_on_size_depth_and_recursion():
    assert rules("x = 1\n" * (MAX_BYTES // 5)) == ["too_large"]
    assert rules(elif_chain(MAX_DEPTH)) == ["too_deep"]  # an elif chain of n branches nests n + 5 deep
    assert rules("def run(observation):\n    return [" + "0," * (MAX_NODES + 10) + "]\n") == ["too_many_nodes"]
    assert rules("def run(observation):\n    return " + "-" * 20000 + "1\n")[0] in {"unparseable", "too_deep", "syntax_error"}
    assert rules("def run(observation:\n") == ["syntax_error"]
    assert rules(b"def run(o):\n    return '\xff'\n")[0] in {"unparseable", "syntax_error"}


def test_allowed_imports_are_accepted():
    src = "".join(f"import {m}\n" for m in sorted(ALLOWED_IMPORTS)) + OK_RUN
    assert validate(src).ok, validate(src).summary()


def elif_chain(branches: int) -> str:
    return ("def run(observation):\n    x = len(observation)\n    y = 0\n    if x == 0:\n        y = 1\n"
            + "".join(f"    elif x == {i}:\n        y = {i}\n" for i in range(1, branches))
            + "    return {'trace': [str(y)]}\n")


def helpers_module(target_bytes: int) -> str:
    """Plain code of about target_bytes: many small helpers with loops and dict lookups."""
    parts, i = [], 0
    while sum(map(len, parts)) < target_bytes:
        parts.append(f"def helper_{i}(rows, table):\n    total = 0\n    for row in rows:\n"
                     f"        key = str(row.get('k', '')).lower()\n        if key in table:\n"
                     f"            total += table[key] * {i % 7 + 1}\n        elif key:\n            total -= 1\n"
                     f"    return {{'total': total, 'n': len(rows)}}\n\n\n")
        i += 1
    return "".join(parts) + "def run(observation):\n    return {'trace': [str(helper_0([], {}))]}\n"


def test_organs_of_the_size_capable_models_write_fit_the_caps():
    big = helpers_module(MAX_BYTES - 2000)  # e.g. the 99 KB interpreter a 64 KB cap once refused
    assert 0 < MAX_BYTES - len(big.encode()) < 3000
    assert validate(big).ok, validate(big).summary()
    assert validate(elif_chain(MAX_DEPTH - 10)).ok  # a long opcode dispatch


AST_READER = '''import ast


class Calls(ast.NodeVisitor):
    def __init__(self):
        self.found = []

    def visit_Call(self, node):
        self.found.append(ast.unparse(node.func))
        self.generic_visit(node)


def run(observation):
    tree = ast.parse(observation["delta"]["target_source"])
    visitor = Calls()
    visitor.visit(tree)
    consts = [ast.literal_eval(n.value) for n in tree.body if isinstance(n, ast.Assign)]
    funcs = [n.name for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)]
    return {"trace": [ast.dump(tree)[:80]], "memory": {"calls": visitor.found, "consts": consts, "funcs": funcs}}
'''


def test_ast_reads_source_but_its_escape_hatches_are_refused():
    assert "ast" in ALLOWED_IMPORTS
    assert validate(AST_READER).ok, validate(AST_READER).summary()
    assert {"contextmanager", "nullcontext", "sys"} <= derived_banned_attrs()  # ast's re-exports of other modules
    cases = {
        "import ast\ndef run(o):\n    return dict(ast.iter_fields(run))\n": "banned_attribute",
        "from ast import iter_fields\n" + OK_RUN: "banned_import_name",
        "import ast\nclass T(ast.NodeTransformer):\n    x = 1\n" + OK_RUN: "banned_attribute",
        "from ast import NodeTransformer\n" + OK_RUN: "banned_import_name",
        "import ast\ndef run(o):\n    ast.main()\n    return {}\n": "banned_attribute",
        "import ast\ndef run(o):\n    return compile(ast.parse('1'), 'x', 'eval')\n": "banned_name",
        "import ast\ndef run(o):\n    return ast.sys.modules\n": "banned_attribute",
        "import ast\ndef run(o):\n    with ast.nullcontext():\n        return {}\n": "banned_attribute",
    }
    for source, rule in cases.items():
        assert rule in rules(source), (source, rules(source))
