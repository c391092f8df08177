"""Should `ast` be importable by organs? What it gives an organ reading a security target, what it costs in
the sandbox, and where its escape hatches are.

1. the re-exports the validator derives for ast (modules or callables of modules that are not allowed);
2. the functions of ast.py that call getattr / setattr / delattr / compile / exec / eval / open / print
   or touch sys, found by reading ast.py with ast, and whether the attribute name is a constant
   (a computed name is a getattr gadget);
3. generated security targets of every level: does ast.parse read each one, how long it takes, and how
   many module constants ast.literal_eval recovers;
4. one real sandboxed call per path (fresh process, fork-server child) of a small mechanism organ that
   parses turn 1's target_source and walks it, beside a two-line organ.

    .venv/bin/python tests/perf/ast_for_organs.py
"""

from __future__ import annotations

import ast
import inspect
import statistics
import time

from stem.benchmark import domains
from stem.benchmark.episode import build_observation
from stem.runtime import validator
from stem.runtime.sandbox import Sandbox

LEVELS = (1, 2, 3, 4, 5, 6)
SEEDS = range(900_000, 900_020)
CALLS = 5
WATCHED = {"getattr", "setattr", "delattr", "compile", "exec", "eval", "open", "print", "__import__"}
TINY = "def run(observation):\n    return {'trace': ['tiny']}\n"
READER = '''import ast


def run(observation):
    tree = ast.parse(observation["delta"]["target_source"])
    consts = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name):
            try:
                consts[node.targets[0].id] = ast.literal_eval(node.value)
            except ValueError:
                continue
    branches = sum(1 for node in ast.walk(tree) if isinstance(node, ast.If))
    return {"trace": [f"{len(consts)} constants, {branches} branches"], "memory": {"consts": repr(consts)}}
'''


def derived_difference() -> tuple[list[str], list[str]]:
    saved = validator.ALLOWED_IMPORTS
    try:
        validator.derived_banned_attrs.cache_clear()
        validator.ALLOWED_IMPORTS = saved | {"ast"}
        with_ast = validator.derived_banned_attrs()
        validator.derived_banned_attrs.cache_clear()
        validator.ALLOWED_IMPORTS = saved - {"ast"}
        without = validator.derived_banned_attrs()
    finally:
        validator.ALLOWED_IMPORTS = saved
        validator.derived_banned_attrs.cache_clear()
    return sorted(with_ast - without), sorted(without - with_ast)


def risky_functions() -> list[tuple[str, str, str]]:
    """(function, call, name argument) for every watched call or sys use inside ast.py's functions."""
    tree = ast.parse(inspect.getsource(ast))
    found = []
    for scope in ast.walk(tree):
        if not isinstance(scope, (ast.FunctionDef, ast.ClassDef)):
            continue
        for node in ast.walk(scope):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in WATCHED:
                name_arg = node.args[1] if len(node.args) > 1 else None
                shown = ("constant" if isinstance(name_arg, ast.Constant) else f"computed: {ast.unparse(name_arg)}") \
                    if node.func.id in {"getattr", "setattr", "delattr"} and name_arg is not None else ""
                found.append((scope.name, node.func.id, shown))
            elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "sys":
                found.append((scope.name, f"sys.{node.attr}", ""))
    return sorted(set(found))


def targets() -> dict:
    rows = {}
    for level in LEVELS:
        times, nodes, consts, sizes, failures = [], [], [], [], 0
        for seed in SEEDS:
            source = domains.generate("security", seed, level).public_files["target.py"]
            sizes.append(len(source))
            t = time.perf_counter()
            try:
                tree = ast.parse(source)
            except SyntaxError:
                failures += 1
                continue
            times.append((time.perf_counter() - t) * 1000)
            nodes.append(sum(1 for _ in ast.walk(tree)))
            n = 0
            for stmt in tree.body:
                if isinstance(stmt, ast.Assign):
                    try:
                        ast.literal_eval(stmt.value)
                        n += 1
                    except ValueError:
                        pass
            consts.append(n)
        rows[level] = {"targets": len(SEEDS), "parse_failures": failures, "max_chars": max(sizes),
                       "median_parse_ms": statistics.median(times), "median_nodes": statistics.median(nodes),
                       "constants_read": sum(consts)}
    return rows


def sandbox_calls() -> dict:
    ep = domains.generate("security", 900_001, 6)
    obs = build_observation(ep, 1, {})
    out = {}
    for label, fork in (("fresh process per call", False), ("fork-server child", True)):
        with Sandbox(fork_server=fork) as sb:
            episode = sb.stage(ep.public_files) if fork else None
            if fork:
                sb.call(TINY, obs, episode)  # the server's cold start is paid once per episode
            row = {}
            for name, src in (("two-line organ", TINY), ("ast reader", READER)):
                lat, last = [], None
                for _ in range(CALLS):
                    t = time.perf_counter()
                    last = sb.call(src, obs, episode)
                    lat.append((time.perf_counter() - t) * 1000)
                row[name] = (statistics.median(lat), last.ok, (last.response or {}).get("trace") or last.message)
            out[label] = row
    return out


def main() -> None:
    added, removed = derived_difference()
    print(f"ast in ALLOWED_IMPORTS: {'ast' in validator.ALLOWED_IMPORTS}")
    print(f"re-exports derived for ast (banned attribute names): added {added}, removed {removed}")
    print("ast.py functions with a watched call (getattr/setattr/delattr name: constant or computed):")
    for scope, call, shown in risky_functions():
        banned = "banned" if scope in validator.BANNED_ATTRS else ""
        print(f"  {scope:<22} {call:<10} {shown:<40} {banned}")
    print("security targets (20 per level): parse failures, largest target, median parse ms and nodes, "
          "module constants literal_eval reads")
    for level, r in targets().items():
        print(f"  level {level}: {r['parse_failures']} failures of {r['targets']}, max {r['max_chars']} chars, "
              f"parse {r['median_parse_ms']:.2f} ms, {r['median_nodes']:.0f} nodes, {r['constants_read']} constants")
    print(f"sandboxed calls (median of {CALLS}) on a level-6 security episode, turn 1:")
    for label, row in sandbox_calls().items():
        print(f"  {label}: " + "; ".join(f"{name} {ms:.1f} ms (ok={ok}: {detail})" for name, (ms, ok, detail) in row.items()))


if __name__ == "__main__":
    main()
