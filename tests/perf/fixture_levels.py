"""How the hand-written level 1-4 fixture organs do on 100 fresh episodes per level (in-process; the
sandbox changes nothing about correctness): the share that fails."""
import json, sys
from pathlib import Path
from stem.benchmark import domains
from stem.benchmark.episode import EpisodeRunner
ORG = Path(__file__).resolve().parents[2] / "tests" / "fixtures" / "organs"
def turn_fn(source):
    ns = {}
    exec(compile(source, "<organ>", "exec"), ns)
    return lambda obs: json.loads(json.dumps(ns["run"](json.loads(json.dumps(obs)))))
out = {}
for domain, fixture in (("trading", "correct_trading_organ.py"), ("matrix", "correct_matrix_organ.py"), ("security", "correct_security_organ.py")):
    src = (ORG / fixture).read_text()
    for level in (1, 2, 3, 4, 5, 6):
        fails = 0
        for seed in range(700000, 700100):
            ep = domains.generate(domain, seed, level)
            r = EpisodeRunner(ep).run(turn_fn(src))
            fails += not r.verdict.success
        out[f"{domain} L{level}"] = f"{fails}% fail"
        print(domain, level, f"{fails}/100 fail", flush=True)
