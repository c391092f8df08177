"""Each hostile kind alone: stem train (population 1, one epoch) against a fake endpoint answering that kind
to every request. Run against a tree given by argv[1] (its src on PYTHONPATH). Prints one JSON line per kind."""
import json, os, subprocess, sys, tempfile
from pathlib import Path
ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests")); sys.path.insert(0, str(ROOT / "tests" / "faults"))
tree = Path(sys.argv[1])
os.environ["PYTHONPATH"] = str(tree / "src")
from fake_openai import FakeOpenAI
from test_training_e2e import STEM, write_config
from test_hostile_answers import CONTENT, HTTP
for kind, (step, _) in {**CONTENT, **HTTP}.items():
    tmp = Path(tempfile.mkdtemp(prefix="hostile-"))
    with FakeOpenAI(lambda body: step) as srv:
        cfg = write_config(tmp, srv.url, max_epochs=1, difficulties="[1]")
        cfg.write_text(cfg.read_text().replace(f"{ROOT}/prompts", f"{tree}/prompts"))
        p = subprocess.run(STEM + ["train", "--domain", "trading", "--config", str(cfg)], capture_output=True, text=True,
                           env=dict(os.environ, FAKE_LLM_KEY="sk"), timeout=300)
    out = p.stdout + p.stderr
    last = [l for l in p.stderr.strip().splitlines() if l.strip()][-1:] or [""]
    print(json.dumps({"kind": kind, "exit": p.returncode, "traceback": "Traceback" in out, "last_stderr": last[0][:160]}), flush=True)
