"""Runs read back for people and programs: the numbers `stem logs` shows, computed once here so the
CLI only renders them and a script can import them.

Every function takes a run directory (or its RunLog) and returns plain data: the run list's rows, a
run's summary with its warnings, the curves of `plot`/`compare`, an organ's source and why a
generation has none, the diff of two organs.
"""

from __future__ import annotations

import difflib
from pathlib import Path

from stem.errors import StemError
from stem.llm import records
from stem.run_models import CriticReview, GenerationTrace, PromptRef
from stem.runlog import RunLog, gen_dir, list_runs


def plural(n: int, word: str, words: str | None = None) -> str:
    return f"{n} {word if n == 1 else (words or word + 's')}"


def traces(log: RunLog, finished: int) -> list[GenerationTrace]:
    """The trace of every finished generation, read through its model."""
    out = []
    for gdir in sorted(log.path.glob("generation_*")):
        trace = log.read_model(f"{gdir.name}/trace.json", GenerationTrace)
        if trace is not None and trace.generation <= finished:
            out.append(trace)
    return out


def run_rows(logs: Path) -> list[dict]:
    """One row per run under `logs`; a damaged run is a row saying so (it never hides the others)."""
    rows = []
    for path in list_runs(logs):
        try:
            run = RunLog(path).read_run()
        except StemError as exc:
            rows.append({"run": path.name, "status": f"damaged: {exc}", "domains": [], "generations": 0,
                         "stage1": "-", "validation": "-", "test": "-", "mature": False, "tokens": 0, "usd": 0.0})
            continue
        s1, s3, usage = run.get("stage1") or {}, run.get("stage3") or {}, run.get("llm_usage") or {}
        rows.append({"run": path.name, "status": run["status"], "domains": run["domains"],
                     "generations": run["progress"]["generation"],
                     "stage1": f"{s1.get('passed', '-')}/{s1.get('total', '-')}",
                     "validation": f"{s3.get('validation_passed', '-')}/{s3.get('validation_total', '-')}",
                     "test": f"{s3.get('test_passed', '-')}/{s3.get('test_total', '-')}",
                     "mature": bool((run.get("mature") or {}).get("written")),
                     "tokens": usage.get("prompt_tokens", 0) + usage.get("completion_tokens", 0),
                     "usd": usage.get("usd", 0.0)})
    return rows


def summary(path: Path) -> dict:
    log = RunLog(path)
    run = log.read_run()
    gens = []
    for trace in traces(log, run["progress"]["generation"]):
        gens.append({"generation": trace.generation, "domain": trace.domain, "stagnating": trace.stagnating,
                     "selected": trace.selected, "saved": trace.saved,
                     "candidates": [c.model_dump() for c in trace.candidates],
                     "llm_usage": trace.llm_usage.model_dump() if trace.llm_usage else None})
    s1, s3 = run.get("stage1") or {}, run.get("stage3") or {}
    stops = {d: s.get("done") for d, s in (run.get("domain_state") or {}).items()}
    return {"run": path.name, "path": str(path), "status": run["status"], "stop_reason": run.get("stop_reason"),
            "domains": run["domains"], "isolation": run.get("isolation_layers"), "llm": run.get("llm"),
            "llm_usage": run.get("llm_usage"), "stage1": s1, "generations": gens,
            "stage2": run.get("stage2"), "stage3": s3, "test_seeds": run.get("test_seeds"), "mature": run.get("mature"),
            "front": run.get("front"), "calls_saved": run.get("calls_saved", 0),
            "objectives": {d: s.get("objective", "pass") for d, s in (run.get("domain_state") or {}).items()},
            "domain_stops": stops, "experience": experience_summary(log, run, gens), "warnings": warnings(run)}


def experience_summary(log: RunLog, run: dict, gens: list[dict]) -> dict:
    """What the run used and produced of experience: its switches, the lessons it read and wrote, the
    Director's guidance per generation, the Critic's reviews (suspect organs), the warm start."""
    domain_of = {g["generation"]: g["domain"] for g in gens}
    director, written = [], 0
    for g in sorted(domain_of):
        gdir = gen_dir(log.path, g)
        if (gdir / "director.md").is_file():
            reason = ((log.read(f"{gdir.name}/trace.json") or {}).get("experience") or {}).get("director", {})
            director.append({"generation": g, "domain": domain_of[g], "reason": reason.get("reason", ""),
                             "text": (gdir / "director.md").read_text(encoding="utf-8").strip()})
        made = log.read(f"{gdir.name}/lessons.json")
        if isinstance(made, dict):
            written += len(made.get("lessons") or [])
    used = log.read("lessons_used.json") or {}
    reviews = [CriticReview.model_validate(r).model_dump(mode="json") for r in (run.get("critic") or {}).values()]
    return {"switches": run.get("experience"), "warm_start": run.get("warm_start"),
            "lessons_used": {d: len(v) for d, v in (used.get("domains") or {}).items()},
            "lessons_written": written, "director": director, "critic": reviews,
            "suspect": [r["organ"] for r in reviews if r["suspect"]]}


def critic_review(path: Path, generation: int, candidate: int | None) -> dict | None:
    """The Critic's review of the organ a generation selected (or of one candidate), if it had one."""
    log = RunLog(path)
    trace = log.read_model(f"{gen_dir(path, generation).name}/trace.json", GenerationTrace)
    if trace is None:
        return None
    name = (next((c.organ for c in trace.candidates if c.candidate == candidate), None) if candidate
            else trace.selected)
    review = (log.read_run().get("critic") or {}).get(name) if name else None
    return CriticReview.model_validate(review).model_dump(mode="json") if review else None


def warnings(run: dict) -> list[str]:
    """Flag organs that pass training episodes but no held-out one: the mark of memorised answers."""
    out = []
    s3 = run.get("stage3") or {}
    for domain, members in (run.get("front") or {}).items():
        if not members:
            continue
        top = members[0]
        passed, total = len(top["passed_ids"]), len(top["scores"])
        held = [e for e in s3.get("validation", []) + s3.get("test", []) if e["domain"] == domain]
        if passed > 0 and held and not any(e["success"] for e in held):
            out.append(f"{domain}: organ {top['organ']['name']} passes {passed}/{total} train episodes "
                       f"but 0/{len(held)} held-out (validation + hidden test) episodes: it does not generalise "
                       "(hard-coded or memorised answers?)")
    return out


def organ_text(path: Path, generation: int, candidate: int | None = None) -> str:
    """The organ a generation selected, or one candidate's source; a one-line error saying why it has none."""
    gdir = gen_dir(path, generation)
    file = gdir / "candidates" / f"c{candidate}.py" if candidate else gdir / "organ.py"
    if not gdir.is_dir():
        raise StemError(f"{path.name}: no generation {generation}; see `stem logs show {path.name}`")
    if not file.is_file():
        raise StemError(f"{path.name}: generation {generation} has no "
                        f"{'candidate ' + str(candidate) if candidate else 'selected organ'} "
                        f"({why_no_source(RunLog(path), generation, candidate)})")
    return file.read_text(encoding="utf-8")


def why_no_source(log: RunLog, generation: int, candidate: int | None) -> str:
    """Why a generation has no organ file to show, from its trace: which candidates were never
    requested, rejected, or failed at the LLM."""
    trace = log.read_model(f"{gen_dir(log.path, generation).name}/trace.json", GenerationTrace)
    if trace is None:
        return "the generation did not finish"
    cands = {c.candidate: c for c in trace.candidates}
    if candidate is not None:
        c = cands.get(candidate)
        if c is None:
            return f"it had {plural(len(cands), 'candidate')}: " + ", ".join(f"c{i}" for i in sorted(cands))
        if c.status == "saved":
            return f"it was never requested: {c.reason.removeprefix('not requested: ')}" if c.reason else \
                "it was never requested"
        return f"{c.status}: {c.reason}" if c.reason else c.status
    statuses = sorted({c.status for c in trace.candidates})
    return f"no candidate was evaluated ({', '.join(statuses)}); see `stem logs show {log.path.name}`"


def organ_diff(path: Path, a: int, b: int) -> list[str]:
    """Unified diff of the organs two generations selected."""
    left, right = organ_text(path, a), organ_text(path, b)
    return list(difflib.unified_diff(left.splitlines(), right.splitlines(), f"generation_{a:03d}/organ.py",
                                     f"generation_{b:03d}/organ.py", lineterm=""))


def candidate_diff(path: Path, generation: int, candidate: int) -> list[str]:
    """Unified diff from a candidate's parent to the candidate's source: what a repair, a revision or a
    crossover (against its first parent) changed; for an answer given as edits, the edits applied."""
    log = RunLog(path)
    trace = log.read_model(f"{gen_dir(path, generation).name}/trace.json", GenerationTrace)
    if trace is None:
        raise StemError(f"{path.name}: no finished generation {generation}; see `stem logs show {path.name}`")
    found = next((c for c in trace.candidates if c.candidate == candidate), None)
    if found is None:
        raise StemError(f"{path.name}: generation {generation} has no candidate {candidate}")
    if not found.parents:
        raise StemError(f"{path.name}: candidate {candidate} of generation {generation} is a {found.role} with no "
                        "parent; compare two generations instead (stem logs diff RUN A B)")
    parent = found.parents[0]
    before = path / "skills" / f"{parent}.py"
    if not before.is_file():
        raise StemError(f"{path.name}: the parent organ {parent} is not in skills/; the run folder is incomplete")
    after = organ_text(path, generation, candidate)
    return list(difflib.unified_diff(before.read_text(encoding="utf-8").splitlines(), after.splitlines(),
                                     f"skills/{parent}.py", f"{gen_dir(path, generation).name}/candidates/c{candidate}.py",
                                     lineterm=""))


def curves(path: Path) -> dict:
    """Per domain and generation the best train score (the front's best after it) and the mean of the
    candidates evaluated in it, with the cumulative LLM calls and tokens at that point (so a score can
    be read against what it cost); held-out pass rates; run totals."""
    log = RunLog(path)
    run = log.read_run()
    domains: dict[str, list[dict]] = {d: [] for d in run["domains"]}
    usage = []
    for trace in traces(log, run["progress"]["generation"]):
        scored = [c.score for c in trace.candidates if c.status == "evaluated"]
        best = max([r.score for r in trace.front] + [0.0])
        row = {"generation": trace.generation, "best": round(best, 4),
               "mean": round(sum(scored) / len(scored), 4) if scored else 0.0}
        if trace.llm_usage is not None:
            u = trace.llm_usage
            row.update(calls=u.calls, tokens=u.prompt_tokens + u.completion_tokens)
            usage.append({"generation": trace.generation, "calls": u.calls,
                          "tokens": u.prompt_tokens + u.completion_tokens, "usd": round(u.usd, 6)})
        domains.setdefault(trace.domain, []).append(row)
    held: dict[str, dict[str, float]] = {"validation": {}, "test": {}}
    s3 = run.get("stage3") or {}
    for split in held:
        for d in run["domains"]:
            rows = [e for e in s3.get(split, []) if e["domain"] == d]
            if rows:
                held[split][d] = round(sum(e["success"] for e in rows) / len(rows), 4)
    mature = bool((run.get("mature") or {}).get("written"))
    total = run.get("llm_usage") or (usage[-1] if usage else {})
    tokens = total.get("tokens", total.get("prompt_tokens", 0) + total.get("completion_tokens", 0))
    return {"run": path.name, "domains": domains, "validation": held["validation"], "test": held["test"],
            "experience": run.get("experience"), "to_best": _to_best(domains), "tokens_to_mature": tokens if mature else None,
            "usage": usage, "mature": mature, "calls_to_mature": total.get("calls") if mature else None,
            "calls": total.get("calls", 0), "calls_saved": run.get("calls_saved", 0), "tokens": tokens,
            "usd": total.get("usd", 0.0)}


def _to_best(domains: dict[str, list[dict]]) -> dict[str, dict]:
    """Per domain: the best score reached, and the cumulative calls and tokens when it was first reached."""
    out = {}
    for d, rows in domains.items():
        top = max((r["best"] for r in rows), default=None)
        first = next((r for r in rows if r["best"] == top and "calls" in r), None)
        if first is not None:
            out[d] = {"best": top, "generation": first["generation"], "calls": first["calls"], "tokens": first["tokens"]}
    return out


def prompts(path: Path, generation: int) -> dict[str, list[dict]]:
    """Each candidate's prompt of a generation, whole: from trace.json, where a prompt is kept once in
    llm/calls.jsonl and named by its request hash (runs before that hold the messages inline)."""
    log = RunLog(path)
    rel = f"{gen_dir(log.path, generation).name}/trace.json"
    trace = log.read_model(rel, GenerationTrace)
    if trace is None:
        raise StemError(f"{log.path.name}: generation {generation} has no trace.json; see `stem logs show`")
    out: dict[str, list[dict]] = {}
    calls = None
    for cand, prompt in trace.prompts.items():
        if isinstance(prompt, PromptRef):
            if calls is None:
                calls = {r.request_hash: r for r in records.load(log.path / "llm" / "calls.jsonl")}
            found = calls.get(prompt.request_hash)
            if found is None:
                raise StemError(f"{log.path / 'llm' / 'calls.jsonl'}: no record of request "
                                f"{prompt.request_hash[:12]} ({rel}, {cand}); the run's LLM record is incomplete")
            out[cand] = found.messages
        else:
            out[cand] = prompt
    return out
