"""The elite archive: the best organs per domain, kept across generations (elitism)."""

from __future__ import annotations

from pydantic import BaseModel, Field

from stem.genome import OrganRef

ARCHIVE_SIZE = 3


class Elite(BaseModel):
    organ: OrganRef
    domain: str
    generation: int
    candidate: int
    score: float = Field(ge=0, le=1)
    passed: int
    episodes: int
    failures: str = ""
    lineage: list[str] = Field(default_factory=list)

    @property
    def all_pass(self) -> bool:
        return self.episodes > 0 and self.passed == self.episodes


def insert(archive: list[Elite], elite: Elite) -> list[Elite]:
    """Keep the top ARCHIVE_SIZE by (score, passed), newer first on ties."""
    ranked = sorted(archive + [elite], key=lambda e: (e.score, e.passed, e.generation, -e.candidate), reverse=True)
    return ranked[:ARCHIVE_SIZE]


def best(archive: list[Elite]) -> Elite | None:
    return archive[0] if archive else None
