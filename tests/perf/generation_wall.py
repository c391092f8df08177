"""Scripted run for before/after: population 3, trading, a fake endpoint that holds each answer DELAY s.
Scenario 'first': every answer is the correct organ. Scenario 'second': the first three answers crash,
every later one is the correct organ. Prints calls and wall seconds per generation (events.jsonl)."""
import json, os, subprocess, sys, threading, time
from pathlib import Path
ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests"))
from fake_openai import FakeOpenAI, Step, plan_json
tree, scenario, out = Path(sys.argv[1]), sys.argv[2], Path(sys.argv[3])
DELAY = float(os.environ.get("DELAY", "2.0"))
ORG = ROOT / "tests" / "fixtures" / "organs"
def step(fixture): return Step(plan_json(organ_name="ledger_x", domain="trading_floor", source=(ORG / fixture).read_text()), delay=DELAY)
count = [0]; lock = threading.Lock()
def respond(body):
    with lock:
        count[0] += 1; n = count[0]
    if scenario == "second" and n <= 3:
        return step("crashing_organ.py")
    return step("correct_trading_organ.py")
out.mkdir(parents=True, exist_ok=True)
with FakeOpenAI(respond) as srv:
    cfg = out / "config.yaml"
    workers = f", workers: {os.environ['WORKERS']}" if os.environ.get("WORKERS") else ""
    cfg.write_text(f"""
paths: {{prompts: "{tree}/prompts", benchmarks: "{tree}/benchmarks", logs: "{out}/logs", genomes: "{out}/genomes"}}
benchmark: {{difficulties: [1, 2, 3, 4], splits: {{train: {{seed_start: 1000, count: 8}}, validation: {{seed_start: 5000, count: 4}}, test: {{seed_floor: 1000000, count: 4}}}}}}
evolution: {{population: 3, max_epochs: 4{workers}}}
llm:
  profile: fake
  profiles:
    fake: {{base_url: "{srv.url}", model: fake-model, api_key_env: FAKE_LLM_KEY}}
""")
    env = dict(os.environ, FAKE_LLM_KEY="sk", PYTHONPATH=str(tree / "src"))
    t0 = time.monotonic()
    p = subprocess.run([sys.executable, "-m", "stem.cli", "train", "--domain", "trading", "--config", str(cfg)], env=env, capture_output=True, text=True)
    total = time.monotonic() - t0
run = sorted((out / "logs").glob("experiment_*"))[-1]
ev = [json.loads(l) for l in (run / "events.jsonl").read_text().splitlines()]
starts = {e["generation"]: e["t"] for e in ev if e["event"] == "generation_start"}
gens = [(e["generation"], round(e["t"] - starts[e["generation"]], 2)) for e in ev if e["event"] == "generation_done"]
print(json.dumps({"tree": tree.name, "scenario": scenario, "exit": p.returncode, "calls": len(srv.requests),
                  "generation_seconds": gens, "train_wall_seconds": round(total, 1)}))
