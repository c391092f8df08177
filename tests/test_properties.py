"""Property-based tests: generators are deterministic; reference output is always legal under replay."""

from __future__ import annotations

import filecmp

from hypothesis import HealthCheck, given, settings as hsettings, strategies as st

from stem.benchmark import domain_check, domains, store, trading

from conftest import artifact_of

DOMAIN = st.sampled_from(sorted(domains.BUILTINS))
SEED = st.integers(min_value=0, max_value=2**40)
LEVEL = st.sampled_from([1, 2, 3, 4, 5, 6])
FAST = hsettings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@FAST
@given(domain=DOMAIN, seed=SEED, level=LEVEL)
def test_same_seed_gives_byte_identical_files(tmp_path_factory, domain, seed, level):
    a, b = tmp_path_factory.mktemp("a"), tmp_path_factory.mktemp("b")
    ep1 = domains.generate(domain, seed, level, "train")
    ep2 = domains.generate(domain, seed, level, "train")
    store.write_episode(ep1, a)
    store.write_episode(ep2, b)
    for side in ("public", "private"):
        left, right = a / side / ep1.episode_id, b / side / ep2.episode_id
        names = sorted(p.name for p in left.iterdir())
        assert names == sorted(p.name for p in right.iterdir())
        match, mismatch, errors = filecmp.cmpfiles(left, right, names, shallow=False)
        assert not mismatch and not errors
    assert store.read_episode(a / "public" / ep1.episode_id).model_dump() == ep1.model_dump()


@FAST
@given(domain=DOMAIN, seed=SEED, level=LEVEL)
def test_different_seeds_give_different_episodes(domain, seed, level):
    a, b = domains.generate(domain, seed, level), domains.generate(domain, seed + 1, level)
    if domains.get(domain).scores_without_answer:  # binpacking: the items are private, the public side is alike
        assert a.private != b.private
    else:
        assert a.public_files != b.public_files


@FAST
@given(domain=DOMAIN, seed=SEED, level=LEVEL)
def test_solver_output_is_always_legal_and_passes(domain, seed, level):
    ep = domains.generate(domain, seed, level)
    if domains.get(domain).scores_without_answer:  # scored from the record: play the reference through it
        verdict = domain_check.play_reference(domains.get(domain), ep)[0].verdict
    else:
        verdict = domains.verify(ep, artifact_of(ep), record=[{"vector": ep.private["expected"].get("vector")}])
    assert verdict.success, verdict.critique


@FAST
@given(seed=SEED, level=LEVEL, cents=st.integers(min_value=1, max_value=500))
def test_trading_replay_rejects_any_shift_of_final_cash(seed, level, cents):
    ep = domains.generate("trading", seed, level)
    art = artifact_of(ep)
    art["final_cash"] = trading.fmt(trading.to_cents(art["final_cash"]) + cents)
    assert not domains.verify(ep, art).success
