"""Bytes of a run folder by kind of file, for before/after: `stem train` of TREE (its src/ on PYTHONPATH)
against a fake endpoint, trading levels 3-6, population 3, 4 generations, 8 train episodes. Every answer
is the hand-written cheating fixture (it passes one train episode), so the memoriser joins the front
and every later generation sends repair prompts carrying failing-episode transcripts.
Usage: python tests/perf/run_file_kinds.py TREE OUT"""
import os, subprocess, sys
from pathlib import Path
ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests"))
from fake_openai import FakeOpenAI, Step, plan_json
tree, out = Path(sys.argv[1]).resolve(), Path(sys.argv[2]).resolve()
ORG = ROOT / "tests" / "fixtures" / "organs"
step = Step(plan_json(organ_name="ledger_memoriser", domain="trading_floor",
                      source=(ORG / "cheating_trading_organ.py").read_text()))
out.mkdir(parents=True, exist_ok=True)
with FakeOpenAI(lambda body: step) as srv:
    cfg = out / "config.yaml"
    cfg.write_text(f"""
paths: {{prompts: "{tree}/prompts", benchmarks: "{tree}/benchmarks", logs: "{out}/logs", genomes: "{out}/genomes"}}
benchmark: {{difficulties: [3, 4, 5, 6], splits: {{train: {{seed_start: 1000, count: 8}}, validation: {{seed_start: 5000, count: 4}}, test: {{seed_floor: 1000000, count: 4}}}}}}
evolution: {{population: 3, max_epochs: 4, scout_first: false}}
llm:
  profile: fake
  budget: {{max_calls: 100, max_tokens: 100000000, max_usd: 100}}
  profiles:
    fake: {{base_url: "{srv.url}", model: fake-model, api_key_env: FAKE_LLM_KEY}}
""")
    env = dict(os.environ, FAKE_LLM_KEY="sk", PYTHONPATH=str(tree / "src"))
    p = subprocess.run([sys.executable, "-m", "stem.cli", "train", "--domain", "trading", "--config", str(cfg)],
                       env=env, capture_output=True, text=True, cwd=out)
run = sorted((out / "logs").glob("experiment_*"))[-1]
kinds: dict[str, int] = {}
for f in run.rglob("*"):
    if not f.is_file():
        continue
    rel = f.relative_to(run).parts
    if rel[0].startswith("generation_"):
        key = "generation_*/episodes (turn records)" if rel[1] == "episodes" else f"generation_*/{rel[1]}"
    elif rel[0] == "episodes":
        key = "episodes/<stage> (turn records)"
    else:
        key = rel[0]
    kinds[key] = kinds.get(key, 0) + f.stat().st_size
gens = len(list(run.glob("generation_*")))
print(f"exit {p.returncode}; {gens} generations; run folder {sum(kinds.values()):,} bytes")
for k, v in sorted(kinds.items(), key=lambda kv: -kv[1]):
    print(f"  {k:40s} {v:>12,}  ({v / gens:,.0f} per generation)" if k.startswith("generation_") else f"  {k:40s} {v:>12,}")
