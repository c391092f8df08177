"""Rich views of runs: `stem logs list|show|scars|lineage|organ|diff`."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from pydantic import TypeAdapter
from rich.markup import escape
from rich.syntax import Syntax
from rich.table import Table
from rich.text import Text
from rich.tree import Tree

from stem.cli.base import console, plural, result
from stem.errors import StemError
from stem.evolution.scars import Scar
from stem.genome import Genome
from stem import run_report as report
from stem.runlog import RunLog

SCARS = TypeAdapter(list[Scar])


def list_view(logs: Path, json_out: bool) -> None:
    rows = report.run_rows(logs)
    if json_out:
        print(json.dumps(rows, indent=2))
        return
    if console.quiet:
        for r in rows:
            result(f"{r['run']} {r['status']} {','.join(r['domains']) or '-'} validation {r['validation']} "
                   f"test {r['test']} mature {'yes' if r['mature'] else 'no'}", markup=False)
        return
    table = runs_table(rows, f"runs in {logs}")
    if console.measure(table, options=console.options.update(max_width=10_000)).maximum <= console.width:
        console.print(table)
        return
    console.print(f"runs in {logs}", markup=False)  # too narrow for the table: a run id, then its numbers
    for r in rows:
        console.print(f"[bold]{escape(r['run'])}[/]  {escape(r['status'])}  {escape(','.join(r['domains']) or '-')}")
        console.print(f"  gens {r['generations']}, stem {r['stage1']}, validation {r['validation']}, test "
                      f"{r['test']}, mature {'yes' if r['mature'] else 'no'}, {r['tokens']} tokens, "
                      f"${r['usd']:.4f}", markup=False)


def runs_table(rows: list[dict], title: str) -> Table:
    """One row per run; run ids never cut (a terminal too narrow for the table gets lines instead)."""
    table = Table(title=title)
    table.add_column("run", no_wrap=True)
    for col in ("status", "domains", "gens", "stem", "validation", "test", "mature", "tokens", "usd"):
        table.add_column(col, overflow="fold")
    for r in rows:
        table.add_row(r["run"], r["status"], ",".join(r["domains"]), str(r["generations"]), r["stage1"],
                      r["validation"], r["test"], "yes" if r["mature"] else "no", str(r["tokens"]), f"{r['usd']:.4f}")
    return table


def _pass_table(title: str, rows: list[dict]) -> Table:
    table = Table(title=title)
    for col in ("episode", "result", "score", "tags"):
        table.add_column(col)
    for e in rows:
        table.add_row(e["episode"], "[green]pass[/]" if e["success"] else "[red]FAIL[/]", f"{e['score']:.2f}",
                      ",".join(e["tags"]) or "-")
    return table


STOPS = {"all_train_pass": "an organ passes every train episode",
         "all_train_perfect": "an organ scores 1.0 on every train episode",
         "patience": "no gain above evolution.min_delta for evolution.patience generations",
         "max_epochs": "max epochs reached"}


def show_view(path: Path, json_out: bool) -> None:
    data = report.summary(path)
    if json_out:
        print(json.dumps(data, indent=2, default=str))
        return
    result(f"[bold]{escape(data['run'])}[/]  status={data['status']}  domains={escape(','.join(data['domains']))}")
    if data["stop_reason"]:
        result(f"stop reason: {data['stop_reason']}", markup=False)
    console.print(f"isolation: {', '.join(data['isolation'] or ['-'])}")
    if data["llm"]:
        u = data["llm_usage"] or {}
        console.print(f"llm: {data['llm']['profile']} ({data['llm']['model']}) calls={u.get('calls', 0)} "
                      f"(saved by early stop: {data['calls_saved']}) "
                      f"tokens={u.get('prompt_tokens', 0) + u.get('completion_tokens', 0)} usd={u.get('usd', 0.0):.4f}")
    s1 = data["stage1"]
    if s1:
        result(f"Stage 1 (stem genome, validation): {s1['passed']}/{s1['total']} passed")
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
        result(f"Stage 2 ended: {data['stage2']['stop_reason']}", markup=False)
    for domain, why in data["domain_stops"].items():
        members = (data["front"] or {}).get(domain) or []
        best = max((sum(m["scores"].values()) / len(m["scores"]) for m in members if m["scores"]), default=0.0)
        result(f"{domain} (objective {data['objectives'].get(domain, 'pass')}): "
               f"{'stopped: ' + STOPS.get(why, why) if why else 'not finished'}; best mean train score {best:.4f}",
               markup=False)
    s3 = data["stage3"]
    if s3 and console.quiet:
        result(f"Stage 3: validation {s3['validation_passed']}/{s3['validation_total']}, hidden test "
               f"{s3['test_passed']}/{s3['test_total']}")
    elif s3:
        console.print(_pass_table(f"Stage 3: validation {s3['validation_passed']}/{s3['validation_total']}", s3["validation"]))
        console.print(_pass_table(f"Stage 3: hidden test {s3['test_passed']}/{s3['test_total']} "
                                  f"(fresh seeds {data['test_seeds']})", s3["test"]))
    _experience_lines(data["experience"])
    for w in data["warnings"]:
        result(f"[bold yellow]WARNING[/] {escape(w)}")
    if data["mature"]:
        result(data["mature"]["message"], markup=False)


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
    result(f"{plural(len(scars), 'scar')} in {path.name}", markup=False)


def lineage_view(path: Path, json_out: bool) -> None:
    data = report.summary(path)
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
                edits = escape(f" [answered with {plural(c['edits'], 'edit')}]") if c.get("edits") else ""
                node.add(f"c{c['candidate']} {origin} -> {c['organ'] or '-'}: {c['status']} score {c['score']:.2f}"
                         f" ({c.get('outcome', c['status'])}){edits}{mark}")
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
    if console.quiet:
        for domain in data["domains"]:
            cap = (genome.get("capabilities") or {}).get(domain)
            result(f"{domain}: genome organ {cap['organ']['name'] if cap else 'none'}", markup=False)


def organ_view(path: Path, generation: int, candidate: int | None, json_out: bool, as_is: bool = False) -> None:
    """The source: with line numbers on a terminal; as it is with --raw, with --quiet or into a file or pipe;
    then the Critic's findings on it, when it had a review."""
    text = report.organ_text(path, generation, candidate)
    review = report.critic_review(path, generation, candidate)
    if json_out:
        print(json.dumps({"run": path.name, "generation": generation, "candidate": candidate, "source": text,
                          "critic": review}))
        return
    raw = as_is or console.quiet or not console.is_terminal
    if raw:
        sys.stdout.write(text)
    else:
        console.print(Syntax(text, "python", line_numbers=True, word_wrap=True))
    if review is None or console.quiet:
        return
    lines = [f"CRITIC'S FINDINGS on {review['organ']}" + (" (SUSPECT: the hidden test split judges)"
                                                          if review["suspect"] else "") + ":"]
    lines += [f"  - {f['kind']}: {f['text']}" for f in review["findings"]] or ["  (nothing to report)"]
    if raw:  # the source alone goes to the file or pipe; the findings to the terminal
        sys.stderr.write("\n".join(lines) + "\n")
    else:
        console.print("\n".join(lines), markup=False)


def diff_view(path: Path, a: int, b: int | None, json_out: bool, candidate: int | None = None) -> None:
    lines = report.organ_diff(path, a, b) if candidate is None else report.candidate_diff(path, a, candidate)
    if json_out:
        print(json.dumps({"run": path.name, "a": a, "b": b, "candidate": candidate, "diff": lines}))
        return
    text = "\n".join(lines) or "(identical)"
    if console.quiet or not console.is_terminal:
        sys.stdout.write(text + "\n")
        return
    console.print(Syntax(text, "diff", word_wrap=True))


def prompt_view(path: Path, generation: int, candidate: int, json_out: bool) -> None:
    prompts = report.prompts(path, generation)
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
    data = report.curves(path)
    if json_out:
        print(json.dumps(data, indent=2))
        return
    color = console.is_terminal and not console.no_color
    series, points = _score_chart(data, width)
    console.print(Text.from_ansi(line_chart("train score per generation (x: held-out pass rate)",
                                            series, marks=points, ylim=(0, 1.05), width=width, color=color)))
    by_calls = {f"{d} best": ([r["calls"] for r in rows if "calls" in r], [r["best"] for r in rows if "calls" in r])
                for d, rows in data["domains"].items()}
    console.print(Text.from_ansi(line_chart("best train score against cumulative LLM calls", by_calls, ylim=(0, 1.05),
                                            width=width, height=12, xlabel="LLM calls so far", color=color)))
    xs = [u["generation"] for u in data["usage"]]
    console.print(Text.from_ansi(line_chart("cumulative LLM calls", {"calls": (xs, [u["calls"] for u in data["usage"]])},
                                            width=width, height=10, color=color)))
    console.print(Text.from_ansi(line_chart("cumulative tokens", {"tokens": (xs, [u["tokens"] for u in data["usage"]])},
                                            width=width, height=10, color=color)))
    result(f"calls {data['calls']} (saved by early stop {data['calls_saved']}), tokens {data['tokens']}, "
           f"cost ${data['usd']:.4f}; mature: {'yes' if data['mature'] else 'no'}", markup=False)


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
    left, right = report.curves(a), report.curves(b)
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
