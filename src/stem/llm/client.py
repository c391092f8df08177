"""LLMClient: one logical call = attempts with backoff, accounting, budget caps, and one record in calls.jsonl."""

from __future__ import annotations

import os
import random
import time
from collections.abc import Callable
from pathlib import Path

from stem.errors import StemError
from stem.llm import records
from stem.llm.budget import Budget, BudgetExceeded
from stem.llm.providers import CommandProvider, OpenAIProvider, RawAnswer, ReplayProvider
from stem.llm.retry import Attempts, LLMError, RetryPolicy, with_retries
from stem.llm import autodetect
from stem.llm.settings import LLMSettings, Profile


class LLMClient:
    def __init__(self, name: str, profile: Profile, provider, settings: LLMSettings, calls_file: Path | None,
                 sleep: Callable[[float], None] = time.sleep, seed: int | None = None,
                 budget: Budget | None = None):
        self.name, self.profile, self.provider = name, profile, provider
        self.policy = RetryPolicy(settings.retry, random.Random(seed))
        self.budget = budget or Budget(settings.budget)
        self.calls_file = calls_file
        self.sleep = sleep
        self.max_answer_chars = settings.max_answer_chars
        self.why = "named"  # how the profile was chosen (auto-detection says which option and why)
        self.on_note: Callable[[str], None] = lambda note: None  # a one-line warning per call that has one

    @property
    def model_label(self) -> str:
        """The model for the run record; a CLI agent's is its command."""
        if self.profile.provider == "command":
            return self.profile.model or " ".join(self.profile.command[:2])
        if self.profile.provider == "replay":
            return self.profile.model or f"recorded in {getattr(self.provider, 'source', '?')}"
        return self.profile.model

    def complete(self, messages: list[dict[str, str]], purpose: str = "", json_mode: bool = True) -> RawAnswer:
        """One answer, or LLMError after the retry policy gives up, or BudgetExceeded before calling."""
        self.budget.reserve()
        key = records.request_hash(messages)
        tried = Attempts()
        start = time.monotonic()
        try:
            answer = with_retries(lambda: self.provider.send(messages, json_mode, purpose), self.policy, self.sleep, tried)
        except LLMError as exc:
            self.budget.release()
            self._record(key, purpose, messages, None, tried.count, tried.waits, start, exc)
            raise
        except BaseException:
            self.budget.release()
            raise
        # text from outside: lone surrogates (invalid Unicode) become U+FFFD so it can be recorded and parsed
        answer.text = answer.text.encode("utf-8", "replace").decode("utf-8") if isinstance(answer.text, str) else ""
        usd = self.profile.prices.cost(answer.prompt_tokens, answer.completion_tokens)
        self.budget.add(answer.prompt_tokens, answer.completion_tokens, usd, reserved=True)
        self._record(key, purpose, messages, answer, tried.count, tried.waits, start, None, usd)
        if answer.note:
            self.on_note(answer.note)
        return answer

    def _record(self, key: str, purpose: str, messages: list[dict[str, str]], answer: RawAnswer | None, attempts: int,
                waits: list[float], start: float, error: LLMError | None, usd: float = 0.0) -> None:
        if self.calls_file is None:
            return
        rec = records.CallRecord(
            request_hash=key, profile=self.name, model=self.profile.model, purpose=purpose, messages=messages,
            answer=clip_answer(answer.text, self.max_answer_chars) if answer else None,
            answer_chars=len(answer.text) if answer else 0, finish_reason=answer.finish_reason if answer else None,
            prompt_tokens=answer.prompt_tokens if answer else 0,
            completion_tokens=answer.completion_tokens if answer else 0,
            tokens_estimated=answer.tokens_estimated if answer else False, usd=usd,
            latency_ms=(time.monotonic() - start) * 1000, attempts=attempts, waits=waits,
            error=str(error) if error else None, error_kind=error.kind if error else None,
            note=answer.note if answer else None)
        records.append(self.calls_file, rec)


def clip_answer(text: str, limit: int) -> str:
    """`text` cut to `limit` characters with a visible marker. A huge answer is recorded cut; the cut
    text is still over the limit, so its replay is refused for the same reason as the original. The
    marker names only the limit, so a text cut twice reads the same (replayed requests hash alike)."""
    return text if len(text) <= limit else text[:limit] + f"\n[… cut at {limit} characters]"


def missing_key(profile: Profile) -> str | None:
    """The name of the environment variable the profile needs but does not have."""
    if profile.provider == "openai" and profile.api_key_env and not os.environ.get(profile.api_key_env):
        return profile.api_key_env
    return None


def build_client(settings: LLMSettings, name: str | None = None, model: str | None = None,
                 base_url: str | None = None, calls_file: Path | None = None, replay_from: Path | None = None,
                 sleep: Callable[[float], None] = time.sleep, seed: int | None = None) -> LLMClient:
    """The configured client. A missing key or replay source is a one-line StemError naming the fix."""
    chosen, profile, why, _ = autodetect.resolved(settings, name, model, base_url)
    if profile.provider == "replay":
        calls = records.replay_source(replay_from).calls
        provider = ReplayProvider(chosen, calls)
    elif profile.provider == "command":
        try:
            provider = CommandProvider(chosen, profile)
        except LLMError as exc:
            raise StemError(str(exc)) from None
    else:
        env = missing_key(profile)
        if env:
            raise StemError(f"LLM profile '{chosen}' needs {env}: set it in the environment or .env, or choose "
                            "--llm ollama, --llm command or --llm replay")
        key = os.environ.get(profile.api_key_env) if profile.api_key_env else None
        provider = OpenAIProvider(chosen, profile, key)
    client = LLMClient(chosen, profile, provider, settings, calls_file, sleep, seed)
    client.why = why
    return client


__all__ = ["LLMClient", "LLMError", "BudgetExceeded", "build_client", "missing_key"]
