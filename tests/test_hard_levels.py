"""Levels 5-6 of the built-ins: what makes them harder is checked by the verifiers. Trading: venues,
dirty feeds; matrix: variable hops, negated filters, revoked edges, large graphs; security: two
decoding stages and budgets of one or two probes."""

from __future__ import annotations

import copy

from stem.benchmark import domains, matrix, security, trading
from stem.benchmark.episode_model import Episode

from conftest import artifact_of
from helpers_verdict import assert_fails_with

SEEDS = range(2000, 2012)


def trading_eps(level: int) -> list[Episode]:
    return [e for e in (domains.generate("trading", s, level) for s in SEEDS) if e.private["expected"]["ledger"]]


def test_trading_feed_is_dirty_and_quoted_by_venues():
    for level in (5, 6):
        ep = domains.generate("trading", 2001, level)
        lines = ep.public_files["market.csv"].splitlines()
        assert lines[0] == "tick,asset,venue,bid,ask,max_qty"
        ticks = [int(line.split(",")[0]) for line in lines[1:]]
        assert ticks != sorted(ticks) and len(lines[1:]) > len(set(lines[1:]))  # out of order, repeated rows
        keys = trading.problem_from_files(ep.public_files).market
        assert len({(t, a) for t, a, _ in keys}) < len(keys)  # several venues quote one (tick, asset)
        assert all("venue" in row for row in ep.private["expected"]["ledger"])


def test_trading_rows_must_name_a_quoting_venue():
    for ep in trading_eps(5)[:6]:
        art = artifact_of(ep)
        del art["ledger"][0]["venue"]
        assert_fails_with(domains.verify(ep, art), "rows_exist", "unknown_market_row", "row 1")
        art = artifact_of(ep)
        art["ledger"][0]["venue"] = "nowhere"
        assert_fails_with(domains.verify(ep, art), "rows_exist", "unknown_market_row", "nowhere")


def test_trading_one_order_per_asset_per_tick_across_venues():
    done = 0
    for ep in trading_eps(6):
        market = trading.problem_from_files(ep.public_files).market
        art = artifact_of(ep)
        for i, row in enumerate(art["ledger"]):
            others = [q for (t, a, v), q in market.items() if t == row["tick"] and a == row["asset"] and v != row["venue"]]
            if row["qty"] >= 2 and others:
                extra = dict(row, venue=others[0].venue, qty=1,
                             price=trading.fmt(others[0].ask if row["side"] == "BUY" else others[0].bid))
                row["qty"] -= 1
                art["ledger"].insert(i + 1, extra)
                assert not domains.verify(ep, art).success
                assert "cooldown" in [c.id for c in domains.verify(ep, art).failing()]
                done += 1
                break
    assert done >= 3


def test_matrix_large_graphs_use_hops_negations_and_revocations():
    ep = domains.generate("matrix", 2003, 6)
    nodes, edges, query = matrix.load_public(ep.public_files)
    assert len(nodes) >= 500 and len(edges) >= 3000
    assert any(matrix.hops(s)[1] > 1 for s in query["steps"])
    assert any(f.get("not") for s in query["steps"] for f in s["where"])
    assert any(e.get("revoked") for e in edges)
    assert max(len(p) for p in ep.private["expected"]["paths"]) > len(query["steps"]) + 1  # multi-hop traces


def test_matrix_corruptions_fail_at_levels_5_and_6():
    for level in (5, 6):
        for seed in list(SEEDS)[:4]:
            ep = domains.generate("matrix", seed, level)
            exp = artifact_of(ep)
            art = copy.deepcopy(exp)
            art["paths"].pop()
            art["answer"] = sorted({p[-1] for p in art["paths"]})
            assert "paths_complete" in [c.id for c in domains.verify(ep, art).failing()]
            long = next((p for p in exp["paths"] if len(p) > 2), None)
            if long is not None:
                art = copy.deepcopy(exp)
                art["paths"].append(long[:1] + long[2:])  # skip one hop
                assert "paths_valid" in [c.id for c in domains.verify(ep, art).failing()]


def test_matrix_a_revoked_edge_is_gone():
    checked = 0
    for seed in SEEDS:
        ep = domains.generate("matrix", seed, 5)
        _, edges, _ = matrix.load_public(ep.public_files)
        final = matrix.final_edges(edges)
        for e in (e for e in edges if e.get("revoked")):
            key = (e["src"], e["rel"], e["dst"])
            if key in final:
                continue
            for path in ep.private["expected"]["paths"]:
                if e["src"] in path:
                    bad = path[: path.index(e["src"]) + 1] + [e["dst"]]
                    art = artifact_of(ep)
                    art["paths"].append(bad)
                    failing = domains.verify(ep, art).failing()
                    assert "paths_valid" in [c.id for c in failing]
                    checked += 1
                    break
    assert checked >= 1


def test_security_two_stage_targets_and_tiny_budgets():
    for level, budget in ((5, 2), (6, 1)):
        for seed in SEEDS:
            ep = domains.generate("security", seed, level)
            assert ep.manifest.probe_budget == budget
            assert len(security.candidates_of(ep.public_files)) >= 10
    ep = next(e for e in (domains.generate("security", s, 5) for s in SEEDS) if e.private["family"] in security.TWO_STAGE)
    winner = ep.private["expected"]["vector"]
    decoy = next(c for c in security.candidates_of(ep.public_files) if c != winner)
    observed = security.run_target(ep.public_files["target.py"], decoy)
    verdict = domains.verify(ep, {"vector": decoy, "observed": observed}, [{"vector": decoy, "result": observed}])
    assert_fails_with(verdict, "reaches_protected", "vector_isolation_failure", "does not reach")
