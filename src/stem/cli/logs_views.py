"""Rich views of runs: `stem logs list|show|scars|lineage|organ|diff`."""

from __future__ import annotations

import difflib
import json
from pathlib import Path

from pydantic import TypeAdapter
from rich.syntax import Syntax
from rich.table import Table
from rich.text import Text
from rich.tree import Tree

from stem.cli.base import console
from stem.errors import StemError
from stem.evolution.scars import Scar
from stem.genome import Genome
from stem.run_models import CriticReview, GenerationTrace
from stem.runlog import RunLog, gen_dir, list_runs

SCARS = TypeAdapter(list[Scar])


# ---------------------------------------------------------------- reading runs back
def traces(log: RunLog, finished: int) -> list[GenerationTrace]:
    """The trace of every finished generation, read through its model."""
    out = []
    for gdir in sorted(log.path.glob("generation_*")):
        trace = log.read_model(f"{gdir.name}/trace.json", GenerationTrace)
        if trace is not None and trace.generation <= finished:
            out.append(trace)
    return out


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
    return {"run": path.name, "path": str(path), "status": run["status"], "stop_reason": run.get("stop_reason"),
            "experience": experience_summary(log, run, gens),
            "domains": run["domains"], "isolation": run.get("isolation_layers"), "llm": run.get("llm"),
            "llm_usage": run.get("llm_usage"), "stage1": s1, "generations": gens,
            "stage2": run.get("stage2"), "stage3": s3, "test_seeds": run.get("test_seeds"), "mature": run.get("mature"),
            "front": run.get("front"), "calls_saved": run.get("calls_saved", 0), "warnings": warnings(run, gens)}


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


def warnings(run: dict, gens: list[dict]) -> list[str]:
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


def list_view(logs: Path, json_out: bool) -> None:
    rows = []
    for path in list_runs(logs):
        try:
            run = RunLog(path).read_run()
        except StemError as exc:  # one damaged run does not hide the others
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
    if json_out:
        print(json.dumps(rows, indent=2))
        return
    table = Table(title=f"runs in {logs}")
    for col in ("run", "status", "domains", "gens", "stem", "validation", "test", "mature", "tokens", "usd"):
        table.add_column(col)
    for r in rows:
        table.add_row(r["run"], r["status"], ",".join(r["domains"]), str(r["generations"]), r["stage1"],
                      r["validation"], r["test"], "yes" if r["mature"] else "no", str(r["tokens"]), f"{r['usd']:.4f}")
    console.print(table)


def _pass_table(title: str, rows: list[dict]) -> Table:
    table = Table(title=title)
    for col in ("episode", "result", "score", "tags"):
        table.add_column(col)
    for e in rows:
        table.add_row(e["episode"], "[green]pass[/]" if e["success"] else "[red]FAIL[/]", f"{e['score']:.2f}",
                      ",".join(e["tags"]) or "-")
    return table


def show_view(path: Path, json_out: bool) -> None:
    data = summary(path)
    if json_out:
        print(json.dumps(data, indent=2, default=str))
        return
    console.print(f"[bold]{data['run']}[/]  status={data['status']}  domains={','.join(data['domains'])}")
    if data["stop_reason"]:
        console.print(f"stop reason: {data['stop_reason']}", markup=False)
    console.print(f"isolation: {', '.join(data['isolation'] or ['-'])}")
    if data["llm"]:
        u = data["llm_usage"] or {}
        console.print(f"llm: {data['llm']['profile']} ({data['llm']['model']}) calls={u.get('calls', 0)} "
                      f"(saved by early stop: {data['calls_saved']}) "
                      f"tokens={u.get('prompt_tokens', 0) + u.get('completion_tokens', 0)} usd={u.get('usd', 0.0):.4f}")
    s1 = data["stage1"]
    if s1:
        console.print(f"Stage 1 (stem genome, validation): {s1['passed']}/{s1['total']} passed")
    gens = Table(title="Stage 2: generations (train episodes)")
    for col in ("gen", "domain", "candidates (role status score pass)", "selected"):
        gens.add_column(col, overflow="fold")
    for g in data["generations"]:
        cands = "; ".join(f"c{c['candidate']} {c.get('role', '?')} {c['status']} {c['score']:.2f} "
                          f"{c['passed']}/{c['episodes']}" for c in g["candidates"])
        gens.add_row(str(g["generation"]) + (" (stagnating)" if g["stagnating"] else ""), g["domain"], cands,
                     g["selected"] or "-")
    console.print(gens)
    if data["stage2"]:
        console.print(f"Stage 2 ended: {data['stage2']['stop_reason']}")
    s3 = data["stage3"]
    if s3:
        console.print(_pass_table(f"Stage 3: validation {s3['validation_passed']}/{s3['validation_total']}", s3["validation"]))
        console.print(_pass_table(f"Stage 3: hidden test {s3['test_passed']}/{s3['test_total']} "
                                  f"(fresh seeds {data['test_seeds']})", s3["test"]))
    _experience_lines(data["experience"])
    for w in data["warnings"]:
        console.print(f"[bold yellow]WARNING[/] {w}", markup=True)
    if data["mature"]:
        console.print(data["mature"]["message"])


def _experience_lines(x: dict) -> None:
    sw = x["switches"]
    if not sw:
        return
    used = sum(x["lessons_used"].values())
    parts = [f"lessons {'on' if sw['lessons'] else 'off'}"
             + (f" ({used} read from earlier runs, {x['lessons_written']} written)" if sw["lessons"] else ""),
             f"Director every {sw['director_every']} generations" if sw["director_every"] else "Director off",
             "Critic on" if sw["critic"] else "Critic off"]
    ws = x["warm_start"]
    if ws:
        kept = [f"{d}: {o['original']} ({o['score']:.2f})" for d, o in ws["domains"].items() if o["kept"]]
        parts.append(f"warm start from {ws['genome']}" + (f" ({', '.join(kept)})" if kept else " (no organ kept)"))
    console.print("experience: " + "; ".join(parts), markup=False)
    for d in x["director"]:
        console.print(f"Director's guidance before generation {d['generation']} ({d['domain']}; {d['reason']}):",
                      markup=False)
        console.print("  " + d["text"].replace("\n", "\n  "), markup=False)
    for r in x["critic"]:
        head = f"Critic on {r['organ']} (generation {r['generation']})"
        if not r["findings"]:
            console.print(f"{head}: nothing to report", markup=False)
            continue
        console.print(f"{head}:" + (" SUSPECT (a hard-coded or memorised finding; the hidden test split judges)"
                                    if r["suspect"] else ""), markup=False)
        for f in r["findings"]:
            console.print(f"  - {f['kind']}: {f['text']}", markup=False)


def scars_view(path: Path, json_out: bool) -> None:
    scars = [sc.model_dump() for sc in RunLog(path).read_model("phenotypic_scars.json", SCARS, [])]
    if json_out:
        print(json.dumps(scars, indent=2))
        return
    table = Table(title=f"phenotypic scars ({len(scars)})")
    for col in ("gen", "phase", "tag", "organ", "episode", "turn", "message"):
        table.add_column(col, overflow="fold")
    for s in scars:
        table.add_row(str(s["generation"]), s["phase"], s["tag"], s["organ"], s.get("episode") or "-",
                      str(s.get("turn") or "-"), s["message"])
    console.print(table)


def lineage_view(path: Path, json_out: bool) -> None:
    data = summary(path)
    found = RunLog(path).read_model("genome.json", Genome)
    genome = found.model_dump(mode="json") if found is not None else {}
    warm = data["experience"]["warm_start"]
    if json_out:
        print(json.dumps({"generations": data["generations"], "genome": genome, "warm_start": warm}, indent=2))
        return
    tree = Tree(f"[bold]{data['run']}[/]")
    for domain in data["domains"]:
        branch = tree.add(f"[bold]{domain}[/]")
        if warm and domain in warm["domains"]:
            o = warm["domains"][domain]
            ancestors = [a for a in o["lineage"] if a != o["organ"]]
            branch.add(Text(f"generation 0: warm start from {warm['genome']}: {o['organ']} (was {o['original']}"
                            + (f"; lineage: {', '.join(ancestors)}" if ancestors else "") + f") score {o['score']:.2f} "
                            + (f"{o['passed']}/{o['episodes']} train pass (on the front)" if o["kept"]
                               else f"(not kept: {o['note']})")))
        elif warm and domain in warm["missing"]:
            branch.add(Text(f"generation 0: warm start from {warm['genome']}: no organ for {domain}; started from scratch"))
        for g in (x for x in data["generations"] if x["domain"] == domain):
            node = branch.add(f"generation {g['generation']}" + (" [yellow](stagnating: explore)[/]" if g["stagnating"] else ""))
            for c in g["candidates"]:
                mark = " [green]<- selected[/]" if c["organ"] and c["organ"] == g["selected"] else ""
                parents = c.get("parents") or []
                origin = c.get("role", "?") + (f" of {' x '.join(parents)}" if parents else "")
                node.add(f"c{c['candidate']} {origin} -> {c['organ'] or '-'}: {c['status']} score {c['score']:.2f}"
                         f" ({c.get('outcome', c['status'])}){mark}")
        cap = (genome.get("capabilities") or {}).get(domain)
        if not cap:
            branch.add("genome organ: none")
            continue
        name = cap["organ"]["name"]
        member = next((m for m in (data["front"] or {}).get(domain, []) if m["organ"]["name"] == name), {})
        origin = member.get("role", "?") + (f" of {' x '.join(member['parents'])}" if member.get("parents") else "")
        origin += f" from {member['origin']}" if member.get("origin") else ""
        ancestors = [a for a in cap["lineage"] if a != name]
        branch.add(f"genome organ: {name} ({origin})" + (f"; ancestors: {', '.join(ancestors)}" if ancestors else ""))
    console.print(tree)


def _organ_text(path: Path, generation: int, candidate: int | None = None) -> str:
    gdir = gen_dir(path, generation)
    file = gdir / "candidates" / f"c{candidate}.py" if candidate else gdir / "organ.py"
    if not gdir.is_dir():
        raise StemError(f"{path.name}: no generation {generation}; see `stem logs show {path.name}`")
    if not file.is_file():
        raise StemError(f"{path.name}: generation {generation} has no {'candidate ' + str(candidate) if candidate else 'selected organ'} "
                        "(every candidate failed before running)")
    return file.read_text(encoding="utf-8")


def _review_of(path: Path, generation: int, candidate: int | None) -> dict | None:
    """The Critic's review of the organ a generation selected (or of one candidate), if it had one."""
    log = RunLog(path)
    trace = log.read_model(f"{gen_dir(path, generation).name}/trace.json", GenerationTrace)
    if trace is None:
        return None
    name = (next((c.organ for c in trace.candidates if c.candidate == candidate), None) if candidate
            else trace.selected)
    review = (log.read_run().get("critic") or {}).get(name) if name else None
    return CriticReview.model_validate(review).model_dump(mode="json") if review else None


def organ_view(path: Path, generation: int, candidate: int | None, json_out: bool) -> None:
    text = _organ_text(path, generation, candidate)
    review = _review_of(path, generation, candidate)
    if json_out:
        print(json.dumps({"run": path.name, "generation": generation, "candidate": candidate, "source": text,
                          "critic": review}))
        return
    console.print(Syntax(text, "python", line_numbers=True))
    if review is not None:
        console.print(f"CRITIC'S FINDINGS on {review['organ']}" + (" (SUSPECT: the hidden test split judges)"
                                                                   if review["suspect"] else "") + ":", markup=False)
        for f in review["findings"]:
            console.print(f"  - {f['kind']}: {f['text']}", markup=False)
        if not review["findings"]:
            console.print("  (nothing to report)", markup=False)


def diff_view(path: Path, a: int, b: int, json_out: bool) -> None:
    left, right = _organ_text(path, a), _organ_text(path, b)
    lines = list(difflib.unified_diff(left.splitlines(), right.splitlines(), f"generation_{a:03d}/organ.py",
                                      f"generation_{b:03d}/organ.py", lineterm=""))
    if json_out:
        print(json.dumps({"run": path.name, "a": a, "b": b, "diff": lines}))
        return
    console.print(Syntax("\n".join(lines) or "(identical)", "diff"))


# ---------------------------------------------------------------- curves: plot and compare
def curves(path: Path) -> dict:
    """Per domain and generation the best train score (the front's best after it) and the mean of the
    candidates evaluated in it; held-out pass rates; cumulative LLM calls, tokens and cost."""
    log = RunLog(path)
    run = log.read_run()
    domains: dict[str, list[dict]] = {d: [] for d in run["domains"]}
    usage = []
    for trace in traces(log, run["progress"]["generation"]):
        scored = [c.score for c in trace.candidates if c.status == "evaluated"]
        best = max([r.score for r in trace.front] + [0.0])
        domains.setdefault(trace.domain, []).append({"generation": trace.generation, "best": round(best, 4),
                                                     "mean": round(sum(scored) / len(scored), 4) if scored else 0.0})
        if trace.llm_usage is not None:
            u = trace.llm_usage
            usage.append({"generation": trace.generation, "calls": u.calls,
                          "tokens": u.prompt_tokens + u.completion_tokens, "usd": round(u.usd, 6)})
    held: dict[str, dict[str, float]] = {"validation": {}, "test": {}}
    s3 = run.get("stage3") or {}
    for split in held:
        for d in run["domains"]:
            rows = [e for e in s3.get(split, []) if e["domain"] == d]
            if rows:
                held[split][d] = round(sum(e["success"] for e in rows) / len(rows), 4)
    mature = bool((run.get("mature") or {}).get("written"))
    total = run.get("llm_usage") or (usage[-1] if usage else {})
    at = {u["generation"]: u for u in usage}
    to_best = {}
    for d, rows in domains.items():  # the first generation at which the domain reached its best score
        top = max((r["best"] for r in rows), default=None)
        first = next((r for r in rows if r["best"] == top), None)
        if first is not None and first["generation"] in at:
            u = at[first["generation"]]
            to_best[d] = {"generation": first["generation"], "best": top, "calls": u["calls"], "tokens": u["tokens"]}
    for d, rows in domains.items():  # cumulative calls and tokens beside each generation's score
        for r in rows:
            r["calls"], r["tokens"] = at.get(r["generation"], {}).get("calls"), at.get(r["generation"], {}).get("tokens")
    tokens = total.get("tokens", total.get("prompt_tokens", 0) + total.get("completion_tokens", 0))
    return {"run": path.name, "domains": domains, "validation": held["validation"], "test": held["test"],
            "experience": run.get("experience"), "to_best": to_best,
            "tokens_to_mature": tokens if mature else None,
            "usage": usage, "mature": mature, "calls_to_mature": total.get("calls") if mature else None,
            "calls": total.get("calls", 0), "calls_saved": run.get("calls_saved", 0),
            "tokens": total.get("tokens", total.get("prompt_tokens", 0) + total.get("completion_tokens", 0)),
            "usd": total.get("usd", 0.0)}


def _score_chart(data: dict, width: int, label_prefix: str = "", marks: bool = True) -> tuple[dict, dict]:
    series, points = {}, {}
    for d, rows in data["domains"].items():
        xs = [r["generation"] for r in rows]
        series[f"{label_prefix}{d} best"] = (xs, [r["best"] for r in rows])
        if not label_prefix:
            series[f"{d} mean"] = (xs, [r["mean"] for r in rows])
        last = (xs[-1] if xs else 0) + 1
        if marks:
            for split in ("validation", "test"):
                if d in data[split]:
                    points[f"{label_prefix}{d} {split}"] = (last + (0.25 if split == "test" else 0.0), data[split][d])
    return series, points


def plot_view(path: Path, json_out: bool, width: int = 80) -> None:
    from stem.cli.charts import line_chart
    data = curves(path)
    if json_out:
        print(json.dumps(data, indent=2))
        return
    color = console.is_terminal and not console.no_color
    series, points = _score_chart(data, width)
    console.print(Text.from_ansi(line_chart("train score per generation (x: held-out pass rate)",
                                            series, marks=points, ylim=(0, 1.05), width=width, color=color)))
    xs = [u["generation"] for u in data["usage"]]
    console.print(Text.from_ansi(line_chart("cumulative LLM calls", {"calls": (xs, [u["calls"] for u in data["usage"]])},
                                            width=width, height=10, color=color)))
    console.print(Text.from_ansi(line_chart("cumulative tokens", {"tokens": (xs, [u["tokens"] for u in data["usage"]])},
                                            width=width, height=10, color=color)))
    console.print(f"calls {data['calls']} (saved by early stop {data['calls_saved']}), tokens {data['tokens']}, "
                  f"cost ${data['usd']:.4f}; mature: {'yes' if data['mature'] else 'no'}")


def _curves_table(left: dict, right: dict) -> Table:
    """Per domain, the n-th generation of each run side by side: best train score, cumulative calls and tokens."""
    table = Table(title="per generation of each domain: best train score (cumulative calls, tokens)")
    for col in ("domain", "n", f"A: {left['run']}", f"B: {right['run']}"):
        table.add_column(col, overflow="fold")

    def cell(rows: list[dict], n: int) -> str:
        if n >= len(rows):
            return "-"
        r = rows[n]
        return f"{r['best']:.2f} ({r['calls'] if r['calls'] is not None else '?'}, {r['tokens'] if r['tokens'] is not None else '?'})"
    for d in dict.fromkeys(list(left["domains"]) + list(right["domains"])):
        a, b = left["domains"].get(d, []), right["domains"].get(d, [])
        for n in range(max(len(a), len(b))):
            table.add_row(d, str(n + 1), cell(a, n), cell(b, n))
    return table


def compare_view(a: Path, b: Path, json_out: bool, width: int = 80) -> None:
    from stem.cli.charts import line_chart
    left, right = curves(a), curves(b)
    if json_out:
        print(json.dumps({"a": left, "b": right}, indent=2))
        return
    table = Table(title="runs side by side")
    for col in ("", f"A: {left['run']}", f"B: {right['run']}"):
        table.add_column(col, overflow="fold")

    def best_by_gen(data: dict) -> str:
        return "; ".join(f"{d}: " + " ".join(f"{r['best']:.2f}" for r in rows) for d, rows in data["domains"].items())

    def held(data: dict, split: str) -> str:
        return ", ".join(f"{d} {v:.0%}" for d, v in data[split].items()) or "-"
    def switches(data: dict) -> str:
        sw = data["experience"]
        if not sw:
            return "- (recorded before experience existed)"
        return (f"lessons {'on' if sw['lessons'] else 'off'}, director every {sw['director_every'] or 'never'}, "
                f"critic {'on' if sw['critic'] else 'off'}"
                + (f", from {sw['warm_start_from']}" if sw.get("warm_start_from") else ""))

    def to_best(data: dict) -> str:
        return "; ".join(f"{d}: {v['best']:.2f} at generation {v['generation']} after {v['calls']} calls, "
                         f"{v['tokens']} tokens" for d, v in data["to_best"].items()) or "-"
    for label, fn in (("experience", switches), ("best train score per generation", best_by_gen),
                      ("calls, tokens to the best score", to_best),
                      ("tokens to mature", lambda d: str(d["tokens_to_mature"]) if d["tokens_to_mature"] is not None
                       else "-"),
                      ("validation pass rate", lambda d: held(d, "validation")),
                      ("hidden test pass rate", lambda d: held(d, "test")),
                      ("mature", lambda d: "yes" if d["mature"] else "no"),
                      ("calls to mature", lambda d: str(d["calls_to_mature"]) if d["calls_to_mature"] is not None else "-"),
                      ("calls (saved)", lambda d: f"{d['calls']} ({d['calls_saved']})"),
                      ("tokens", lambda d: str(d["tokens"])), ("cost", lambda d: f"${d['usd']:.4f}")):
        table.add_row(label, fn(left), fn(right))
    console.print(table)
    console.print(_curves_table(left, right))
    color = console.is_terminal and not console.no_color
    s1, _ = _score_chart(left, width, "A ", marks=False)
    s2, _ = _score_chart(right, width, "B ", marks=False)
    console.print(Text.from_ansi(line_chart("best train score per generation, A vs B", {**s1, **s2},
                                            ylim=(0, 1.05), width=width, color=color)))
