"""The LLM layer through the real openai client against a fake OpenAI-compatible server on 127.0.0.1."""

from __future__ import annotations

import json
import sys
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime

import pytest

from stem.errors import StemError
from stem.genome import TransformationPlan
from stem.llm import records
from stem.llm.budget import BudgetExceeded
from stem.llm.client import build_client
from stem.llm.retry import LLMError, parse_retry_after
from stem.llm.settings import BudgetSettings, LLMSettings, Profile, RetrySettings
from stem.llm.structured import ask_structured, parse_answer

from conftest import ROOT
from fake_openai import FakeOpenAI, Step, plan_json

REPAIR = (ROOT / "prompts" / "repair_json.txt").read_text()
MSGS = [{"role": "system", "content": "You write organs."}, {"role": "user", "content": "Write a graph organ."}]


def settings_for(url: str, attempts: int = 4, timeout: float = 5.0, budget: BudgetSettings | None = None,
                 api_key_env: str | None = "FAKE_LLM_KEY") -> LLMSettings:
    profile = Profile(base_url=url, model="fake-model", api_key_env=api_key_env, timeout_seconds=timeout,
                      prices={"prompt_per_mtok": 1.0, "completion_per_mtok": 2.0})
    return LLMSettings(profile="fake", profiles={"fake": profile, "replay": Profile(provider="replay")},
                       retry=RetrySettings(max_attempts=attempts, base_seconds=0.5, max_seconds=4.0),
                       budget=budget or BudgetSettings())


@pytest.fixture(autouse=True)
def fake_key(monkeypatch):
    monkeypatch.setenv("FAKE_LLM_KEY", "sk-test")


class Sleeps(list):
    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def client_for(server, tmp_path, sleeps=None, **kw):
    return build_client(settings_for(server.url, **kw), calls_file=tmp_path / "llm" / "calls.jsonl",
                        sleep=sleeps if sleeps is not None else Sleeps(), seed=7)


def test_plain_answer_usage_cost_and_record(tmp_path):
    with FakeOpenAI([Step(plan_json(), prompt_tokens=1000, completion_tokens=500)]) as srv:
        client = client_for(srv, tmp_path)
        answer = client.complete(MSGS, purpose="plan")
    assert json.loads(answer.text)["organ_name"] == "graph_walker"
    assert srv.requests[0]["auth"] == "Bearer sk-test"
    assert srv.requests[0]["body"]["response_format"] == {"type": "json_object"}
    assert client.budget.as_dict() == {"calls": 1, "prompt_tokens": 1000, "completion_tokens": 500, "usd": 0.002}
    [rec] = records.load(tmp_path / "llm" / "calls.jsonl")
    assert rec.request_hash == records.request_hash(MSGS) and rec.attempts == 1 and rec.usd == pytest.approx(0.002)
    assert rec.messages == MSGS and rec.answer == answer.text and rec.error is None


def test_429_with_retry_after_is_honoured(tmp_path):
    sleeps = Sleeps()
    with FakeOpenAI([Step(status=429, headers={"Retry-After": "3"}), Step(plan_json())]) as srv:
        client_for(srv, tmp_path, sleeps).complete(MSGS)
    assert len(srv.requests) == 2 and sleeps == [3.0]
    assert records.load(tmp_path / "llm" / "calls.jsonl")[0].waits == [3.0]


def test_retry_after_as_http_date():
    now = datetime(2026, 11, 22, 12, 0, tzinfo=timezone.utc)
    assert parse_retry_after(format_datetime(now + timedelta(seconds=9), usegmt=True), now) == pytest.approx(9)
    assert parse_retry_after("soon") is None


def test_5xx_backs_off_exponentially_with_jitter_then_succeeds(tmp_path):
    sleeps = Sleeps()
    with FakeOpenAI([Step(status=500), Step(status=502), Step(status=503), Step(plan_json())]) as srv:
        client_for(srv, tmp_path, sleeps).complete(MSGS)
    assert len(srv.requests) == 4 and len(sleeps) == 3
    for attempt, wait in enumerate(sleeps, 1):
        cap = min(4.0, 0.5 * 2 ** (attempt - 1))
        assert cap / 2 <= wait <= cap


def test_gives_up_after_max_attempts_and_records_the_error(tmp_path):
    with FakeOpenAI([Step(status=500)] * 3) as srv:
        with pytest.raises(LLMError, match="HTTP 500"):
            client_for(srv, tmp_path, attempts=3).complete(MSGS)
    assert len(srv.requests) == 3
    [rec] = records.load(tmp_path / "llm" / "calls.jsonl")
    assert rec.attempts == 3 and rec.answer is None and rec.error_kind == "http_500"


def test_slow_answer_times_out_and_is_retried(tmp_path):
    with FakeOpenAI([Step(plan_json(), delay=2.0), Step(plan_json())]) as srv:
        answer = client_for(srv, tmp_path, timeout=0.5).complete(MSGS)
    assert len(srv.requests) == 2 and json.loads(answer.text)["mode"] == "new_organ"
    assert records.load(tmp_path / "llm" / "calls.jsonl")[0].attempts == 2


def test_authentication_error_is_not_retried_and_names_the_variable(tmp_path):
    with FakeOpenAI([Step(status=401, content="invalid key")]) as srv:
        with pytest.raises(LLMError) as info:
            client_for(srv, tmp_path).complete(MSGS)
    assert len(srv.requests) == 1 and info.value.kind == "auth" and "FAKE_LLM_KEY" in str(info.value)


def test_missing_key_is_one_line_naming_variable_and_alternatives(monkeypatch):
    monkeypatch.delenv("FAKE_LLM_KEY")
    with pytest.raises(StemError) as info:
        build_client(settings_for("http://127.0.0.1:9/v1"))
    msg = str(info.value)
    assert "FAKE_LLM_KEY" in msg and "--llm ollama" in msg and "--llm replay" in msg and "\n" not in msg


def test_malformed_response_body_is_retried(tmp_path):
    with FakeOpenAI([Step(raw_body="{not json"), Step(plan_json())]) as srv:
        client_for(srv, tmp_path).complete(MSGS)
    assert len(srv.requests) == 2


def test_fenced_json_is_parsed_without_repair(tmp_path):
    fenced = "Here is the plan:\n```json\n" + plan_json() + "\n```\nGood luck."
    with FakeOpenAI([Step(fenced)]) as srv:
        result = ask_structured(client_for(srv, tmp_path), MSGS, TransformationPlan, REPAIR)
    assert result.value.organ_name == "graph_walker" and not result.repaired and len(srv.requests) == 1


def test_embedded_json_among_prose():
    value, errors = parse_answer("I propose " + plan_json() + " as the next organ.", TransformationPlan)
    assert value is not None and errors == []


def test_wrong_schema_is_fixed_by_one_repair_round_trip(tmp_path):
    wrong = plan_json(rationale="short", organ_name="Bad Name")
    with FakeOpenAI([Step(wrong), Step(plan_json())]) as srv:
        result = ask_structured(client_for(srv, tmp_path), MSGS, TransformationPlan, REPAIR)
    assert result.repaired and result.value.mode == "new_organ"
    assert result.raw_answers == [wrong, plan_json()]
    repair_msg = srv.requests[1]["body"]["messages"][-1]["content"]
    assert "field 'rationale'" in repair_msg and "field 'organ_name'" in repair_msg
    assert srv.requests[1]["body"]["messages"][-2] == {"role": "assistant", "content": wrong}


def test_truncated_answer_gets_one_repair_and_then_fails_cleanly(tmp_path):
    cut = plan_json()[:60]
    with FakeOpenAI([Step(cut, finish_reason="length"), Step("still not json")]) as srv:
        result = ask_structured(client_for(srv, tmp_path), MSGS, TransformationPlan, REPAIR)
    assert result.value is None and result.repaired and result.raw_answers == [cut, "still not json"]
    assert "cut off at the token limit" in srv.requests[1]["body"]["messages"][-1]["content"]
    assert result.errors == ["no JSON object found in the answer"]


def test_budget_stops_cleanly_before_the_call_that_would_exceed(tmp_path):
    with FakeOpenAI([Step(plan_json())] * 5) as srv:
        client = client_for(srv, tmp_path, budget=BudgetSettings(max_calls=2, max_tokens=None, max_usd=None))
        client.complete(MSGS)
        client.complete(MSGS)
        with pytest.raises(BudgetExceeded, match="2 of 2 calls"):
            client.complete(MSGS)
    assert len(srv.requests) == 2 and len(records.load(tmp_path / "llm" / "calls.jsonl")) == 2


def test_usd_and_token_caps(tmp_path):
    with FakeOpenAI([Step(plan_json(), prompt_tokens=600_000, completion_tokens=0)] * 3) as srv:
        client = client_for(srv, tmp_path, budget=BudgetSettings(max_calls=None, max_tokens=None, max_usd=1.0))
        client.complete(MSGS)
        client.complete(MSGS[:1])
        with pytest.raises(BudgetExceeded, match="cost budget"):
            client.complete(MSGS)


def test_replay_gives_identical_plans_with_zero_network(tmp_path):
    script = [Step(plan_json(organ_name="first_organ")), Step(status=429, headers={"Retry-After": "1"}),
              Step("```json\n" + plan_json(organ_name="second_organ") + "\n```"),
              Step(plan_json(rationale="bad")), Step(plan_json(organ_name="third_organ"))]
    prompts = [MSGS, MSGS + [{"role": "user", "content": "again"}], [{"role": "user", "content": "third"}]]
    with FakeOpenAI(script) as srv:
        live = client_for(srv, tmp_path)
        recorded = [ask_structured(live, p, TransformationPlan, REPAIR).value for p in prompts]
    settings = settings_for("http://127.0.0.1:9/v1")
    replay = build_client(settings, name="replay", replay_from=tmp_path, calls_file=tmp_path / "replay" / "calls.jsonl")
    replayed = [ask_structured(replay, p, TransformationPlan, REPAIR).value for p in prompts]
    assert [p.organ_name for p in recorded] == ["first_organ", "second_organ", "third_organ"]
    assert replayed == recorded
    with pytest.raises(LLMError, match="replay miss"):
        replay.complete([{"role": "user", "content": "never asked"}])


def test_replay_without_source_is_a_one_line_error():
    with pytest.raises(StemError, match="--replay-from"):
        build_client(settings_for("http://x/v1"), name="replay")


def _command_settings(tmp_path, script: str, timeout: float = 10.0) -> LLMSettings:
    path = tmp_path / "agent.py"
    path.write_text(script)
    profile = Profile(provider="command", command=[sys.executable, str(path)], timeout_seconds=timeout)
    return LLMSettings(profile="agent", profiles={"agent": profile}, retry=RetrySettings(max_attempts=2))


def test_command_provider_with_a_real_subprocess(tmp_path):
    agent = ("import sys, json\nprompt = sys.stdin.read()\n"
             "assert '[SYSTEM]' in prompt and 'Write a graph organ.' in prompt\n"
             f"print({plan_json(organ_name='from_cli_agent')!r})\n")
    client = build_client(_command_settings(tmp_path, agent), calls_file=tmp_path / "calls.jsonl")
    result = ask_structured(client, MSGS, TransformationPlan, REPAIR)
    assert result.value.organ_name == "from_cli_agent"
    assert records.load(tmp_path / "calls.jsonl")[0].tokens_estimated


@pytest.mark.parametrize("script,needle", [
    ("import sys\nsys.stderr.write('model overloaded\\n')\nsys.exit(3)\n", "exited with 3: model overloaded"),
    ("print('   ')\n", "printed no answer"),
])
def test_command_provider_failures_are_clear(tmp_path, script, needle):
    client = build_client(_command_settings(tmp_path, script))
    with pytest.raises(LLMError, match=needle):
        client.complete(MSGS)


def test_command_provider_timeout(tmp_path):
    client = build_client(_command_settings(tmp_path, "import time\ntime.sleep(5)\n", timeout=0.5), sleep=lambda s: None)
    with pytest.raises(LLMError, match="no answer within"):
        client.complete(MSGS)
