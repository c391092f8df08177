"""Settings: config.yaml (+ .env for secrets) validated by pydantic. Flags override at the CLI edge."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, Field, ValidationError, model_validator

from stem.errors import StemError, field_error
from stem.llm.settings import LLMSettings


class SeedRange(BaseModel):
    seed_start: int = Field(ge=0)
    count: int = Field(ge=1)


class TestSplit(BaseModel):
    seed_floor: int = Field(default=1_000_000, ge=0)
    count: int = Field(default=4, ge=1)


class Splits(BaseModel):
    train: SeedRange = SeedRange(seed_start=1000, count=8)
    validation: SeedRange = SeedRange(seed_start=5000, count=4)
    test: TestSplit = TestSplit()

    @model_validator(mode="after")
    def _disjoint(self) -> "Splits":
        t, v = self.train, self.validation
        if t.seed_start < v.seed_start + v.count and v.seed_start < t.seed_start + t.count:
            raise ValueError("train and validation seed ranges overlap")
        if self.test.seed_floor < max(t.seed_start + t.count, v.seed_start + v.count):
            raise ValueError("test.seed_floor must lie above the train and validation seed ranges")
        return self


class BenchmarkSettings(BaseModel):
    difficulties: list[int] = Field(default_factory=lambda: [3, 4, 5, 6], min_length=1)
    splits: Splits = Splits()


class Paths(BaseModel):
    prompts: str = "prompts"
    benchmarks: str = "benchmarks"
    logs: str = "logs"
    genomes: str = "genomes"


class EvolutionSettings(BaseModel):
    population: int = Field(default=3, ge=1)
    max_epochs: int = Field(default=6, ge=1)
    stagnation_generations: int = Field(default=2, ge=0, description="generations without a better best train "
                                        "score before a generation is all crossovers and immigrants (0: never)")
    scout_first: bool = Field(default=True, description="the first generation of a domain sends one request "
                              "before the others, which are not sent if it passes every train episode")
    transcript_chars: int = Field(default=12000, ge=500, description="character budget for failing-episode "
                                  "transcripts in one repair prompt")
    transcript_episodes: int = Field(default=3, ge=1, description="failing episodes transcribed per repair prompt")
    workers: int | None = Field(default=None, ge=1, description="episodes evaluated at once (default: the core count)")
    executor: Literal["local", "ray"] = Field(default="local", description="where episodes run: this machine or Ray")
    objective: Literal["pass", "climb"] | None = Field(default=None, description="pass: a domain stops at the first "
                                                       "organ passing every train episode; climb: it goes on while the "
                                                       "best mean train score improves (default: the domain's own)")
    patience: int = Field(default=3, ge=1, description="climb: generations without a gain above min_delta before "
                          "a domain stops")
    min_delta: float = Field(default=0.001, ge=0.0, description="climb: the smallest rise of the best mean train "
                             "score that counts as a gain")


class DomainSettings(BaseModel):
    paths: list[str] = Field(default_factory=lambda: ["benchmarks/domains"],
                             description="folders holding <name>/domain.py plugins, relative to config.yaml")


class Settings(BaseModel):
    paths: Paths = Paths()
    domains: DomainSettings = DomainSettings()
    benchmark: BenchmarkSettings = BenchmarkSettings()
    evolution: EvolutionSettings = EvolutionSettings()
    llm: LLMSettings = LLMSettings()
    root: Path = Path(".")

    def domain_paths(self) -> list[Path]:
        return [(self.root / p).resolve() for p in self.domains.paths]

    def path(self, name: str) -> Path:
        return (self.root / getattr(self.paths, name)).resolve()

    @property
    def classic_suite(self) -> Path:
        return self.path("benchmarks") / "classic"


def load_settings(config: Path | None = None) -> Settings:
    """Read config.yaml: --config, else $STEM_CONFIG, else ./config.yaml, else built-in defaults."""
    if config is None and os.environ.get("STEM_CONFIG"):
        config = Path(os.environ["STEM_CONFIG"])
    if config is None:
        config = Path("config.yaml")
        if not config.is_file():
            _load_env(Path.cwd())
            return _discovered(Settings(root=Path.cwd()))
    if not config.is_file():
        raise StemError(f"{config}: config file not found; pass --config PATH or create config.yaml")
    try:
        raw = yaml.safe_load(config.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark else ""
        raise StemError(f"{config}: not valid YAML{where}; fix the syntax") from None
    if not isinstance(raw, dict):
        raise StemError(f"{config}: top level must be a mapping of sections (paths, benchmark, ...)")
    _load_env(config.resolve().parent)
    try:
        settings = Settings.model_validate({**raw, "root": config.resolve().parent})
    except ValidationError as exc:
        raise field_error(config, exc, "fix config.yaml") from None
    return _discovered(settings)


def _discovered(settings: Settings) -> Settings:
    """Domains are discovered where settings are read: built-ins, plugin folders, entry points."""
    from stem.benchmark import domains
    domains.discover(settings.domain_paths())
    return settings


def _load_env(root: Path) -> None:
    """API keys from <root>/.env; variables already in the environment win."""
    from dotenv import load_dotenv
    env = root / ".env"
    if env.is_file():
        load_dotenv(env, override=False)
