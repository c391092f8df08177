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
from stem.run_models import GenerationTrace
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
            "domains": run["domains"], "isolation": run.get("isolation_layers"), "llm": run.get("llm"),
            "llm_usage": run.get("llm_usage"), "stage1": s1, "generations": gens,
            "stage2": run.get("stage2"), "stage3": s3, "test_seeds": run.get("test_seeds"), "mature": run.get("mature"),
            "front": run.get("front"), "calls_saved": run.get("calls_saved", 0), "warnings": warnings(run, gens)}


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
    for w in data["warnings"]:
        console.print(f"[bold yellow]WARNING[/] {w}", markup=True)
    if data["mature"]:
        console.print(data["mature"]["message"])


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
    if json_out:
        print(json.dumps({"generations": data["generations"], "genome": genome}, indent=2))
        return
    tree = Tree(f"[bold]{data['run']}[/]")
    for domain in data["domains"]:
        branch = tree.add(f"[bold]{domain}[/]")
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


def organ_view(path: Path, generation: int, candidate: int | None, json_out: bool) -> None:
    text = _organ_text(path, generation, candidate)
    if json_out:
        print(json.dumps({"run": path.name, "generation": generation, "candidate": candidate, "source": text}))
        return
    console.print(Syntax(text, "python", line_numbers=True))


def diff_view(path: Path, a: int, b: int, json_out: bool) -> None:
    left, right = _organ_text(path, a), _organ_text(path, b)
    lines = list(difflib.unified_diff(left.splitlines(), right.splitlines(), f"generation_{a:03d}/organ.py",
                                      f"generation_{b:03d}/organ.py", lineterm=""))
    if json_out:
        print(json.dumps({"run": path.name, "a": a, "b": b, "diff": lines}))
        return
    console.print(Syntax("\n".join(lines) or "(identical)", "diff"))


def prompt_view(path: Path, generation: int, candidate: int, json_out: bool) -> None:
    prompts = RunLog(path).prompts(generation)
    messages = prompts.get(f"c{candidate}")
    if messages is None:
        raise StemError(f"{path.name}: generation {generation} has no prompt for candidate {candidate} "
                        f"(candidates with one: {', '.join(sorted(prompts)) or 'none'})")
    if json_out:
        print(json.dumps({"run": path.name, "generation": generation, "candidate": candidate, "messages": messages},
                         indent=2, ensure_ascii=False))
        return
    for m in messages:
        console.rule(str(m.get("role", "?")))
        console.print(str(m.get("content", "")), markup=False, highlight=False)


def turns_view(folder: Path, turn: int | None, json_out: bool) -> None:
    """Printed one turn at a time: a 5,000-turn record is never held whole."""
    from stem.turn_records import open_episode
    record = open_episode(folder)
    if record is None:
        raise StemError(f"{folder}: no turn record here (turns.jsonl.gz or turn_NN_*.json); pass an episode folder")
    found = False
    for t in record.turns():
        if turn is not None and t.turn != turn:
            continue
        found = True
        row = {"turn": t.turn, "observation": t.observation, "response": t.response, "result": t.result}
        if json_out:
            print(json.dumps(row, ensure_ascii=False))
        else:
            console.rule(f"turn {t.turn}")
            console.print(json.dumps({k: row[k] for k in ("observation", "response", "result")}, indent=2,
                                     ensure_ascii=False), markup=False, highlight=False)
        if turn is not None:
            return
    if turn is not None and not found:
        raise StemError(f"{folder}: no turn {turn} in this record" + ("" if record.turns_kept else f" ({record.note})"))
    summary = {"verdict": record.verdict, "turns_kept": record.turns_kept, "note": record.note, "layout": record.layout}
    if json_out:
        print(json.dumps(summary, ensure_ascii=False))
        return
    console.rule("verdict")
    if not record.turns_kept:
        console.print(f"({record.note})", markup=False)
    console.print(json.dumps(record.verdict, indent=2, ensure_ascii=False), markup=False, highlight=False)


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
    return {"run": path.name, "domains": domains, "validation": held["validation"], "test": held["test"],
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
    for label, fn in (("best train score per generation", best_by_gen),
                      ("validation pass rate", lambda d: held(d, "validation")),
                      ("hidden test pass rate", lambda d: held(d, "test")),
                      ("mature", lambda d: "yes" if d["mature"] else "no"),
                      ("calls to mature", lambda d: str(d["calls_to_mature"]) if d["calls_to_mature"] is not None else "-"),
                      ("calls (saved)", lambda d: f"{d['calls']} ({d['calls_saved']})"),
                      ("tokens", lambda d: str(d["tokens"])), ("cost", lambda d: f"${d['usd']:.4f}")):
        table.add_row(label, fn(left), fn(right))
    console.print(table)
    color = console.is_terminal and not console.no_color
    s1, _ = _score_chart(left, width, "A ", marks=False)
    s2, _ = _score_chart(right, width, "B ", marks=False)
    console.print(Text.from_ansi(line_chart("best train score per generation, A vs B", {**s1, **s2},
                                            ylim=(0, 1.05), width=width, color=color)))
