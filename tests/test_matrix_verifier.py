"""Matrix verifier: answers and paths are compared as sets and each path is re-walked on the graph."""

from __future__ import annotations

import pytest

from stem.benchmark import domains, matrix

from conftest import artifact_of
from helpers_verdict import assert_fails_with


def episodes(count=10, predicate=lambda e: True):
    found = [ep for seed in range(300) for level in (2, 3, 4)
             if predicate(ep := domains.generate("matrix", seed, level))]
    assert len(found) >= count
    return found[:count]


def test_missing_answer_node():
    for ep in episodes():
        art = artifact_of(ep)
        gone = art["answer"].pop()
        art["paths"] = [p for p in art["paths"] if p[-1] != gone]
        verdict = domains.verify(ep, art)
        assert_fails_with(verdict, "answer_missing", "answer_set_mismatch", gone)
        assert_fails_with(verdict, "paths_complete", "path_trace_missing")


def test_extra_answer_node():
    for ep in episodes():
        art = artifact_of(ep)
        intruder = next(n["id"] for n in ep.public_json("nodes.json") if n["id"] not in art["answer"])
        art["answer"].append(intruder)
        verdict = domains.verify(ep, art)
        assert_fails_with(verdict, "answer_extra", "answer_set_mismatch", intruder)
        assert_fails_with(verdict, "answers_traced", "path_trace_missing", intruder)


def test_broken_path_with_a_missing_edge():
    for ep in episodes():
        art = artifact_of(ep)
        path = list(art["paths"][0])
        path[1] = "NOPE"
        art["paths"].append(path)
        assert_fails_with(domains.verify(ep, art), "paths_valid", "broken_path", "NOPE")


def test_path_through_an_inactive_node_is_broken():
    """Add an edge-following path that enters an inactive/revoked node: real edge, forbidden status."""
    def has_trap(ep):
        q = ep.public_json("query.json")
        status = {n["id"]: n["status"] for n in ep.public_json("nodes.json")}
        return any(e["src"] == q["start"] and e["rel"] == q["steps"][0]["rel"] and status[e["dst"]] != "active"
                   for e in ep.public_json("edges.json"))
    for ep in episodes(3, has_trap):
        q = ep.public_json("query.json")
        status = {n["id"]: n["status"] for n in ep.public_json("nodes.json")}
        trap = next(e["dst"] for e in ep.public_json("edges.json")
                    if e["src"] == q["start"] and e["rel"] == q["steps"][0]["rel"] and status[e["dst"]] != "active")
        art = artifact_of(ep)
        art["paths"].append([q["start"], trap] + art["paths"][0][2:])
        assert_fails_with(domains.verify(ep, art), "paths_valid", "broken_path", trap)


def test_missing_path_trace():
    for ep in episodes(5, lambda e: len(e.private["expected"]["paths"]) >= 2):
        art = artifact_of(ep)
        dropped = art["paths"].pop(0)
        if any(p[-1] == dropped[-1] for p in art["paths"]):
            assert_fails_with(domains.verify(ep, art), "paths_complete", "path_trace_missing")


def test_answers_without_any_path():
    ep = episodes(1)[0]
    art = artifact_of(ep)
    art["paths"] = []
    assert_fails_with(domains.verify(ep, art), "answers_traced", "path_trace_missing")


def test_duplicated_path():
    ep = episodes(1)[0]
    art = artifact_of(ep)
    art["paths"].append(list(art["paths"][0]))
    assert_fails_with(domains.verify(ep, art), "paths_unique", "broken_path")


def test_order_of_answers_and_paths_does_not_matter():
    for ep in episodes(5, lambda e: len(e.private["expected"]["paths"]) >= 2):
        art = artifact_of(ep)
        art["answer"].reverse()
        art["paths"].reverse()
        assert domains.verify(ep, art).success


@pytest.mark.parametrize("artifact", [{"answer": []}, {"paths": []}, {"answer": "N1", "paths": []},
                                      {"answer": [], "paths": ["N1"]}, [], "N10"])
def test_malformed_artifacts_are_incomplete(artifact):
    ep = episodes(1)[0]
    assert_fails_with(domains.verify(ep, artifact), "artifact_shape", "incomplete_final_artifact")


def test_filter_semantics():
    node = {"id": "x", "status": "active", "props": {"tier": 3, "region": "EU"}}
    assert matrix._passes(node, {"prop": "tier", "op": ">=", "value": 3})
    assert not matrix._passes(node, {"prop": "tier", "op": ">", "value": 3})
    assert not matrix._passes(node, {"prop": "region", "op": ">", "value": "A"})  # order needs numbers
    assert not matrix._passes(node, {"prop": "missing", "op": "!=", "value": 1})
    assert matrix._passes(node, {"prop": "region", "op": "!=", "value": "US"})


@pytest.mark.parametrize("have, op, want, passes", [
    ("3", "=", 3, False), (3, "=", "3", False), ("3", "!=", 3, True),   # a string never equals a number
    (True, "=", 1, False), (1, "=", True, False), (True, "!=", 1, True),  # booleans are not numbers
    (3, "=", 3.0, True), (3.0, "!=", 3, False),                          # numbers compare as numbers
    (True, ">=", 1, False), ("3", "<=", 5, False), (3, "<=", 5, True),   # order needs two numbers
    (True, "=", True, True), ("EU", "=", "EU", True),
])
def test_filter_equality_is_json_equality_as_the_rules_state(have, op, want, passes):
    node = {"id": "x", "status": "active", "props": {"p": have}}
    assert matrix._passes(node, {"prop": "p", "op": op, "value": want}) is passes
    assert '"3" != 3' in matrix.RULES and "true != 1" in matrix.RULES


def _stream(*revoked_flags):
    return [{"src": "a", "rel": "r", "dst": "b", **({"revoked": True} if r else {})} for r in revoked_flags]


@pytest.mark.parametrize("flags, present", [
    ((False, False, True), False),        # added twice, revoked once: gone
    ((True,), False),                     # revoke of an absent edge does nothing
    ((True, False), True),                # revoked first, added later: there
    ((False, True, False), True),         # added after its revoke: back
    ((False, False), True),               # added twice: one edge
])
def test_an_edge_is_present_when_its_last_item_is_not_a_revoke(flags, present):
    assert (("a", "r", "b") in matrix.final_edges(_stream(*flags))) is present
    assert "the last edges item naming that (src, rel, dst)" in " ".join(matrix.RULES.split())


def test_hops_with_min_zero_are_refused_as_the_rules_state():
    import json
    from stem.errors import StemError
    files = {"nodes.json": "[]", "edges.json": "[]",
             "query.json": json.dumps({"start": "a", "steps": [{"rel": "r", "hops": [0, 2]}]})}
    with pytest.raises(StemError, match="1 <= min <= max <= 4"):
        matrix.load_public(files)
    assert "min 0 is invalid" in " ".join(matrix.RULES.split())
