"""matrix_database: follow a relation chain from a seed node with property filters; return answers and paths.

Public files: rules.txt, nodes.json, edges.json, query.txt, query.json. Private: the reference answer.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from typing import Any

from stem.benchmark.domain_api import Domain, turns_rule
from stem.benchmark.episode_model import Episode, dump_json
from stem.benchmark.public_check import bad, json_file, require
from stem.benchmark.manifest import Loader, OutputContract, TaskManifest, schedule, windows
from stem.benchmark.verdict import Check, check

NAME = "matrix_database"
SHORT = "matrix"
ARTIFACT_KEYS = ["answer", "paths"]
RELATIONS = ["reports_to", "member_of", "owns", "depends_on", "linked_to"]
KINDS = ["person", "team", "project", "service"]
REGIONS = ["EU", "US", "APAC"]
OPS = ("=", "!=", ">=", "<=", ">", "<")

RULES = """MATRIX DATABASE RULES

nodes.json lists nodes: {"id", "kind", "status", "props"}. edges.json lists directed edges
{"src", "rel", "dst"}; edges arrive in windows over several turns. query.json (and the same
query in words in query.txt) gives a start node and a chain of steps.

""" + turns_rule("the next window of edges.json") + """
Where each value arrives (observation["delta"])
- turn 1: "rules" (this text), "query_text" (query.txt), "query" (query.json: {"start": id,
  "steps": [{"rel": str, "where": [{"prop", "op", "value"}, ...]}, ...]}), "nodes" (the whole
  node list).
- each data turn: "edges", the next window of edges.json as a list of {"src", "rel", "dst"}.
  Keep edges in memory: later turns do not repeat them.
- final turn: "output_contract"; no new edges.

Evaluation
1. A path starts at the start node. Step i extends it along one edge whose rel equals the
   step's rel, from the path's last node (src) to a new node (dst).
2. A node reached by a step must have status "active" (inactive and revoked nodes are never
   entered) and must satisfy every filter of that step: {"prop", "op", "value"} with op one
   of = != >= <= > <. A node lacking the prop fails the filter. = and != compare type and
   value: numbers compare as numbers (3 = 3.0), a string never equals a number ("3" != 3),
   and true/false are not numbers (true != 1). Order comparisons (>= <= > <) hold only when
   both sides are numbers; with a string or a boolean on either side they fail.
3. Paths are simple: no node appears twice in one path (the graph has cycles).
4. A complete path has taken every step. Dead ends simply produce no complete path.
5. The answer is the set of last nodes of all complete paths.

Harder episodes (levels 5-6) add:
6. Variable-length steps: a step with "hops": [min, max] follows between min and max edges of
   its rel, with 1 <= min <= max <= 4 (a step always follows at least one edge; a query with
   min 0 is invalid and never given). A step without "hops" follows exactly one edge.
   Every node it enters must be active; its filters apply only to the node where the
   step ends; the nodes in between are part of the path trace. A path counts once even if it
   can be split into the steps in more than one way.
7. Negated filters: a filter with "not": true is passed by the nodes that fail the plain filter
   (so a node lacking the prop passes it).
8. Revoked edges: an edges item with "revoked": true removes that edge from the graph. The
   graph holds each (src, rel, dst) at most once, and an edge is in it exactly when the last
   edges item naming that (src, rel, dst), in delivery order, is not revoked: adding an edge
   twice is the same as once, one revoke removes it however often it was added, a revoke of
   an edge that is not there does nothing, and an edge added after its revoke is back.
   Answer on the graph as it stands after the last window.
9. Graphs have hundreds of nodes and thousands of edges: search step by step and prune with
   status and filters as you go; enumerating every path first does not finish in time.

Answer (final turn)
{"answer": [node ids, any order], "paths": [[start, n1, ..., nk], ...]} with every complete
path exactly once, in any order. An empty answer is correct when no complete path exists.
"""


@dataclass(frozen=True)
class Knobs:
    nodes: int
    chain: int
    filtered_steps: int
    filters_per_step: int
    noise_edges: int
    inactive: int
    revoked: int
    data_turns: int


KNOBS = {
    1: Knobs(10, 2, 0, 0, 10, 1, 0, 2),
    2: Knobs(16, 3, 1, 1, 22, 2, 1, 2),
    3: Knobs(24, 3, 2, 1, 40, 3, 2, 3),
    4: Knobs(34, 4, 3, 2, 60, 4, 3, 4),
}


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _equal(have: Any, want: Any) -> bool:
    """JSON equality: numbers as numbers (3 == 3.0); otherwise the same type and value, so "3" != 3
    and true != 1 (Python's True == 1 does not leak into the rules)."""
    if _number(have) and _number(want):
        return have == want
    return type(have) is type(want) and have == want


def _passes(node: dict, flt: dict) -> bool:
    props = node.get("props", {})
    if flt["prop"] not in props:
        return False
    have, op, want = props[flt["prop"]], flt["op"], flt["value"]
    if op == "=":
        return _equal(have, want)
    if op == "!=":
        return not _equal(have, want)
    if not (_number(have) and _number(want)):
        return False
    return {">=": have >= want, "<=": have <= want, ">": have > want, "<": have < want}[op]


def _filter_ok(node: dict, flt: dict) -> bool:
    """A filter, or its negation when it carries "not": true (a node lacking the prop passes a negated filter)."""
    return _passes(node, flt) != bool(flt.get("not", False))


def _enterable(node: dict | None, step: dict) -> bool:
    return node is not None and node.get("status") == "active" and all(_filter_ok(node, f) for f in step.get("where", []))


def hops(step: dict) -> tuple[int, int]:
    lo, hi = step.get("hops", [1, 1])
    return int(lo), int(hi)


def final_edges(edges: list[dict]) -> set[tuple[str, str, str]]:
    """The graph after the whole stream: an item with "revoked": true removes its edge until added again."""
    present: set[tuple[str, str, str]] = set()
    for e in edges:
        key = (e["src"], e["rel"], e["dst"])
        if e.get("revoked"):
            present.discard(key)
        else:
            present.add(key)
    return present


def solve_graph(nodes: list[dict], edges: list[dict], query: dict) -> dict[str, Any]:
    """Reference evaluation: every complete simple path and the answer set. A step follows between its
    hops' bounds of edges with its relation; intermediate nodes must be active, the step's filters
    apply to the node where the step ends."""
    by_id = {n["id"]: n for n in nodes}
    out: dict[tuple[str, str], list[str]] = {}
    for src, rel, dst in final_edges(edges):
        out.setdefault((src, rel), []).append(dst)
    paths: set[tuple[str, ...]] = set()
    steps = query["steps"]

    def walk(path: list[str], depth: int) -> None:
        if depth == len(steps):
            paths.add(tuple(path))
            return
        step = steps[depth]
        lo, hi = hops(step)

        def extend(hop: int) -> None:
            for dst in sorted(set(out.get((path[-1], step["rel"]), []))):
                node = by_id.get(dst)
                if dst in path or node is None or node.get("status") != "active":
                    continue
                path.append(dst)
                if hop >= lo and _enterable(node, step):
                    walk(path, depth + 1)
                if hop < hi:
                    extend(hop + 1)
                path.pop()

        extend(1)

    start = by_id.get(query["start"])
    if start is not None and start.get("status") == "active":
        walk([query["start"]], 0)
    ordered = sorted(list(p) for p in paths)
    return {"answer": sorted({p[-1] for p in ordered}), "paths": ordered}


def load_public(files: dict[str, str]) -> tuple[list[dict], list[dict], dict]:
    nodes, edges, query = (json_file(files, n) for n in ("nodes.json", "edges.json", "query.json"))
    for name, items, keys in (("nodes.json", nodes, ("id", "status")), ("edges.json", edges, ("src", "rel", "dst"))):
        if not isinstance(items, list):
            raise bad(name, "(root)", "expected a JSON array")
        for i, item in enumerate(items):
            for key in keys:
                require(name, item, key, str, f"[{i}].")
    require("query.json", query, "start", str)
    for i, step in enumerate(require("query.json", query, "steps", list)):
        require("query.json", step, "rel", str, f"steps[{i}].")
        if "hops" in step:
            span = step["hops"]
            if not (isinstance(span, list) and len(span) == 2 and all(isinstance(v, int) for v in span)
                    and 1 <= span[0] <= span[1] <= 4):
                raise bad("query.json", f"steps[{i}].hops", "must be [min, max] with 1 <= min <= max <= 4")
        for j, flt in enumerate(step.get("where", [])):
            where = f"steps[{i}].where[{j}]."
            require("query.json", flt, "prop", str, where)
            if require("query.json", flt, "op", str, where) not in OPS:
                raise bad("query.json", where + "op", f"must be one of {' '.join(OPS)}")
            require("query.json", flt, "value", (str, int, float), where)
    return nodes, edges, query


def check_public(files: dict[str, str]) -> None:
    load_public(files)


def solve(files: dict[str, str]) -> dict[str, Any]:
    return solve_graph(*load_public(files))


def render_query(query: dict) -> str:
    lines = [f"START AT {query['start']}"]
    for i, step in enumerate(query["steps"], 1):
        cond = " AND ".join(("NOT " if f.get("not") else "") + f"{f['prop']} {f['op']} {json.dumps(f['value'])}"
                            for f in step.get("where", []))
        lo, hi = hops(step)
        times = f" {lo}..{hi} TIMES" if (lo, hi) != (1, 1) else ""
        lines.append(f"STEP {i}: FOLLOW {step['rel']}{times}" + (f" WHERE {cond}" if cond else ""))
    lines.append("RETURN answer set and every complete path")
    return "\n".join(lines) + "\n"


def _filter_for(node: dict, rng: random.Random) -> dict:
    prop = rng.choice(sorted(node["props"]))
    value = node["props"][prop]
    if isinstance(value, int):
        op = rng.choice([">=", "<=", "=", "!="])
        if op == "!=":
            return {"prop": prop, "op": op, "value": value + rng.randint(1, 3)}
        if op == ">=":
            return {"prop": prop, "op": op, "value": value - rng.randint(0, 1)}
        if op == "<=":
            return {"prop": prop, "op": op, "value": value + rng.randint(0, 1)}
        return {"prop": prop, "op": op, "value": value}
    if rng.random() < 0.3:
        other = [r for r in REGIONS if r != value]
        return {"prop": prop, "op": "!=", "value": rng.choice(other)}
    return {"prop": prop, "op": "=", "value": value}


@dataclass(frozen=True)
class LargeKnobs:
    nodes: int
    chain: int
    max_hops: int
    negated: int
    noise_edges: int
    revokes: int
    traps: int
    data_turns: int


LARGE = {5: LargeKnobs(240, 3, 2, 1, 1500, 3, 8, 5), 6: LargeKnobs(700, 4, 3, 2, 5000, 6, 16, 6)}
MAX_PATHS = 80


def _negated_for(node: dict, rng: random.Random) -> dict:
    """A negated filter the node passes: NOT (prop = a value it does not have)."""
    if rng.random() < 0.5:
        other = [r for r in REGIONS if r != node["props"]["region"]]
        return {"prop": "region", "op": "=", "value": rng.choice(other), "not": True}
    return {"prop": "tier", "op": ">", "value": node["props"]["tier"], "not": True}


def _graph_start(rng: random.Random, ids: list[str], chain: int) -> tuple[list[dict], dict[str, dict], list[str]]:
    """Active nodes with random props, an index by id, and the query's relation chain."""
    nodes = [{"id": i, "kind": rng.choice(KINDS), "status": "active",
              "props": {"region": rng.choice(REGIONS), "tier": rng.randint(1, 5), "clearance": rng.randint(0, 4)}}
             for i in ids]
    return nodes, {n["id"]: n for n in nodes}, [rng.choice(RELATIONS) for _ in range(chain)]


def _generate_large(seed: int, difficulty: int, split: str) -> Episode:
    k = LARGE[difficulty]
    for attempt in range(40):
        rng = random.Random(f"{NAME}:{seed}:{difficulty}:{attempt}")
        ids = [f"N{n:04d}" for n in rng.sample(range(1000, 10000), k.nodes)]
        nodes, by_id, rels = _graph_start(rng, ids, k.chain)
        spans = [rng.randint(1, k.max_hops) for _ in range(k.chain)]
        planted = rng.sample(ids, sum(spans) + 1)
        ends, steps, adds = [], [], []
        at = 0
        for i in range(k.chain):
            seg = planted[at:at + spans[i] + 1]
            adds += [(a, rels[i], b) for a, b in zip(seg, seg[1:])]
            at += spans[i]
            ends.append(planted[at])
            lo = 1 if rng.random() < 0.6 else min(spans[i], 2)
            steps.append({"rel": rels[i], "hops": [lo, max(spans[i], lo, min(k.max_hops, spans[i] + 1))], "where": []})
        for i in rng.sample(range(k.chain), min(k.chain, 2)):
            steps[i]["where"] = [_filter_for(by_id[ends[i]], rng)]
        for i in rng.sample(range(k.chain), k.negated):
            steps[i]["where"].append(_negated_for(by_id[ends[i]], rng))
        # lookalike branches that would complete a path; the stream revokes some of them later
        revoke: list[tuple[str, str, str]] = []
        for i in range(k.chain):
            for _ in range(2):
                twin = rng.choice(ids)
                if twin in planted:
                    continue
                by_id[twin]["props"] = dict(by_id[ends[i]]["props"])
                edge = (planted[sum(spans[:i + 1]) - 1], rels[i], twin)
                adds.append(edge)
                if len(revoke) < k.revokes:
                    revoke.append(edge)
        for _ in range(k.noise_edges):
            adds.append((rng.choice(ids), rng.choice(RELATIONS), rng.choice(ids)))
        adds = [e for e in dict.fromkeys(adds) if e[0] != e[2]]
        outsiders = [i for i in ids if i not in planted]
        for i in rng.sample(outsiders, k.traps):
            by_id[i]["status"] = rng.choice(["inactive", "revoked"])
        rng.shuffle(adds)
        stream = [{"src": a, "rel": r, "dst": b} for a, r, b in adds]
        for edge in revoke:  # a revocation arrives after its edge
            first = next(n for n, e in enumerate(stream) if (e["src"], e["rel"], e["dst"]) == edge)
            stream.insert(rng.randint(first + 1, len(stream)), {"src": edge[0], "rel": edge[1], "dst": edge[2],
                                                                "revoked": True})
        if difficulty >= 6:  # a planted edge revoked, then added again later: it counts
            edge = adds.index(next(e for e in adds if e[:2] == (planted[0], rels[0])))
            item = stream.index(next(e for e in stream if (e["src"], e["rel"], e["dst"]) == adds[edge]))
            stream.insert(item + 1, {**stream[item], "revoked": True})
            stream.append(dict(stream[item]))
        query = {"start": planted[0], "steps": steps}
        files = {"rules.txt": RULES, "nodes.json": dump_json(nodes), "edges.json": _edges_json(stream),
                 "query.json": dump_json(query), "query.txt": render_query(query)}
        expected = solve(files)
        if 1 <= len(expected["paths"]) <= MAX_PATHS:
            break
    episode_id = f"{SHORT}-s{seed}-d{difficulty}"
    return Episode(manifest=build_manifest(episode_id, split, seed, difficulty, len(stream), k.data_turns),
                   public_files=files, private={"expected": expected})


def generate_episode(seed: int, difficulty: int, split: str = "adhoc") -> Episode:
    if difficulty in LARGE:
        return _generate_large(seed, difficulty, split)
    if difficulty not in KNOBS:
        raise ValueError(f"matrix difficulty must be one of {sorted(KNOBS) + sorted(LARGE)}")
    k = KNOBS[difficulty]
    rng = random.Random(f"{NAME}:{seed}:{difficulty}")
    ids = [f"N{n:02d}" for n in rng.sample(range(10, 100), k.nodes)]
    nodes, by_id, rels = _graph_start(rng, ids, k.chain)
    chain_nodes = rng.sample(ids, k.chain + 1)
    steps: list[dict] = [{"rel": r, "where": []} for r in rels]
    filtered = rng.sample(range(k.chain), k.filtered_steps)
    if k.filtered_steps and (k.chain - 1) not in filtered:
        filtered[0] = k.chain - 1  # always filter the final node when any filter exists
    for i in filtered:
        target = by_id[chain_nodes[i + 1]]
        wheres = []
        for _ in range(k.filters_per_step):
            f = _filter_for(target, rng)
            if all(w["prop"] != f["prop"] for w in wheres):
                wheres.append(f)
        steps[i]["where"] = wheres
    edges = {(chain_nodes[i], rels[i], chain_nodes[i + 1]) for i in range(k.chain)}
    # siblings: extra branches along the chain; half copy the chain node's props so that they
    # pass the filters, and those are the favourite places for inactive/revoked traps
    lookalikes: list[str] = []
    for i in range(k.chain):
        for _ in range(rng.randint(1, 3)):
            dst = rng.choice(ids)
            if dst not in chain_nodes and rng.random() < 0.5:
                by_id[dst]["props"] = dict(by_id[chain_nodes[i + 1]]["props"])
                lookalikes.append(dst)
            edges.add((rng.choice(chain_nodes[:i + 1]), rels[i], dst))
    # cycles: an edge back to an earlier chain node with the next step's relation
    for i in range(1, k.chain):
        edges.add((chain_nodes[i], rels[i], chain_nodes[rng.randint(0, i - 1)]))
    for _ in range(k.noise_edges):
        edges.add((rng.choice(ids), rng.choice(RELATIONS), rng.choice(ids)))
    edges = {e for e in edges if e[0] != e[2]}
    start = chain_nodes[0]
    traps = sorted(set(lookalikes))
    rng.shuffle(traps)
    traps += [i for i in ids if i not in chain_nodes and i not in traps]
    for status, count in (("inactive", k.inactive), ("revoked", k.revoked)):
        for _ in range(count):
            by_id[traps.pop(0)]["status"] = status
    edge_list = [{"src": s, "rel": r, "dst": d} for s, r, d in sorted(edges)]
    rng.shuffle(edge_list)
    query = {"start": start, "steps": steps}
    files = {"rules.txt": RULES, "nodes.json": dump_json(nodes), "edges.json": _edges_json(edge_list),
             "query.json": dump_json(query), "query.txt": render_query(query)}
    episode_id = f"{SHORT}-s{seed}-d{difficulty}"
    return Episode(manifest=build_manifest(episode_id, split, seed, difficulty, len(edge_list), k.data_turns),
                   public_files=files, private={"expected": solve(files)})


def _edges_json(edges: list[dict]) -> str:
    """One edge per line inside a JSON array, so a person can read and diff it."""
    body = ",\n".join("  " + json.dumps(e, sort_keys=True) for e in edges)
    return "[\n" + body + "\n]\n" if edges else "[]\n"


def build_manifest(episode_id: str, split: str, seed: int | None, difficulty: int | None,
                   n_edges: int, data_turns: int) -> TaskManifest:
    turns = schedule("Read the rules, query and nodes. Edges follow in windows.",
                     [Loader(kind="text", key="rules", file="rules.txt"),
                      Loader(kind="text", key="query_text", file="query.txt"),
                      Loader(kind="structured_contract", key="query", file="query.json"),
                      Loader(kind="json", key="nodes", file="nodes.json")],
                     Loader(kind="json_window", key="edges", file="edges.json", start=0, stop=0),
                     windows(n_edges, data_turns), "All edges delivered. Submit the answer set and every complete path.")
    return TaskManifest(domain=NAME, episode_id=episode_id, split=split, seed=seed, difficulty=difficulty,
                        min_turns=len(turns), turns=turns,
                        output_contract=OutputContract(artifact_keys=ARTIFACT_KEYS,
                                                       description="answer set and path traces; see rules.txt"))


def _shape_problems(artifact: Any) -> list[str]:
    if not isinstance(artifact, dict):
        return [f"artifact must be a JSON object, got {type(artifact).__name__}"]
    missing = [f"missing key '{k}'" for k in ARTIFACT_KEYS if k not in artifact]
    if missing:
        return missing
    if not isinstance(artifact["answer"], list) or not all(isinstance(a, str) for a in artifact["answer"]):
        return ["'answer' must be a list of node id strings"]
    if not isinstance(artifact["paths"], list) or not all(
            isinstance(p, list) and all(isinstance(n, str) for n in p) for p in artifact["paths"]):
        return ["'paths' must be a list of lists of node id strings"]
    return []


def _path_problem(path: list[str], by_id: dict, edges: set, query: dict, valid: set) -> str | None:
    steps = query["steps"]
    if any(hops(st) != (1, 1) for st in steps):  # variable hops: a path is valid when some split of it is
        if tuple(path) in valid:
            return None
        if not path or path[0] != query["start"]:
            return f"does not start at {query['start']}"
        if len(set(path)) != len(path):
            return "visits a node twice"
        rels = {st["rel"] for st in steps}
        for a, b in zip(path, path[1:]):
            if not any((a, r, b) in edges for r in rels):
                return f"no edge {a} -> {b} with a step's relation in the final graph (revoked edges are gone)"
        for n in path[1:]:
            if (by_id.get(n) or {}).get("status") != "active":
                return f"enters {n}, which is not active"
        return "no split of this path into the query's steps satisfies their hops and filters"
    if len(path) != len(steps) + 1:
        return f"has {len(path)} nodes, a complete path has {len(steps) + 1}"
    if path[0] != query["start"]:
        return f"starts at {path[0]}, not at {query['start']}"
    if len(set(path)) != len(path):
        return "visits a node twice"
    for i, step in enumerate(steps):
        if (path[i], step["rel"], path[i + 1]) not in edges:
            return f"no edge {path[i]} -{step['rel']}-> {path[i + 1]}"
        if not _enterable(by_id.get(path[i + 1]), step):
            node = by_id.get(path[i + 1])
            state = "unknown" if node is None else node.get("status")
            return f"enters {path[i + 1]} (status {state}) which fails step {i + 1}'s status/filters"
    return None


def verify_artifact(files: dict[str, str], private: dict[str, Any], artifact: Any) -> list[Check]:
    shape = _shape_problems(artifact)
    if shape:
        return [check("artifact_shape", False, "artifact with keys answer, paths", shape[0],
                      f"malformed artifact: {shape[0]}", "incomplete_final_artifact")]
    nodes, edge_list, query = load_public(files)
    by_id = {n["id"]: n for n in nodes}
    edges = final_edges(edge_list)
    expected = private["expected"]
    exp_answer, got_answer = set(expected["answer"]), set(artifact["answer"])
    exp_paths = {tuple(p) for p in expected["paths"]}
    got_paths = [tuple(p) for p in artifact["paths"]]
    missing, extra = sorted(exp_answer - got_answer), sorted(got_answer - exp_answer)
    broken = [f"{' > '.join(p)}: {why}" for p in got_paths
              if (why := _path_problem(list(p), by_id, edges, query, exp_paths))]
    dupes = sorted({" > ".join(p) for p in got_paths if got_paths.count(p) > 1})
    absent = sorted(" > ".join(p) for p in exp_paths - set(got_paths))
    ends = {p[-1] for p in got_paths if p}
    untraced = sorted(got_answer - ends)
    unanswered = sorted(ends - got_answer)
    return [
        check("answer_missing", not missing, sorted(exp_answer), sorted(got_answer),
              f"answer set lacks {missing}", "answer_set_mismatch"),
        check("answer_extra", not extra, sorted(exp_answer), sorted(got_answer),
              f"answer set wrongly includes {extra}", "answer_set_mismatch"),
        check("paths_valid", not broken, "every path follows real edges, the step relations, status and filters",
              broken[:3], "broken path: " + "; ".join(broken[:3]), "broken_path"),
        check("paths_unique", not dupes, "each complete path once", dupes[:3],
              f"duplicated paths: {dupes[:3]}", "broken_path"),
        check("paths_complete", not absent, f"{len(exp_paths)} complete paths", f"{len(set(got_paths))} submitted",
              f"missing {len(absent)} complete paths, e.g. {absent[:2]}", "path_trace_missing"),
        check("answers_traced", not untraced and not unanswered, "answer set == set of path ends",
              {"answers_without_path": untraced, "path_ends_not_in_answer": unanswered},
              f"answers without a path: {untraced}; path ends missing from answer: {unanswered}",
              "path_trace_missing"),
    ]


class MatrixDatabase(Domain):
    """The matrix database: a relation chain with filters over a streamed graph; answers and paths."""

    name = NAME
    short = SHORT
    aliases = ("matrix", "matrix_db", "graph")
    levels = tuple(sorted(KNOBS) + sorted(LARGE))
    rules = RULES

    def generate(self, seed: int, level: int, split: str = "adhoc") -> Episode:
        return generate_episode(seed, level, split)

    def verify(self, episode: Episode, artifact: Any, record: Any = None) -> list[Check]:
        return verify_artifact(episode.public_files, episode.private, artifact)

    def check_public(self, files: dict[str, str]) -> None:
        check_public(files)


DOMAIN = MatrixDatabase()
