"""Security verifier: the vector is re-run against the toy target on the environment side."""

from __future__ import annotations

import pytest

from stem.benchmark import domains, security
from stem.benchmark.security_targets import FAMILIES, PROTECTED, run_target

from conftest import artifact_of
from helpers_verdict import assert_fails_with


def episodes(count=15):
    return [domains.generate("security", seed, level) for seed in range(count) for level in (1, 2, 3, 4)]


def test_every_family_appears_and_has_exactly_one_winner():
    seen = set()
    for ep in episodes(40):
        seen.add(ep.private["family"])
        wins = [c for c in security.candidates_of(ep.public_files)
                if run_target(ep.public_files["target.py"], c) == PROTECTED]
        assert wins == [ep.private["expected"]["vector"]]
    assert seen == set(FAMILIES)


def test_wrong_vector_is_an_isolation_failure():
    for ep in episodes():
        art = artifact_of(ep)
        decoy = next(c for c in security.candidates_of(ep.public_files) if c != art["vector"])
        art["vector"] = decoy
        assert_fails_with(domains.verify(ep, art), "reaches_protected", "vector_isolation_failure")


def test_vector_that_is_not_a_candidate_is_flagged():
    ep = episodes(1)[0]
    art = artifact_of(ep)
    art["vector"] = art["vector"] + "x"
    assert_fails_with(domains.verify(ep, art), "vector_is_candidate", "vector_isolation_failure")


def test_forged_observation_is_flagged():
    for ep in episodes(5):
        art = artifact_of(ep)
        art["vector"] = next(c for c in security.candidates_of(ep.public_files) if c != art["vector"])
        art["observed"] = PROTECTED  # claims success the target never returned
        verdict = domains.verify(ep, art)
        assert_fails_with(verdict, "observed_matches", "unverifiable_inference")


def test_claim_never_probed_is_flagged_when_the_probe_log_is_known():
    ep = episodes(1)[0]
    verdict = domains.verify(ep, artifact_of(ep), record=[])
    assert_fails_with(verdict, "claim_probed", "unverifiable_inference", "never probed")


@pytest.mark.parametrize("artifact", [{"vector": "x"}, {"observed": PROTECTED}, {"vector": 3, "observed": "x"}, "x", None])
def test_malformed_proofs_are_incomplete(artifact):
    ep = episodes(1)[0]
    assert_fails_with(domains.verify(ep, artifact), "artifact_shape", "incomplete_final_artifact")


def test_crashing_target_input_is_an_observed_error_not_a_harness_crash():
    src = "def target(request):\n    return str(1 // len(request))\n"
    assert run_target(src, "").startswith("error: ZeroDivisionError")
