"""`stem domain check` on domains with an environment: the reference is played through the EpisodeRunner,
its actions answered by the environment, and corruptions are verified against what the environment
recorded. Variants of the security domain (subclasses made here) show that each check can fail."""

from __future__ import annotations

import itertools

from stem.benchmark import domain_check
from stem.benchmark.domain_api import reference_response
from stem.benchmark.security import ProbeEnvironment, SecuritySandbox


def failed(report) -> dict[str, str]:
    return {c["check"]: c["detail"] for c in report.checks if not c["passed"]}


def test_security_is_checked_through_its_environment():
    report = domain_check.run(SecuritySandbox(), episodes=2)
    assert report.ok, failed(report)
    ids = [c["check"] for c in report.checks]
    assert "environment deterministic (level 6)" in ids and "corruptions fail (level 6)" in ids


def test_the_record_is_what_the_reference_is_judged_by():
    ep = SecuritySandbox().generate(424_242, 3)
    result, odd = domain_check.play_reference(SecuritySandbox(), ep)
    assert result.verdict.success and odd == []
    assert [p["vector"] for p in result.record] == [ep.private["expected"]["vector"]]


class NeverProbes(SecuritySandbox):
    """A reference agent that claims the winner without probing it: the probe log says so."""

    name, short = "never_probes", "neverp"

    def reference_agent(self, episode):
        artifact = self.reference_artifact(episode)
        return lambda obs: reference_response(obs, artifact)


def test_a_reference_that_skips_the_environment_fails_the_check():
    problems = failed(domain_check.run(NeverProbes(), episodes=1))
    assert "never probed" in problems["reference passes (level 1)"]


_counter = itertools.count()


class DriftingEnvironment(ProbeEnvironment):
    def record(self):
        return self.probes + [{"vector": "", "result": "", "turn": next(_counter)}]


class Drifting(SecuritySandbox):
    """Its environment records something different on every play."""

    name, short = "drifting", "drift"

    def environment(self, episode):
        return DriftingEnvironment(episode)


def test_an_environment_that_is_not_deterministic_fails_the_check():
    problems = failed(domain_check.run(Drifting(), episodes=1))
    assert "recorded different things" in problems["environment deterministic (level 1)"]


class BrokenEnvironment(SecuritySandbox):
    name, short = "broken_env", "brokenenv"

    def environment(self, episode):
        raise RuntimeError("no probe table")


def test_an_environment_that_raises_is_one_line():
    problems = failed(domain_check.run(BrokenEnvironment(), episodes=1))
    assert "environment() raised RuntimeError: no probe table" in problems["reference passes (level 1)"]
