"""Genome models. TransformationPlan is what the mutation engine asks the LLM for."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator


class Edit(BaseModel):
    """One search/replace edit against the parent's source: `search` must occur exactly once."""

    model_config = ConfigDict(extra="forbid")

    search: str = Field(min_length=1, description="text copied exactly from the parent's source (occurs once)")
    replace: str = Field(description="the text that takes its place")


class TransformationPlan(BaseModel):
    """One proposed change to the genome: the Python source of a new or repaired organ, or (for a
    repair of an organ shown in the prompt) search/replace edits against that organ's source."""

    model_config = ConfigDict(extra="ignore")

    organ_name: str = Field(pattern=r"^[a-z][a-z0-9_]{2,48}$", description="snake_case name of the organ")
    domain: str = Field(min_length=3, description="domain id the organ serves, e.g. trading_floor")
    mode: str = Field(default="new_organ", max_length=40,
                      description="new_organ, repair or crossover: informational; the harness records the role it asked for")
    rationale: str = Field(min_length=10, description="what failed and why this source fixes it")
    source: str | None = Field(default=None, min_length=30,
                               description="complete Python module defining run(observation) -> dict")
    edits: list[Edit] | None = Field(default=None, min_length=1, max_length=200,
                                     description="instead of source, for a repair: search/replace edits applied in "
                                                 "order to the parent's source")

    @model_validator(mode="after")
    def _source_or_edits(self) -> "TransformationPlan":
        if (self.source is None) == (self.edits is None):
            raise ValueError("give exactly one of 'source' (the complete module) or 'edits' (search/replace "
                             "against the parent's source)")
        return self


class OrganRef(BaseModel):
    """An organ file, named relative to the genome file's directory, pinned by its sha256."""

    name: str
    path: str
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")


class Capability(BaseModel):
    domain: str
    organ: OrganRef
    generation: int = Field(ge=0)
    train_score: float = Field(ge=0, le=1)
    lineage: list[str] = Field(default_factory=list, description="organ names from the first ancestor to this one")


class Genome(BaseModel):
    format: Literal["stem-genome/1"] = "stem-genome/1"
    name: str = "stem_cell"
    capabilities: dict[str, Capability] = Field(default_factory=dict)
    notes: str = ""

    def with_capability(self, cap: Capability) -> "Genome":
        """Cumulative learning: replacing one domain's organ never drops another domain's."""
        caps = dict(self.capabilities)
        caps[cap.domain] = cap
        return self.model_copy(update={"capabilities": caps})
