"""What an organ's size costs: the validator, and the sandbox compiling + executing the module per call.

Sources are generated programmatically (seeded): code that looks like a real organ's (module constants,
helpers with loops, dict lookups, elif chains, string handling, small classes, one run()) and solves
nothing. For 100, 150, 200 and 250 KB it prints the validator's time, node count and depth (caps lifted
for the measurement), the cost of compile() and exec of the module in a subprocess of the sandbox's
interpreter, and one real Sandbox().call through the per-call path and through an episode's fork
server, beside the same call with a two-line organ. Then the depth that the sandbox's interpreter can
still compile (long elif chains and + chains are the deep shapes real code has), and, for reference,
node density and depth of the largest standard-library modules (real code).

    .venv/bin/python tests/perf/organ_size_limits.py [--json]
"""

from __future__ import annotations

import ast
import json
import random
import statistics
import subprocess
import sys
import sysconfig
import time
from pathlib import Path

from stem.runtime import validator
from stem.runtime.isolation import detect
from stem.runtime.sandbox import Limits, Sandbox

SIZES_KB = (100, 150, 200, 250)
REPEATS = 5
TINY = "def run(observation):\n    return {'trace': ['tiny'], 'memory': {}}\n"
OBSERVATION = {"domain_id": "perf", "episode_id": "perf", "turn": 1, "final_turn": False, "event": "data",
               "delta": {"text": "alpha beta 12 gamma 7 delta", "rows": [{"k": "a", "v": 3}, {"k": "b", "v": 5}]},
               "memory": {}, "artifacts_dir": ""}
WORDS = ("alpha", "beta", "gamma", "delta", "omega", "kappa", "sigma", "theta", "lambda_", "zeta", "rho", "tau")
COMPILE_EXEC = r"""
import json, sys, time
src = sys.stdin.read()
t0 = time.perf_counter(); code = compile(src, "<organ>", "exec"); t1 = time.perf_counter()
ns = {"__name__": "organ"}; exec(code, ns); t2 = time.perf_counter()
ns["run"](json.loads(sys.argv[1])); t3 = time.perf_counter()
print(json.dumps({"compile_ms": (t1 - t0) * 1000, "exec_ms": (t2 - t1) * 1000, "run_ms": (t3 - t2) * 1000}))
"""


# -- synthetic organ source ------------------------------------------------------------------------
def _name(rng: random.Random, prefix: str) -> str:
    return f"{prefix}_{rng.choice(WORDS)}_{rng.randrange(10_000)}"


def _table(rng: random.Random, i: int) -> str:
    entries = ", ".join(f'"{rng.choice(WORDS)}{k}": {rng.choice([str(rng.randrange(1000)), repr(rng.choice(WORDS)), "[1, 2, 3]", "None", "True"])}'
                        for k in range(rng.randrange(4, 14)))
    return f"TABLE_{i} = {{{entries}}}\n\n\n"


def _scanner(rng: random.Random, name: str) -> str:
    branches = rng.randrange(6, 30)
    lines = [f"def {name}(text):", "    tokens = []", "    i = 0", "    while i < len(text):", "        ch = text[i]",
             "        if ch.isspace():", "            i += 1", "            continue"]
    for b in range(branches):
        lines += [f"        elif ch == {chr(33 + b % 90)!r}:", f"            tokens.append(({b}, ch))", "            i += 1"]
    lines += ["        elif ch.isdigit():", "            j = i", "            while j < len(text) and text[j].isdigit():",
              "                j += 1", "            tokens.append(('num', int(text[i:j])))", "            i = j",
              "        else:", "            tokens.append(('chr', ch))", "            i += 1", "    return tokens", ""]
    return "\n".join(lines) + "\n"


def _worker(rng: random.Random, name: str, tables: list[str]) -> str:
    t = rng.choice(tables) if tables else "{}"
    k = rng.randrange(2, 9)
    return (f"def {name}(rows, memory):\n"
            f"    \"\"\"Fold the rows into totals keyed by {rng.choice(WORDS)}.\"\"\"\n"
            f"    totals = {{}}\n"
            f"    seen = set(memory.get('seen', []))\n"
            f"    for index, row in enumerate(rows):\n"
            f"        key = str(row.get('k', '')).strip().lower()\n"
            f"        if not key or key in seen:\n"
            f"            continue\n"
            f"        weight = {t}.get(key, {k})\n"
            f"        if isinstance(weight, list):\n"
            f"            weight = sum(weight) * {k}\n"
            f"        elif weight is None or isinstance(weight, str):\n"
            f"            weight = len(key) + {k}\n"
            f"        value = row.get('v', 0)\n"
            f"        try:\n"
            f"            value = int(value)\n"
            f"        except (TypeError, ValueError):\n"
            f"            value = 0\n"
            f"        totals[key] = totals.get(key, 0) + value * weight - index % {k}\n"
            f"        seen.add(key)\n"
            f"    best = sorted(totals.items(), key=lambda kv: (-kv[1], kv[0]))[:{k}]\n"
            f"    label = ', '.join(f'{{a}}={{b}}' for a, b in best)\n"
            f"    return {{'totals': totals, 'best': best, 'label': label, 'seen': sorted(seen)}}\n\n")


def _klass(rng: random.Random, name: str) -> str:
    return (f"class {name}:\n"
            f"    def __init__(self, limit):\n"
            f"        self.limit = limit\n"
            f"        self.items = []\n"
            f"        self.index = {{}}\n\n"
            f"    def add(self, key, value):\n"
            f"        if len(self.items) >= self.limit:\n"
            f"            old = self.items.pop(0)\n"
            f"            self.index.pop(old[0], None)\n"
            f"        self.items.append((key, value))\n"
            f"        self.index[key] = value\n"
            f"        return len(self.items)\n\n"
            f"    def get(self, key, default=None):\n"
            f"        return self.index.get(key, default)\n\n"
            f"    def summary(self):\n"
            f"        parts = [f'{{k}}:{{v}}' for k, v in self.items if v is not None]\n"
            f"        return ' '.join(parts)[:{rng.randrange(40, 400)}]\n\n")


def synthetic_organ(target_bytes: int, seed: int = 0) -> str:
    """A module of about target_bytes that looks like real organ code and solves nothing."""
    rng = random.Random(seed)
    parts = ["import collections\nimport json\nimport re\n\n", "WORD = re.compile(r'[a-z]+')\n\n"]
    tables: list[str] = []
    helpers: list[str] = []
    size = sum(len(p) for p in parts)
    while size < target_bytes - 1500:
        kind = rng.random()
        if kind < 0.15:
            tables.append(f"TABLE_{len(tables)}")
            part = _table(rng, len(tables) - 1)
        elif kind < 0.35:
            name = _name(rng, "scan")
            part = _scanner(rng, name)
        elif kind < 0.85:
            name = _name(rng, "fold")
            helpers.append(name)
            part = _worker(rng, name, tables)
        else:
            part = _klass(rng, f"Store{len(parts)}")
        parts.append(part)
        size += len(part)
    calls = "\n".join(f"    out.append({h}(rows, memory)['label'])" for h in helpers[:40])
    parts.append("def run(observation):\n"
                 "    memory = dict(observation.get('memory') or {})\n"
                 "    rows = observation.get('delta', {}).get('rows', [])\n"
                 "    out = []\n" + calls + "\n"
                 "    words = collections.Counter(WORD.findall(json.dumps(observation.get('delta', {}))))\n"
                 "    return {'trace': [f'{len(out)} folds, {len(words)} words'], 'memory': memory}\n")
    return "".join(parts)


# -- measurements ----------------------------------------------------------------------------------
def ast_depth(tree: ast.AST) -> int:
    deepest, stack = 0, [(tree, 1)]
    while stack:
        node, d = stack.pop()
        deepest = max(deepest, d)
        stack.extend((child, d + 1) for child in ast.iter_child_nodes(node))
    return deepest


def uncapped(fn):
    """Run fn with the validator's size caps lifted (so the whole gate runs on big sources)."""
    saved = validator.MAX_BYTES, validator.MAX_NODES, validator.MAX_DEPTH
    validator.MAX_BYTES, validator.MAX_NODES, validator.MAX_DEPTH = 10 ** 9, 10 ** 9, 10 ** 6
    try:
        return fn()
    finally:
        validator.MAX_BYTES, validator.MAX_NODES, validator.MAX_DEPTH = saved


def validator_cost(source: str) -> dict:
    times = []
    report = None
    for _ in range(REPEATS):
        t = time.perf_counter()
        report = uncapped(lambda: validator.validate(source))
        times.append((time.perf_counter() - t) * 1000)
    tree = ast.parse(source)
    return {"validator_ms": statistics.median(times), "validator_ok": report.ok,
            "first_rejection": report.summary(1), "nodes": sum(1 for _ in ast.walk(tree)), "depth": ast_depth(tree)}


def compile_exec_cost(source: str, interpreter: str) -> dict:
    runs = []
    for _ in range(REPEATS):
        p = subprocess.run([interpreter, "-I", "-S", "-B", "-c", COMPILE_EXEC, json.dumps(OBSERVATION)],
                           input=source, capture_output=True, text=True, timeout=60)
        if p.returncode != 0:
            return {"error": p.stderr.strip().splitlines()[-1][:200]}
        runs.append(json.loads(p.stdout))
    return {k: statistics.median(r[k] for r in runs) for k in runs[0]}


def sandbox_cost(source: str, fork_server: bool) -> dict:
    """Median wall ms of REPEATS real calls of `source` and of the two-line organ (same sandbox)."""
    with Sandbox(fork_server=fork_server) as sb:
        episode = sb.stage({"readme.txt": "perf"}) if fork_server else None
        if fork_server:
            sb.call(TINY, OBSERVATION, episode)  # the server's cold start is paid once per episode
        out = {}
        for label, src in (("tiny", TINY), ("organ", source)):
            lat = []
            for _ in range(REPEATS):
                t = time.perf_counter()
                result = sb.call(src, OBSERVATION, episode)
                lat.append((time.perf_counter() - t) * 1000)
                if not result.ok:
                    return {"error": f"{result.tag}: {result.message}"}
            out[f"{label}_ms"] = statistics.median(lat)
        out["extra_ms"] = out["organ_ms"] - out["tiny_ms"]
        return out


def depth_limit_probe(interpreter: str) -> list[dict]:
    """For elif chains and + chains of growing length: the AST depth, whether the sandbox's
    interpreter parses and compiles it, and whether one real sandboxed call (per-call path) runs it."""
    rows = []
    with Sandbox(fork_server=False) as sb:
        for n in (50, 100, 200, 400, 800, 1600, 3200):
            rows += _depth_rows(n, interpreter, sb)
    return rows


def _depth_rows(n: int, interpreter: str, sb: Sandbox) -> list[dict]:
    elif_src = ("def run(observation):\n    x = len(observation)\n    if x == 0:\n        y = 0\n"
                + "".join(f"    elif x == {i}:\n        y = {i}\n" for i in range(1, n))
                + "    return {'trace': [str(y)]}\n")
    plus_src = "def run(observation):\n    x = 1\n    y = x" + " + x" * n + "\n    return {'trace': [str(y)]}\n"
    rows = []
    for shape, src in (("elif chain", elif_src), ("+ chain", plus_src)):
        p = subprocess.run([interpreter, "-I", "-S", "-B", "-c", "import sys; compile(sys.stdin.read(), 'o', 'exec')"],
                           input=src, capture_output=True, text=True, timeout=60)
        try:
            depth: int | str = ast_depth(ast.parse(src))
        except (RecursionError, SyntaxError, MemoryError) as exc:
            depth = f"parse fails: {type(exc).__name__}"
        t = time.perf_counter()
        report = uncapped(lambda: validator.validate(src))
        validator_ms = (time.perf_counter() - t) * 1000
        call = sb.call(src, OBSERVATION)
        rows.append({"shape": shape, "length": n, "depth": depth, "bytes": len(src), "validator_ms": validator_ms,
                     "validator": "ok" if report.ok else report.rejections[0].rule,
                     "sandbox_interpreter_compiles": p.returncode == 0,
                     "sandbox_call": "ok" if call.ok else f"{call.tag}: {call.message[:60]}"})
    return rows


def stdlib_reference(minimum: int = 90_000) -> list[dict]:
    rows = []
    for path in sorted(Path(sysconfig.get_paths()["stdlib"]).glob("*.py")):
        size = path.stat().st_size
        if size < minimum:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8", errors="replace"))
        nodes = sum(1 for _ in ast.walk(tree))
        rows.append({"module": path.name, "bytes": size, "nodes": nodes, "nodes_per_kb": nodes / (size / 1000),
                     "depth": ast_depth(tree)})
    return rows


def main() -> None:
    interpreter = detect().interpreter or sys.executable
    lim = Limits()
    out = {"interpreter": interpreter, "limits": {"cpu_seconds": lim.cpu_seconds, "wall_seconds": lim.wall_seconds,
                                                  "memory_mb": lim.memory_mb},
           "caps_now": {"MAX_BYTES": validator.MAX_BYTES, "MAX_NODES": validator.MAX_NODES,
                        "MAX_DEPTH": validator.MAX_DEPTH}, "sizes": []}
    for kb in SIZES_KB:
        source = synthetic_organ(kb * 1000, seed=kb)
        row = {"kb": kb, "bytes": len(source.encode())}
        row.update(validator_cost(source))
        row["compile_exec"] = compile_exec_cost(source, interpreter)
        row["sandbox_per_call"] = sandbox_cost(source, fork_server=False)
        row["sandbox_fork_server"] = sandbox_cost(source, fork_server=True)
        out["sizes"].append(row)
        if "--json" not in sys.argv:
            ce, pc, fs = row["compile_exec"], row["sandbox_per_call"], row["sandbox_fork_server"]
            print(f"{kb:>3} KB ({row['bytes']} bytes): validator {row['validator_ms']:.0f} ms "
                  f"({'ok' if row['validator_ok'] else row['first_rejection']}), {row['nodes']} nodes "
                  f"({row['nodes'] / kb:.0f}/KB), depth {row['depth']}; compile {ce.get('compile_ms', 0):.1f} ms + exec "
                  f"{ce.get('exec_ms', 0):.1f} ms; sandbox per-call {pc.get('organ_ms', 0):.0f} ms "
                  f"(two-line organ {pc.get('tiny_ms', 0):.0f} ms), fork server {fs.get('organ_ms', 0):.0f} ms "
                  f"(two-line organ {fs.get('tiny_ms', 0):.0f} ms) {pc.get('error', '')} {fs.get('error', '')}".rstrip(),
                  flush=True)
    out["depth_probe"] = depth_limit_probe(interpreter)
    out["stdlib_reference"] = stdlib_reference()
    if "--json" in sys.argv:
        print(json.dumps(out, indent=1))
        return
    print("depth: shape, length, AST depth, validator ms, does the sandbox's interpreter compile it, a real call")
    for r in out["depth_probe"]:
        print(f"  {r['shape']:<10} {r['length']:>5}: depth {r['depth']}, validator {r['validator_ms']:.0f} ms "
              f"({r['validator']}), compiles: {r['sandbox_interpreter_compiles']}, sandbox call: {r['sandbox_call']}")
    print("real code (standard library modules over 90 KB): nodes per KB and depth")
    for r in out["stdlib_reference"]:
        print(f"  {r['module']:<16} {r['bytes'] // 1000:>4} KB {r['nodes']:>6} nodes ({r['nodes_per_kb']:.0f}/KB) "
              f"depth {r['depth']}")


if __name__ == "__main__":
    main()
