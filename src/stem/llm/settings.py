"""LLM configuration: named profiles, retry policy, price table and budget caps (config.yaml `llm:`)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from stem.errors import StemError


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")  # an unknown key in config.yaml is refused, never ignored


class Prices(_Section):
    prompt_per_mtok: float = Field(default=0.0, ge=0)
    completion_per_mtok: float = Field(default=0.0, ge=0)

    def cost(self, prompt_tokens: int, completion_tokens: int) -> float:
        return (prompt_tokens * self.prompt_per_mtok + completion_tokens * self.completion_per_mtok) / 1_000_000


class Profile(_Section):
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


class RetrySettings(_Section):
    max_attempts: int = Field(default=4, ge=1, le=20)
    base_seconds: float = Field(default=1.0, ge=0)
    max_seconds: float = Field(default=30.0, ge=0)
    max_retry_after_seconds: float = Field(default=120.0, ge=0)


class BudgetSettings(_Section):
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
        "anthropic": Profile(base_url="https://api.anthropic.com/v1/", model="claude-sonnet-4-5",
                             api_key_env="ANTHROPIC_API_KEY", json_mode=False),
        "openrouter": Profile(base_url="https://openrouter.ai/api/v1", model="openai/gpt-4.1-mini",
                              api_key_env="OPENROUTER_API_KEY"),
        **{name: Profile(provider="command", command=cmd, timeout_seconds=900) for name, cmd in AGENT_COMMANDS.items()},
        "command": Profile(provider="command", command=["llm-agent", "--print"], timeout_seconds=600),
        "replay": Profile(provider="replay"),
    }


# CLI coding agents, each with its non-interactive invocation: the prompt arrives on stdin.
AGENT_ASK = "Follow the instructions above and reply with the JSON object only."
AGENT_COMMANDS = {
    "claude-code": ["claude", "-p", "--output-format", "text", AGENT_ASK],  # stdin is appended to the prompt
    "codex": ["codex", "exec", "--skip-git-repo-check", "-"],  # '-': the instructions are read from stdin
    "gemini-cli": ["gemini", "-p", AGENT_ASK],  # -p is appended to stdin
    "llm-cli": ["llm"],  # reads the prompt from stdin
}


class LLMSettings(_Section):
    profile: str = "auto"  # auto: the first usable of keys, a local server, a CLI agent (stem doctor shows why)
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
