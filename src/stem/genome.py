"""Genome models. TransformationPlan is what the mutation engine asks the LLM for."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class TransformationPlan(BaseModel):
    """One proposed change to the genome: the Python source of a new or repaired organ."""

    model_config = ConfigDict(extra="ignore")

    organ_name: str = Field(pattern=r"^[a-z][a-z0-9_]{2,48}$", description="snake_case name of the organ")
    domain: str = Field(min_length=3, description="domain id the organ serves, e.g. trading_floor")
    mode: Literal["new_organ", "repair"] = Field(description="new_organ or repair of the parent organ")
    rationale: str = Field(min_length=10, description="what failed and why this source fixes it")
    source: str = Field(min_length=30, description="complete Python module defining run(observation) -> dict")
