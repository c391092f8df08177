"""Retry policy: exponential backoff with jitter, Retry-After honoured, and which failures are retryable."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from datetime import datetime, timezone

from stem.llm.settings import RetrySettings


class LLMError(Exception):
    """A failed LLM call. `retryable` says whether another attempt may succeed; after the retry loop
    gave up, `attempts` and `waits` say what it tried."""

    def __init__(self, message: str, kind: str, retryable: bool, retry_after: float | None = None):
        super().__init__(message)
        self.kind, self.retryable, self.retry_after = kind, retryable, retry_after
        self.attempts, self.waits = 1, []


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header: delta-seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    now = now or datetime.now(timezone.utc)
    return max(0.0, (when - now).total_seconds())


@dataclass
class RetryPolicy:
    settings: RetrySettings
    rng: random.Random

    def delay(self, attempt: int, error: LLMError) -> float | None:
        """Seconds to wait before attempt `attempt + 1`, or None to give up."""
        if not error.retryable or attempt >= self.settings.max_attempts:
            return None
        if error.retry_after is not None:
            if error.retry_after > self.settings.max_retry_after_seconds:
                return None
            return error.retry_after
        cap = min(self.settings.max_seconds, self.settings.base_seconds * 2 ** (attempt - 1))
        return cap * (0.5 + 0.5 * self.rng.random())


@dataclass
class Attempts:
    """What one retried call took: the attempts made and the seconds waited between them."""
    count: int = 0
    waits: list[float] = field(default_factory=list)


def with_retries(send: Callable[[], object], policy: RetryPolicy, sleep: Callable[[float], None],
                 tried: Attempts | None = None):
    """`send()` until it succeeds or the policy gives up (the last LLMError is raised, carrying the
    attempts and waits). The one retry loop: training's calls and doctor's ping both use it."""
    tried = tried if tried is not None else Attempts()
    while True:
        tried.count += 1
        try:
            return send()
        except LLMError as exc:
            delay = policy.delay(tried.count, exc)
            if delay is None:
                exc.attempts, exc.waits = tried.count, list(tried.waits)
                raise
            tried.waits.append(delay)
            sleep(delay)
