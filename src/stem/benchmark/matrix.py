"""matrix_database: follow a relation chain from a seed node with property filters; return answers and paths.

Public files: rules.txt, nodes.json, edges.json, query.txt, query.json. Private: the reference answer.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from typing import Any

from stem.benchmark.episode_model import Episode, dump_json
from stem.benchmark.public_check import bad, json_file, require
from stem.benchmark.manifest import Loader, OutputContract, TaskManifest, schedule, windows
from stem.benchmark.verdict import Check, check

DOMAIN = "matrix_database"
ALIASES = ("matrix", "matrix_db", "graph")
SHORT = "matrix"
DIFFICULTIES = (1, 2, 3, 4)
ARTIFACT_KEYS = ["answer", "paths"]
RELATIONS = ["reports_to", "member_of", "owns", "depends_on", "linked_to"]
KINDS = ["person", "team", "project", "service"]
REGIONS = ["EU", "US", "APAC"]
OPS = ("=", "!=", ">=", "<=", ">", "<")

RULES = """MATRIX DATABASE RULES

nodes.json lists nodes: {"id", "kind", "status", "props"}. edges.json lists directed edges
{"src", "rel", "dst"}; edges arrive in windows over several turns. query.json (and the same
query in words in query.txt) gives a start node and a chain of steps.

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
   of = != >= <= > <. A node lacking the prop fails the filter. Order comparisons apply to
   numbers only.
3. Paths are simple: no node appears twice in one path (the graph has cycles).
4. A complete path has taken every step. Dead ends simply produce no complete path.
5. The answer is the set of last nodes of all complete paths.

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


def _passes(node: dict, flt: dict) -> bool:
    props = node.get("props", {})
    if flt["prop"] not in props:
        return False
    have, op, want = props[flt["prop"]], flt["op"], flt["value"]
    if op == "=":
        return have == want
    if op == "!=":
        return have != want
    numeric = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (have, want))
    if not numeric:
        return False
    return {">=": have >= want, "<=": have <= want, ">": have > want, "<": have < want}[op]


def _enterable(node: dict | None, step: dict) -> bool:
    return node is not None and node.get("status") == "active" and all(_passes(node, f) for f in step.get("where", []))


def solve_graph(nodes: list[dict], edges: list[dict], query: dict) -> dict[str, Any]:
    """Reference evaluation: every complete simple path and the answer set."""
    by_id = {n["id"]: n for n in nodes}
    out: dict[tuple[str, str], list[str]] = {}
    for e in edges:
        out.setdefault((e["src"], e["rel"]), []).append(e["dst"])
    paths: list[list[str]] = []

    def walk(path: list[str], depth: int) -> None:
        if depth == len(query["steps"]):
            paths.append(list(path))
            return
        step = query["steps"][depth]
        for dst in sorted(set(out.get((path[-1], step["rel"]), []))):
            if dst not in path and _enterable(by_id.get(dst), step):
                path.append(dst)
                walk(path, depth + 1)
                path.pop()

    start = by_id.get(query["start"])
    if start is not None and start.get("status") == "active":
        walk([query["start"]], 0)
    paths.sort()
    return {"answer": sorted({p[-1] for p in paths}), "paths": paths}


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
        cond = " AND ".join(f"{f['prop']} {f['op']} {json.dumps(f['value'])}" for f in step.get("where", []))
        lines.append(f"STEP {i}: FOLLOW {step['rel']}" + (f" WHERE {cond}" if cond else ""))
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


def generate(seed: int, difficulty: int, split: str = "adhoc") -> Episode:
    if difficulty not in KNOBS:
        raise ValueError(f"matrix difficulty must be one of {sorted(KNOBS)}")
    k = KNOBS[difficulty]
    rng = random.Random(f"{DOMAIN}:{seed}:{difficulty}")
    ids = [f"N{n:02d}" for n in rng.sample(range(10, 100), k.nodes)]
    nodes = [{"id": i, "kind": rng.choice(KINDS), "status": "active",
              "props": {"region": rng.choice(REGIONS), "tier": rng.randint(1, 5), "clearance": rng.randint(0, 4)}}
             for i in ids]
    by_id = {n["id"]: n for n in nodes}
    rels = [rng.choice(RELATIONS) for _ in range(k.chain)]
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
    return TaskManifest(domain=DOMAIN, episode_id=episode_id, split=split, seed=seed, difficulty=difficulty,
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


def _path_problem(path: list[str], by_id: dict, edges: set, query: dict) -> str | None:
    steps = query["steps"]
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


def verify(files: dict[str, str], private: dict[str, Any], artifact: Any) -> list[Check]:
    shape = _shape_problems(artifact)
    if shape:
        return [check("artifact_shape", False, "artifact with keys answer, paths", shape[0],
                      f"malformed artifact: {shape[0]}", "incomplete_final_artifact")]
    nodes, edge_list, query = load_public(files)
    by_id = {n["id"]: n for n in nodes}
    edges = {(e["src"], e["rel"], e["dst"]) for e in edge_list}
    expected = private["expected"]
    exp_answer, got_answer = set(expected["answer"]), set(artifact["answer"])
    exp_paths = {tuple(p) for p in expected["paths"]}
    got_paths = [tuple(p) for p in artifact["paths"]]
    missing, extra = sorted(exp_answer - got_answer), sorted(got_answer - exp_answer)
    broken = [f"{' > '.join(p)}: {why}" for p in got_paths if (why := _path_problem(list(p), by_id, edges, query))]
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
