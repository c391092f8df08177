"""Hostile answers through the real CLI: a fake OpenAI-compatible endpoint on 127.0.0.1 serves a
different bad answer to each candidate of a real `stem train` run. Every one must end as a scar with
its reason, the run must finish (exit 0/1) with no traceback, read back, and replay exactly."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from stem.runlog import RunLog

from conftest import requires_isolation
from fake_openai import FakeOpenAI, Step, plan_json
from test_training_e2e import ORGANS, STEM, write_config

pytestmark = requires_isolation
DEEP = 100_000


def _plan(**fields) -> str:
    return plan_json(domain="trading_floor", **fields)


def _raw(message: dict, usage: dict | None = None) -> str:
    body = {"id": "x", "object": "chat.completion", "created": 0, "model": "fake-model",
            "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", **message}}]}
    if usage is not None:
        body["usage"] = usage
    return json.dumps(body)


# kind -> (the Step served, a phrase the candidate's scar must hold)
CONTENT = {
    "empty": (Step(""), "no JSON object found"),
    "prose": (Step("I would rather not write that organ."), "no JSON object found"),
    "wrong_schema": (Step('{"foo": 1, "bar": [2, 3]}'), "field 'organ_name'"),
    "path_in_name": (Step(_plan(organ_name="../../etc/passwd")), "field 'organ_name'"),
    "lone_surrogate": (Step(raw_body=_raw({"content": "\\ud800\\udfff oops \\ud800"}).replace("\\\\u", "\\u")),
                       "no JSON object found"),
    "nul_in_answer": (Step("{\"organ_name\": \"x\u0000y\"}"), "NUL characters"),
    "nul_in_source": (Step(_plan(organ_name="nul_source", source="def run(observation):\n    return {}\x00\n")),
                      "cannot contain null bytes"),
    "source_5mb": (Step(_plan(organ_name="huge_source", source="x = 1\n" * 900_000)), "answer too large"),
    "answer_20mb": (Step("A" * 20_000_000), "answer too large"),
    "many_objects": (Step("{}" * 100_000), "field 'organ_name'"),
    "content_null": (Step(raw_body=_raw({"content": None}, {"prompt_tokens": 5, "completion_tokens": 0,
                                                             "total_tokens": 5})), "no JSON object found"),
    "refusal": (Step(raw_body=_raw({"content": None, "refusal": "I cannot help with that."})),
                "no JSON object found"),
    "nested_alone": (Step('{"a": ' + "[" * DEEP + "]" * DEEP + "}"), "nested deeper than"),
    "nested_in_plan": (Step(_plan(organ_name="nested_field")[:-1] + ', "extra": ' + "[" * DEEP + "]" * DEEP + "}"),
                       "nested deeper than"),
    "cut_off": (Step(_plan()[:70], finish_reason="length"), "cut off at the token limit"),
    "syntax_error": (Step(_plan(organ_name="broken_syntax", source="def run(observation:\n    return {'trace': 1}\n")),
                     "not valid Python"),
    "malicious": (Step(_plan(organ_name="escapes", source=(ORGANS / "malicious_organ.py").read_text())),
                  "import_not_allowed"),
    "numbers_out_of_range": (Step('{"organ_name": 1e999999, "domain": NaN}'), "field 'organ_name'"),
}
HTTP = {
    "http_500": (Step(status=500, content="upstream exploded"), "HTTP 500"),
    "http_401": (Step(status=401, content="bad key"), "rejected the credentials"),
    "hang_up": (Step(hangup=True), "cannot reach"),
    "html_body": (Step(raw_body="<html><body>Bad gateway</body></html>"), "unreadable response body"),
    "no_choices": (Step(raw_body=json.dumps({"id": "x", "object": "chat.completion", "created": 0,
                                             "model": "m", "choices": []})), "no choices"),
    "nested_body": (Step(raw_body='{"choices": ' + "[" * DEEP + "]" * DEEP + "}"), "unreadable response body"),
    "missing_usage": (Step(raw_body=_raw({"content": "no plan here"})), "no JSON object found"),
    "negative_usage": (Step(raw_body=_raw({"content": "still no plan"}, {"prompt_tokens": -7,
                                                                         "completion_tokens": -3,
                                                                         "total_tokens": -10})),
                       "no JSON object found"),
}


def responder(kinds: list[str], table: dict, population: int):
    """Candidate i of generation g gets kind number (g-1)*population + (i-1), on its first request and on
    its JSON repair round-trip alike."""
    def respond(body: dict) -> Step:
        first_user = next(m["content"] for m in body["messages"] if m["role"] == "user")
        for g in range(1, 20):
            for i in range(1, population + 1):
                if f"CANDIDATE {i} of {population} in generation {g}." in first_user:
                    n = (g - 1) * population + (i - 1)
                    return table[kinds[n]][0] if n < len(kinds) else Step("nothing more to say")
        return Step("nothing more to say")
    return respond


def run_hostile(tmp: Path, table: dict, population: int, epochs: int, *extra: str) -> tuple[subprocess.CompletedProcess, Path]:
    kinds = list(table)
    with FakeOpenAI(responder(kinds, table, population)) as srv:
        cfg = write_config(tmp, srv.url, max_epochs=epochs, difficulties="[1]")
        env = dict(os.environ, FAKE_LLM_KEY="sk-test", COLUMNS="200")
        proc = subprocess.run(STEM + ["train", "--domain", "trading", "--config", str(cfg),
                                      "--population", str(population), *extra],
                              env=env, capture_output=True, text=True, timeout=600, cwd=tmp)
    runs = sorted((tmp / "logs").glob("experiment_*"))
    return proc, runs[-1]


def scar_reasons(run: Path) -> dict[str, str]:
    """candidate organ name prefix (domain__gNNNcK) -> every scar message for it, joined."""
    out: dict[str, str] = {}
    for s in json.loads((run / "phenotypic_scars.json").read_text()):
        key = "__".join(s["organ"].split("__")[:2])
        out[key] = out.get(key, "") + " | " + s["message"]
    return out


def assert_each_kind_scarred(run: Path, table: dict, population: int) -> None:
    reasons = scar_reasons(run)
    for n, (kind, (_, phrase)) in enumerate(table.items()):
        g, i = n // population + 1, n % population + 1
        key = f"trading_floor__g{g:03d}c{i}"
        assert phrase in reasons.get(key, ""), (kind, key, reasons.get(key))


def assert_reads_back(run: Path, cfg: Path) -> dict:
    shown = subprocess.run(STEM + ["logs", "show", str(run), "--json", "--config", str(cfg)],
                           capture_output=True, text=True, timeout=120)
    assert shown.returncode == 0 and "Traceback" not in shown.stderr, shown.stderr[-2000:]
    return json.loads(shown.stdout)


@pytest.fixture(scope="module")
def content_run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("hostile_content")
    proc, run = run_hostile(tmp, CONTENT, population=4, epochs=5)
    return tmp, proc, run


def test_hostile_content_becomes_scars_and_the_run_finishes(content_run):
    tmp, proc, run = content_run
    out = proc.stdout + proc.stderr
    assert proc.returncode in (0, 1) and "Traceback" not in out, out[-3000:]
    assert RunLog(run).read_run()["status"] == "finished"
    assert_each_kind_scarred(run, CONTENT, population=4)
    shown = assert_reads_back(run, tmp / "config.yaml")
    assert len(shown["generations"]) == 5
    calls = [json.loads(line) for line in (run / "llm" / "calls.jsonl").read_text().splitlines()]
    big = [c for c in calls if c["answer_chars"] >= 20_000_000]
    assert big and all(len(c["answer"]) < 500_000 and c["answer"].endswith("[… cut at 400000 characters]")
                       for c in big)  # recorded cut, visibly


def test_hostile_content_run_replays_exactly(content_run):
    tmp, _, run = content_run
    env = dict(os.environ, COLUMNS="200")
    proc = subprocess.run(STEM + ["train", "--domain", "trading", "--config", str(tmp / "config.yaml"),
                                  "--llm", "replay", "--replay-from", str(run)],
                          env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode in (0, 1) and "Traceback" not in proc.stdout + proc.stderr, proc.stderr[-2000:]
    replayed = sorted((tmp / "logs").glob("experiment_*"))[-1]
    assert replayed != run

    def outcome(r: Path) -> list:
        return [[(c["status"], c["reason"]) for c in json.loads(p.read_text())]
                for p in sorted(r.glob("generation_*/plan.json"))]
    assert outcome(replayed) == outcome(run)


def test_hostile_http_behaviour_becomes_scars_and_one_clean_stop(tmp_path):
    proc, run = run_hostile(tmp_path, HTTP, population=len(HTTP), epochs=1)
    out = proc.stdout + proc.stderr
    assert proc.returncode in (0, 1) and "Traceback" not in out, out[-3000:]
    state = RunLog(run).read_run()
    # some calls of the generation were answered (two bodies without usage), so the endpoint failures are
    # those candidates' scars and Stage 2 is not stopped: it stops only when every call fails at the endpoint
    assert state["status"] == "finished" and state["stage2"]["stop_reason"] == "every domain finished"
    assert_each_kind_scarred(run, HTTP, population=len(HTTP))
    assert_reads_back(run, tmp_path / "config.yaml")
