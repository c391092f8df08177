"""Verdict and Check: the one result shape every domain verifier returns.

A verdict's score is the share of its checks that pass, unless the domain gives its own measure
(`build_verdict(checks, score=...)`, e.g. binpacking's lower bound / bins used): then `scored_by` is
"domain" and the checks decide only success. The runner adds its own checks (turn traces) with
`add_checks`, which keeps each kind of score what it is.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field


class Check(BaseModel):
    id: str
    passed: bool
    expected: Any = None
    actual: Any = None
    message: str = ""
    tag: str | None = Field(default=None, description="failure tag contributed when this check fails")


class Verdict(BaseModel):
    success: bool
    score: float = Field(ge=0.0, le=1.0)
    checks: list[Check] = Field(default_factory=list)
    tags: list[str] = Field(default_factory=list)
    critique: str = ""
    details: dict[str, Any] = Field(default_factory=dict, description="numbers the domain reports beside the "
                                    "checks, e.g. binpacking's bins_used, lower_bound, excess")
    scored_by: Literal["checks", "domain"] = Field(default="checks", description="checks: the score is the share "
                                                   "of checks passed; domain: the domain's own measure")

    def failing(self) -> list[Check]:
        return [c for c in self.checks if not c.passed]


def check(cid: str, passed: bool, expected: Any = None, actual: Any = None, message: str = "",
          tag: str | None = None) -> Check:
    return Check(id=cid, passed=bool(passed), expected=expected, actual=actual,
                 message="" if passed else message, tag=tag)


def build_verdict(checks: list[Check], extra_tags: list[str] | None = None, limit: int = 3,
                  score: float | None = None, details: dict[str, Any] | None = None) -> Verdict:
    """Score = share of checks passed, or `score` when the domain measures the answer itself (clamped
    to [0, 1]); success only when every check passes and no episode-level tag."""
    extra = list(extra_tags or [])
    total = len(checks)
    passed = sum(1 for c in checks if c.passed)
    share = passed / total if total else 0.0
    measured = score is not None
    value = min(1.0, max(0.0, float(score))) if measured else share
    tags: list[str] = []
    for tag in extra + [c.tag for c in checks if not c.passed and c.tag]:
        if tag not in tags:
            tags.append(tag)
    failing = [c for c in checks if not c.passed]
    success = total > 0 and not failing and not extra
    scored = f" (score {value:.4f})" if measured else ""
    if success:
        critique = f"all {total} checks passed{scored}"
    else:
        parts = [f"{c.id}: {c.message}" for c in failing[:limit]]
        if len(failing) > limit:
            parts.append(f"... and {len(failing) - limit} more failing checks")
        if not parts:
            parts = [f"episode flagged: {', '.join(extra)}"]
        critique = f"{passed}/{total} checks passed{scored}. " + " | ".join(parts)
    return Verdict(success=success, score=value, checks=checks, tags=tags, critique=critique,
                   details=dict(details or {}), scored_by="domain" if measured else "checks")


def add_checks(base: Verdict, extra: list[Check]) -> Verdict:
    """`base` (a domain's verdict) with the runner's own checks added. A share-of-checks verdict is
    rescored over all checks; a domain-scored one keeps its measure times the share of the added
    checks that pass (so one failing runner check, e.g. a missing trace, fails the episode and
    scores it 0). Details and episode-level tags are kept."""
    from_checks = {c.tag for c in base.checks if not c.passed and c.tag}
    flagged = [t for t in base.tags if t not in from_checks]
    if base.scored_by == "checks":
        return build_verdict(base.checks + extra, flagged, details=base.details)
    share = sum(1 for c in extra if c.passed) / len(extra) if extra else 1.0
    return build_verdict(base.checks + extra, flagged, score=base.score * share, details=base.details)


def as_verdict(result: Any) -> Verdict:
    """The one normaliser of what a domain's verify() returns: a Verdict as it is, a non-empty list of
    Check scored by build_verdict. Anything else raises TypeError saying what came back."""
    if isinstance(result, Verdict):
        return result
    if isinstance(result, list) and result and all(isinstance(c, Check) for c in result):
        return build_verdict(result)
    raise TypeError(f"verify() returned {type(result).__name__}, not a non-empty list of Check (or a Verdict)")


def failed_verdict(tag: str, message: str) -> Verdict:
    """A verdict for an episode that produced nothing checkable (crash, non-JSON, no artifact...)."""
    return Verdict(success=False, score=0.0,
                   checks=[Check(id=tag, passed=False, expected="a verifiable final artifact",
                                 actual=None, message=message, tag=tag)],
                   tags=[tag], critique=message)
