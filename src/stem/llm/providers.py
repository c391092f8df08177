"""Providers: one attempt at one request each. Retries, budgets and recording live in the client."""

from __future__ import annotations

import subprocess
import threading
from collections import defaultdict, deque
from dataclasses import dataclass
from pathlib import Path

from stem.llm import records
from stem.llm.retry import LLMError, parse_retry_after
from stem.llm.settings import Profile


@dataclass
class RawAnswer:
    text: str
    prompt_tokens: int
    completion_tokens: int
    finish_reason: str | None = None
    tokens_estimated: bool = False
    note: str | None = None  # a one-line warning about how the answer was obtained (a replay fallback)


def render_prompt(messages: list[dict[str, str]]) -> str:
    return "\n\n".join(f"[{m['role'].upper()}]\n{m['content']}" for m in messages) + "\n"


class OpenAIProvider:
    """Any OpenAI-compatible endpoint through the official SDK (its own retries switched off)."""

    def __init__(self, name: str, profile: Profile, api_key: str | None):
        import openai
        self.openai = openai
        self.name, self.profile = name, profile
        self.client = openai.OpenAI(api_key=api_key or "not-needed", base_url=profile.base_url,
                                    timeout=profile.timeout_seconds, max_retries=0)

    def _classify(self, exc: Exception) -> LLMError:
        o = self.openai
        env = self.profile.api_key_env
        if isinstance(exc, (o.AuthenticationError, o.PermissionDeniedError)):
            hint = f"check {env} (set it in the environment or .env)" if env else "check the endpoint's credentials"
            return LLMError(f"{self.name}: the endpoint rejected the credentials ({exc.status_code}); {hint}",
                            "auth", retryable=False)
        if isinstance(exc, o.APITimeoutError):
            return LLMError(f"{self.name}: no answer within {self.profile.timeout_seconds:g}s", "timeout", retryable=True)
        if isinstance(exc, o.APIConnectionError):
            return LLMError(f"{self.name}: cannot reach {self.profile.base_url} ({exc.__cause__ or exc})",
                            "connection", retryable=True)
        if isinstance(exc, o.APIStatusError):
            code = exc.status_code
            retry_after = parse_retry_after(exc.response.headers.get("retry-after"))
            retryable = code == 429 or code >= 500 or code == 408
            return LLMError(f"{self.name}: HTTP {code} from the endpoint: {str(exc)[:200]}", f"http_{code}",
                            retryable=retryable, retry_after=retry_after if code in (429, 503) else None)
        if isinstance(exc, o.APIResponseValidationError) or isinstance(exc, ValueError):
            return LLMError(f"{self.name}: unreadable response body ({str(exc)[:200]})", "bad_response", retryable=True)
        return LLMError(f"{self.name}: {type(exc).__name__}: {str(exc)[:200]}", "unknown", retryable=False)

    def send(self, messages: list[dict[str, str]], json_mode: bool, purpose: str = "") -> RawAnswer:
        kwargs = {"model": self.profile.model, "messages": messages, "temperature": self.profile.temperature,
                  "max_tokens": self.profile.max_tokens}
        if json_mode and self.profile.json_mode:
            kwargs["response_format"] = {"type": "json_object"}
        try:
            resp = self.client.chat.completions.create(**kwargs)
        except self.openai.OpenAIError as exc:
            raise self._classify(exc) from exc
        except ValueError as exc:  # a body that is not JSON at all
            raise self._classify(exc) from exc
        except RecursionError:  # a body nested too deeply for the JSON decoder
            raise LLMError(f"{self.name}: unreadable response body (JSON nested too deeply)", "bad_response",
                           retryable=True) from None
        choices = getattr(resp, "choices", None)
        if not isinstance(choices, list) or not choices or getattr(choices[0], "message", None) is None:
            raise LLMError(f"{self.name}: the response has no choices", "bad_response", retryable=True)
        choice = choices[0]
        text = choice.message.content if isinstance(choice.message.content, str) else ""
        if not text and isinstance(getattr(choice.message, "refusal", None), str):
            text = f"(the model refused: {choice.message.refusal[:500]})"
        usage = resp.usage
        tokens = (getattr(usage, "prompt_tokens", None), getattr(usage, "completion_tokens", None))
        if not all(isinstance(t, int) and t >= 0 for t in tokens):  # missing or nonsense usage: estimate
            return RawAnswer(text, len(render_prompt(messages)) // 4, len(text) // 4, choice.finish_reason, True)
        return RawAnswer(text, tokens[0], tokens[1], choice.finish_reason)


class CommandProvider:
    """A CLI agent: the rendered prompt on stdin, the answer on stdout."""

    def __init__(self, name: str, profile: Profile):
        if not profile.command:
            raise LLMError(f"{name}: set llm.profiles.{name}.command to the agent's command line", "config", False)
        self.name, self.profile = name, profile

    def send(self, messages: list[dict[str, str]], json_mode: bool, purpose: str = "") -> RawAnswer:
        prompt = render_prompt(messages)
        try:
            proc = subprocess.run(self.profile.command, input=prompt, capture_output=True, text=True,
                                  timeout=self.profile.timeout_seconds)
        except FileNotFoundError:
            raise LLMError(f"{self.name}: command not found: {self.profile.command[0]}; fix llm.profiles.{self.name}.command",
                           "config", retryable=False) from None
        except subprocess.TimeoutExpired:
            raise LLMError(f"{self.name}: command gave no answer within {self.profile.timeout_seconds:g}s",
                           "timeout", retryable=True) from None
        tail = " | ".join(proc.stderr.strip().splitlines()[-3:])[:300]
        if proc.returncode != 0:
            raise LLMError(f"{self.name}: command exited with {proc.returncode}: {tail or 'no stderr'}",
                           "command_failed", retryable=False)
        if not proc.stdout.strip():
            raise LLMError(f"{self.name}: command printed no answer{': ' + tail if tail else ''}", "empty_answer",
                           retryable=False)
        return RawAnswer(proc.stdout, len(prompt) // 4, len(proc.stdout) // 4, "stop", tokens_estimated=True)


class ReplayProvider:
    """Answers from a recorded run: the n-th request with a given hash gets the n-th recorded answer.

    A request the recording does not hold (the prompt templates or the observations changed since it was
    made) gets the recorded answer of the same purpose (generation, domain, candidate, role: e.g.
    gen001:trading_floor:c1:new_organ), with a note saying so; every record is served at most once."""

    def __init__(self, name: str, calls_file: Path):
        self.name = name
        self.queues: dict[str, deque] = defaultdict(deque)
        self.by_purpose: dict[str, deque] = defaultdict(deque)
        self.served: set[int] = set()
        self.lock = threading.Lock()
        for rec in records.load(calls_file):
            self.queues[rec.request_hash].append(rec)
            if rec.purpose:
                self.by_purpose[rec.purpose].append(rec)
        self.source = calls_file

    def _take(self, queue: deque | None) -> records.CallRecord | None:
        while queue:
            rec = queue.popleft()
            if id(rec) not in self.served:
                self.served.add(id(rec))
                return rec
        return None

    def send(self, messages: list[dict[str, str]], json_mode: bool, purpose: str = "") -> RawAnswer:
        key = records.request_hash(messages)
        note = None
        with self.lock:  # concurrent requests of one generation each take their own record
            rec = self._take(self.queues.get(key))
            if rec is None and purpose:
                rec = self._take(self.by_purpose.get(purpose))
                if rec is not None:
                    note = (f"replay: request {key[:12]} is not in {self.source} (its prompt differs from the "
                            f"recording); served the recorded answer of {purpose}")
        if rec is None:
            raise LLMError(f"replay miss: no recorded answer for request {key[:12]} (\"{records.describe(messages)}\") "
                           f"in {self.source}; the run diverged from the recording", "replay_miss", retryable=False)
        if rec.answer is None:
            raise LLMError(rec.error or "recorded call failed", rec.error_kind or "recorded_error", retryable=False)
        return RawAnswer(rec.answer, rec.prompt_tokens, rec.completion_tokens, rec.finish_reason, rec.tokens_estimated,
                         note)
