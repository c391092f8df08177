"""Trading verifier: systematic corruptions fail with the right tag and check; other optimal ledgers pass."""

from __future__ import annotations

import copy

import pytest

from stem.benchmark import domains, trading
from stem.benchmark.episode_model import Episode, dump_json
from stem.benchmark.money import fmt, to_cents

from conftest import artifact_of
from helpers_verdict import assert_fails_with


def restate(episode: Episode, artifact: dict) -> dict:
    """Recompute cash_after and the final state of a (possibly illegal) ledger, so that a test isolates one fault."""
    problem = trading.problem_from_files(episode.public_files)
    cash, positions = problem.cash, dict(problem.positions)
    for row in artifact["ledger"]:
        price = to_cents(row["price"])
        sign = -1 if row["side"] == "BUY" else 1
        cash += sign * row["qty"] * price - problem.fee
        positions[row["asset"]] -= sign * row["qty"]
        row["cash_after"] = fmt(cash)
    artifact["final_cash"] = fmt(cash)
    artifact["final_positions"] = positions
    return artifact


def episodes_with(predicate, count=12):
    found = []
    for seed in range(400):
        for level in (2, 3, 4):
            ep = domains.generate("trading", seed, level)
            if predicate(ep):
                found.append(ep)
                if len(found) == count:
                    return found
    raise AssertionError("generator never produced the needed shape")


def multi_row(ep):
    return len(ep.private["expected"]["ledger"]) >= 2


def test_wrong_cash_after_is_a_ledger_mismatch():
    for ep in episodes_with(multi_row):
        art = artifact_of(ep)
        art["ledger"][1]["cash_after"] = fmt(to_cents(art["ledger"][1]["cash_after"]) + 1)
        assert_fails_with(domains.verify(ep, art), "cash_after", "ledger_mismatch", "row 2")


def _splittable(ep):
    problem = trading.problem_from_files(ep.public_files)
    for i, row in enumerate(ep.private["expected"]["ledger"]):
        if row["qty"] >= 2 and (row["tick"] + 1, row["asset"], "") in problem.market:
            return i
    return None


def test_trade_on_consecutive_ticks_is_a_cooldown_violation():
    for ep in episodes_with(lambda e: _splittable(e) is not None):
        i = _splittable(ep)
        problem = trading.problem_from_files(ep.public_files)
        art = artifact_of(ep)
        row = art["ledger"][i]
        row["qty"] -= 1
        nxt = problem.market[(row["tick"] + 1, row["asset"], "")]
        extra = dict(row, tick=row["tick"] + 1, qty=1, price=fmt(nxt.ask if row["side"] == "BUY" else nxt.bid))
        art["ledger"].insert(i + 1, extra)
        art["ledger"].sort(key=lambda r: r["tick"])
        verdict = domains.verify(ep, restate(ep, art))
        assert_fails_with(verdict, "cooldown", "cooldown_violation", row["asset"])
        assert {c.id for c in verdict.checks if not c.passed} <= {"cooldown", "optimality"}


def test_quantity_over_the_row_limit_is_flagged():
    for ep in episodes_with(multi_row):
        problem = trading.problem_from_files(ep.public_files)
        art = artifact_of(ep)
        row = art["ledger"][0]
        row["qty"] = problem.market[(row["tick"], row["asset"], "")].max_qty + 1
        assert_fails_with(domains.verify(ep, restate(ep, art)), "quantity_limits", "quantity_limit_exceeded", "max_qty")


def test_a_tick_that_does_not_exist_is_flagged():
    for ep in episodes_with(multi_row):
        art = artifact_of(ep)
        art["ledger"][-1]["tick"] = 999
        assert_fails_with(domains.verify(ep, art), "rows_exist", "unknown_market_row", "tick 999")


def test_wrong_fill_price_is_flagged():
    ep = episodes_with(multi_row, 1)[0]
    art = artifact_of(ep)
    art["ledger"][0]["price"] = fmt(to_cents(art["ledger"][0]["price"]) - 5)
    assert_fails_with(domains.verify(ep, restate(ep, art)), "fill_prices", "price_mismatch", "row 1")


def test_missing_impossibility_statement_is_flagged():
    for ep in episodes_with(lambda e: e.private["expected"]["impossible"]):
        art = artifact_of(ep)
        art["impossible"], art["unmet_targets"] = False, []
        assert_fails_with(domains.verify(ep, art), "impossibility_statement", "missing_impossibility_statement")


def test_false_impossibility_claim_is_flagged():
    ep = episodes_with(lambda e: not e.private["expected"]["impossible"], 1)[0]
    art = artifact_of(ep)
    art["impossible"], art["unmet_targets"] = True, [next(iter(art["final_positions"]))]
    assert_fails_with(domains.verify(ep, art), "impossibility_statement", "false_impossibility_claim")


def test_filling_every_target_below_the_floor_breaches_it():
    """On an impossible episode, the unconstrained optimum reaches all targets but ends under the floor."""
    for ep in episodes_with(lambda e: e.private["expected"]["impossible"], 4):
        problem = trading.problem_from_files(ep.public_files)
        files = dict(ep.public_files)
        contract = ep.public_json("contract.json")
        contract["cash_floor"] = "-99999999.00"
        files["contract.json"] = dump_json(contract)
        unconstrained = trading.solve(trading.problem_from_files(files))
        art = {k: unconstrained[k] for k in trading.ARTIFACT_KEYS}
        art["impossible"], art["unmet_targets"] = True, []
        verdict = domains.verify(ep, art)
        assert_fails_with(verdict, "cash_floor", "cash_floor_breach", fmt(problem.floor))


@pytest.mark.parametrize("missing", trading.ARTIFACT_KEYS)
def test_missing_keys_fail_as_incomplete(missing):
    ep = episodes_with(multi_row, 1)[0]
    art = artifact_of(ep)
    del art[missing]
    assert_fails_with(domains.verify(ep, art), "artifact_shape", "incomplete_final_artifact", missing)


def test_row_missing_a_field_fails_as_incomplete():
    ep = episodes_with(multi_row, 1)[0]
    art = artifact_of(ep)
    del art["ledger"][0]["fee"]
    assert_fails_with(domains.verify(ep, art), "artifact_shape", "incomplete_final_artifact", "fee")


def test_non_object_artifact_fails_as_incomplete():
    ep = episodes_with(multi_row, 1)[0]
    assert_fails_with(domains.verify(ep, "BUY everything"), "artifact_shape", "incomplete_final_artifact")


def test_legal_but_costlier_ledger_is_suboptimal(settings):
    from stem.benchmark import splits
    ep, _ = splits.resolve_episode(settings, "trade_001")
    art = artifact_of(ep)
    art["ledger"][0].update(tick=1, price="10.10")  # ACME at tick 1 instead of the cheaper tick 2
    verdict = domains.verify(ep, restate(ep, art))
    assert_fails_with(verdict, "optimality", "suboptimal_ledger", "below the best")
    assert [c.id for c in verdict.checks if not c.passed] == ["optimality"]


def _tie_episode() -> Episode:
    """Hand-made: ACME is equally cheap at ticks 1 and 3, so two different ledgers are optimal."""
    quotes = [trading.Quote(t, "ACME", 990, 1000, 10) for t in (1, 3)] + [trading.Quote(2, "ACME", 1090, 1100, 10)]
    quotes += [trading.Quote(t, "BOLT", 495, 500, 10) for t in (1, 2, 3)]
    files = {"rules.txt": trading.RULES, "market.csv": trading.market_csv(quotes),
             "contract.json": dump_json({"targets": {"ACME": 4, "BOLT": 2}, "fee": "1.00", "cash_floor": "0.00"}),
             "portfolio.json": dump_json({"cash": "100.00", "positions": {"ACME": 0, "BOLT": 0}})}
    manifest = trading.build_manifest("tie", "adhoc", None, None, files["market.csv"], 1)
    return Episode(manifest=manifest, public_files=files,
                   private={"expected": trading.solve(trading.problem_from_files(files))})


def test_a_different_legal_optimal_ledger_passes():
    ep = _tie_episode()
    reference = artifact_of(ep)
    acme_tick = next(r["tick"] for r in reference["ledger"] if r["asset"] == "ACME")
    other = copy.deepcopy(reference)
    for row in other["ledger"]:
        if row["asset"] == "ACME":
            row["tick"] = 4 - acme_tick  # 1 <-> 3, same price
    other["ledger"].sort(key=lambda r: (r["tick"], r["asset"] != "BOLT"))  # also a different row order
    other = restate(ep, other)
    assert other["ledger"] != reference["ledger"]
    verdict = domains.verify(ep, other)
    assert verdict.success, verdict.critique
    assert verdict.score == 1.0
