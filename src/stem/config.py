"""Settings: config.yaml (+ .env for secrets) validated by pydantic. Flags override at the CLI edge.

Loading settings reads files only: it never imports a domain plugin (domains are discovered where
they are needed, by stem.benchmark.domains.discover_for). Every section refuses keys it does not
know, naming the nearest valid one, and every error names the config file that was read."""

from __future__ import annotations

import difflib
import os
import types
import typing
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from stem.errors import StemError, field_error
from stem.llm.settings import LLMSettings

LEVELS = range(1, 7)  # the difficulty levels the built-in domains offer
INTERNAL = ("root", "config_file")  # Settings fields set by the loader, not by the file


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SeedRange(_Section):
    seed_start: int = Field(ge=0)
    count: int = Field(ge=1)


class TestSplit(_Section):
    seed_floor: int = Field(default=1_000_000, ge=0)
    count: int = Field(default=4, ge=1)


class Splits(_Section):
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


class BenchmarkSettings(_Section):
    difficulties: list[int] = Field(default_factory=lambda: [3, 4, 5, 6], min_length=1)
    splits: Splits = Splits()

    @field_validator("difficulties")
    @classmethod
    def _known_levels(cls, levels: list[int]) -> list[int]:
        outside = sorted({lv for lv in levels if lv not in LEVELS})
        if outside:
            raise ValueError(f"levels {outside} do not exist; use levels from {LEVELS.start} to {LEVELS.stop - 1}")
        return levels


class Paths(_Section):
    prompts: str = "prompts"
    benchmarks: str = "benchmarks"
    logs: str = "logs"
    genomes: str = "genomes"


class EvolutionSettings(_Section):
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
    lessons: bool = Field(default=True, description="experience across runs: read the domain's lessons into every "
                          "prompt and write new ones after clear outcomes (stem train --lessons on|off)")
    lessons_chars: int = Field(default=2500, ge=0, description="character budget for lessons in one prompt")
    director_every: int = Field(default=3, ge=0, description="a Director call every this many generations of a "
                                "domain and when it starts stagnating (0: never)")
    critic: bool = Field(default=True, description="a Critic call reviews an organ before it enters the genome")


class LogSettings(_Section):
    keep_turns: Literal["all", "failing", "none"] = Field(
        default="failing", description="which episodes keep their turn-by-turn record: all; failing (what "
        "repair transcripts read; an episode that passed keeps only its verdict); none")


class DomainSettings(_Section):
    paths: list[str] = Field(default_factory=lambda: ["benchmarks/domains"],
                             description="folders holding <name>/domain.py plugins, relative to config.yaml")


class Settings(_Section):
    paths: Paths = Paths()
    domains: DomainSettings = DomainSettings()
    benchmark: BenchmarkSettings = BenchmarkSettings()
    evolution: EvolutionSettings = EvolutionSettings()
    llm: LLMSettings = LLMSettings()
    logs: LogSettings = LogSettings()
    root: Path = Path(".")  # the folder every relative path is resolved from: the config file's folder
    config_file: Path | None = None  # the config file read (None: built-in defaults, no file)

    def domain_paths(self) -> list[Path]:
        return [(self.root / p).resolve() for p in self.domains.paths]

    def path(self, name: str) -> Path:
        return (self.root / getattr(self.paths, name)).resolve()

    @property
    def classic_suite(self) -> Path:
        return self.path("benchmarks") / "classic"

    @property
    def origin(self) -> str:
        """How errors name where a setting came from: the config file, or the defaults."""
        return str(self.config_file) if self.config_file else "the built-in defaults (no config.yaml)"


def load_settings(config: Path | None = None) -> Settings:
    """Read config.yaml: --config, else $STEM_CONFIG, else ./config.yaml, else built-in defaults."""
    if config is None and os.environ.get("STEM_CONFIG"):
        config = Path(os.environ["STEM_CONFIG"])
    if config is None:
        config = Path("config.yaml")
        if not config.is_file():
            _load_env(Path.cwd())
            return Settings(root=Path.cwd())
    if not config.is_file():
        raise StemError(f"{config}: config file not found; pass --config PATH or create config.yaml")
    try:
        raw = yaml.safe_load(config.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark else ""
        raise StemError(f"{config}: not valid YAML{where}; fix the syntax") from None
    except RecursionError:
        raise StemError(f"{config}: nested too deeply to be a config file; fix the file") from None
    except UnicodeDecodeError:
        raise StemError(f"{config}: not UTF-8 text; fix the file") from None
    if not isinstance(raw, dict):
        raise StemError(f"{config}: top level must be a mapping of sections (paths, benchmark, ...)")
    for key in INTERNAL:
        if key in raw:
            raise StemError(f"{config}: unknown key '{key}'; paths are relative to the config file's folder "
                            f"(fix {config})")
    _load_env(config.resolve().parent)
    try:
        return Settings.model_validate({**raw, "root": config.resolve().parent, "config_file": config})
    except ValidationError as exc:
        raise config_error(config, exc) from None


def config_error(config: Path, exc: ValidationError) -> StemError:
    """One line for the first problem; an unknown key (shown first: a misspelt key is also why a required
    one seems missing) names the nearest valid key at its level."""
    errors = exc.errors()
    err = next((e for e in errors if e["type"] == "extra_forbidden"), errors[0])
    if err["type"] == "extra_forbidden":
        loc = [str(p) for p in err["loc"]]
        valid = known_keys(loc[:-1])
        near = difflib.get_close_matches(loc[-1], valid, n=1, cutoff=0.6)
        hint = f"did you mean '{near[0]}'?" if near else f"valid keys here: {', '.join(valid)}"
        where = ".".join(loc)
        return StemError(f"{config}: unknown key '{where}'; {hint} (fix {config})")
    return field_error(config, exc, f"fix {config}")


def known_keys(loc: list[str]) -> list[str]:
    """The keys the config section at `loc` (the keys from the top down) accepts."""
    model: typing.Any = Settings
    for part in loc:
        if typing.get_origin(model) is dict:  # a mapping of names (llm.profiles.<name>): its values' keys
            model = typing.get_args(model)[1]
            continue
        fields = getattr(model, "model_fields", None) or {}
        if part not in fields:
            return []
        model = fields[part].annotation
        if typing.get_origin(model) in (typing.Union, types.UnionType):  # X | None: the section's model
            model = next((a for a in typing.get_args(model) if hasattr(a, "model_fields")), model)
    return [name for name in getattr(model, "model_fields", None) or {} if name not in INTERNAL]


def _load_env(root: Path) -> None:
    """API keys from <root>/.env; variables already in the environment win."""
    from dotenv import load_dotenv
    env = root / ".env"
    if env.is_file():
        load_dotenv(env, override=False)
