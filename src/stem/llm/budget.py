"""Run-level LLM accounting and hard caps (calls, tokens, USD)."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from stem.llm.settings import BudgetSettings


class BudgetExceeded(Exception):
    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass
class Budget:
    caps: BudgetSettings
    calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    usd: float = 0.0
    in_flight: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    @property
    def tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens

    def check(self) -> None:
        """Raise before a call that the caps no longer allow (calls in flight count as made)."""
        c = self.caps
        if c.max_calls is not None and self.calls + self.in_flight >= c.max_calls:
            raise BudgetExceeded(f"LLM call budget reached: {self.calls} of {c.max_calls} calls")
        if c.max_tokens is not None and self.tokens >= c.max_tokens:
            raise BudgetExceeded(f"LLM token budget reached: {self.tokens} of {c.max_tokens} tokens")
        if c.max_usd is not None and self.usd >= c.max_usd:
            raise BudgetExceeded(f"LLM cost budget reached: ${self.usd:.4f} of ${c.max_usd:.2f}")

    def reserve(self) -> None:
        """Claim one call under the caps, atomically: concurrent requests can never overshoot
        max_calls. Raises BudgetExceeded; every reserve() is followed by add() or release()."""
        with self.lock:
            self.check()
            self.in_flight += 1

    def release(self) -> None:
        with self.lock:
            self.in_flight = max(0, self.in_flight - 1)

    def add(self, prompt_tokens: int, completion_tokens: int, usd: float, reserved: bool = False) -> None:
        with self.lock:
            if reserved:
                self.in_flight = max(0, self.in_flight - 1)
            self.calls += 1
            self.prompt_tokens += prompt_tokens
            self.completion_tokens += completion_tokens
            self.usd += usd

    def as_dict(self) -> dict:
        return {"calls": self.calls, "prompt_tokens": self.prompt_tokens, "completion_tokens": self.completion_tokens,
                "usd": round(self.usd, 6)}
