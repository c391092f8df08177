"""LLM configuration: named profiles, retry policy, price table and budget caps (config.yaml `llm:`)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from stem.errors import StemError


class Prices(BaseModel):
    prompt_per_mtok: float = Field(default=0.0, ge=0)
    completion_per_mtok: float = Field(default=0.0, ge=0)

    def cost(self, prompt_tokens: int, completion_tokens: int) -> float:
        return (prompt_tokens * self.prompt_per_mtok + completion_tokens * self.completion_per_mtok) / 1_000_000


class Profile(BaseModel):
    provider: Literal["openai", "command", "replay"] = "openai"
    base_url: str | None = None
    model: str = ""
    api_key_env: str | None = None
    json_mode: bool = True
    temperature: float = Field(default=0.4, ge=0, le=2)
    max_tokens: int = Field(default=8000, ge=16)
    timeout_seconds: float = Field(default=90.0, gt=0)
    command: list[str] = Field(default_factory=list)
    prices: Prices = Prices()


class RetrySettings(BaseModel):
    max_attempts: int = Field(default=4, ge=1, le=20)
    base_seconds: float = Field(default=1.0, ge=0)
    max_seconds: float = Field(default=30.0, ge=0)
    max_retry_after_seconds: float = Field(default=120.0, ge=0)


class BudgetSettings(BaseModel):
    max_calls: int | None = Field(default=80, ge=1)
    max_tokens: int | None = Field(default=1_000_000, ge=1)
    max_usd: float | None = Field(default=5.0, ge=0)


def _default_profiles() -> dict[str, Profile]:
    return {
        "gemini": Profile(base_url="https://generativelanguage.googleapis.com/v1beta/openai/", model="gemini-2.5-flash",
                          api_key_env="GEMINI_API_KEY"),
        "openai": Profile(base_url="https://api.openai.com/v1", model="gpt-4.1-mini", api_key_env="OPENAI_API_KEY"),
        "ollama": Profile(base_url="http://localhost:11434/v1", model="qwen2.5-coder:7b"),
        "vllm": Profile(base_url="http://localhost:8000/v1", model="local-model"),
        "llamacpp": Profile(base_url="http://localhost:8080/v1", model="local-model"),
        "command": Profile(provider="command", command=["llm-agent", "--print"], timeout_seconds=600),
        "replay": Profile(provider="replay"),
    }


class LLMSettings(BaseModel):
    profile: str = "gemini"
    concurrency: int | None = Field(default=None, ge=1, description="requests in flight at once; default: the population")
    max_answer_chars: int = Field(default=400_000, ge=1000, description="answers longer than this are refused "
                                  "before any JSON search (and recorded cut to this length)")
    retry: RetrySettings = RetrySettings()
    budget: BudgetSettings = BudgetSettings()
    profiles: dict[str, Profile] = Field(default_factory=_default_profiles)


def resolve_profile(llm: LLMSettings, name: str | None = None, model: str | None = None,
                    base_url: str | None = None) -> tuple[str, Profile]:
    """The selected profile with --model / --base-url applied."""
    chosen = name or llm.profile
    if chosen not in llm.profiles:
        raise StemError(f"unknown LLM profile '{chosen}'; configured: {', '.join(sorted(llm.profiles))} "
                        "(add it under llm.profiles in config.yaml)")
    profile = llm.profiles[chosen].model_copy()
    if model:
        profile.model = model
    if base_url:
        profile.base_url = base_url
    return chosen, profile
