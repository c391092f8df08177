"""What `stem bench …` does and shows: thin glue between the benchmark package and rich output."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from rich.markup import escape
from rich.panel import Panel
from rich.table import Table

from stem.benchmark import answers, domains, splits, store
from stem.cli.base import console, progress, project, result
from stem.benchmark.episode_model import Episode
from stem.benchmark.verdict import Verdict
from stem.errors import StemError



def _print_json(data: Any) -> None:
    print(json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False, default=str))


def show_list(config: Path | None, json_out: bool) -> None:
    settings = project(config)
    classic = splits.classic_episodes(settings)
    sp = settings.benchmark.splits
    rows = []
    for entry in (e for e in domains.listing() if e["ok"]):
        name = entry["domain"]
        rows.append({"domain": name, "aliases": entry["aliases"], "difficulties": entry["levels"],
                     "classic": sorted(e.episode_id for e in classic if e.domain == name),
                     "train": sp.train.count, "validation": sp.validation.count, "test": sp.test.count})
    if json_out:
        _print_json({"domains": rows, "classic_suite": str(settings.classic_suite),
                     "splits": sp.model_dump()})
        return
    table = Table(title="stem benchmark")
    for col in ("domain", "aliases", "difficulties", "classic", "train", "validation", "test (fresh seeds)"):
        table.add_column(col)
    for r in rows:
        table.add_row(r["domain"], ", ".join(r["aliases"]), " ".join(map(str, r["difficulties"])),
                      f"{len(r['classic'])}: " + " ".join(r["classic"]), str(r["train"]), str(r["validation"]),
                      str(r["test"]))
    console.print(table)
    console.print(f"train seeds {sp.train.seed_start}..{sp.train.seed_start + sp.train.count - 1}, "
                  f"validation seeds {sp.validation.seed_start}..{sp.validation.seed_start + sp.validation.count - 1}, "
                  f"test seeds drawn fresh above {sp.test.seed_floor} for each evaluation")


def _public_view(ep: Episode) -> dict:
    return {"manifest": ep.manifest.model_dump(mode="json", exclude_none=True), "files": ep.public_files}


def show_episode(config: Path | None, ref: str, full: bool, json_out: bool) -> None:
    ep, _ = splits.resolve_episode(project(config), ref)
    if json_out:
        _print_json(_public_view(ep))
        return
    m = ep.manifest
    console.print(f"[bold]{m.episode_id}[/]  domain={m.domain} split={m.split} seed={m.seed} "
                  f"difficulty={m.difficulty} min_turns={m.min_turns}")
    table = Table(title="turn schedule")
    for col in ("turn", "event", "delivers", "instruction"):
        table.add_column(col)
    for t in m.compact_dump()["turns"]:  # a run of alike turns is one row (binpacking: 5,000 data turns)
        loads = ", ".join(f"{ld['key']}<-{ld['kind']}({ld.get('file') or 'inline'}"
                          + (f"[{ld['start']}:{ld['stop']}]" if ld.get("start") is not None else "") + ")"
                          for ld in t["loaders"])
        repeat = t.get("repeat", 1)
        turns = f"{t['turn']}-{t['turn'] + repeat - 1}" if repeat > 1 else str(t["turn"])
        table.add_row(turns, t["event"], escape(loads), escape(t["instruction"]))
    console.print(table)
    if m.probe_limit_per_turn:
        console.print(f"probes: {m.probe_limit_per_turn} per turn, budget {m.probe_budget or 'unlimited'}")
    for name, text in sorted(ep.public_files.items()):
        lines = text.splitlines()
        shown = lines if full else lines[:20]
        more = "" if full or len(lines) <= 20 else f"\n… {len(lines) - 20} more lines (--full)"
        console.print(Panel("\n".join(shown) + more, title=name, expand=False), markup=False)


def generate(config: Path | None, domain: str, split: str, count: int | None, seed: int | None,
             difficulty: int | None, out: Path, json_out: bool) -> None:
    settings = project(config)
    specs = splits.split_specs(settings, split, count, seed)
    written = []
    names = domains.domain_names(domain)
    with progress(len(names) * len(specs), "generating") as advance:
        for name in names:
            pairs = [(s, difficulty) for s, _ in specs] if difficulty is not None \
                else splits.for_domain(settings, specs, name)
            for s, d in pairs:
                ep = domains.generate(name, s, d, split)
                store.refuse_clobber(ep, out)
                store.write_episode(ep, out)
                written.append({"episode_id": ep.episode_id, "domain": name, "seed": s, "difficulty": d,
                                "public": str(store.public_dir(out, ep.episode_id))})
                advance(ep.episode_id)
    if json_out:
        _print_json({"split": split, "out": str(out), "episodes": written})
        return
    table = Table(title=f"{len(written)} episodes ({split}) -> {out}")
    for col in ("episode", "domain", "seed", "difficulty"):
        table.add_column(col)
    for w in written:
        table.add_row(w["episode_id"], w["domain"], str(w["seed"]), str(w["difficulty"]))
    console.print(table)
    if split == "test" and seed is None:
        console.print("test seeds were drawn fresh; they are recorded above")


def render_verdict(verdict: Verdict, title: str, line: bool = True) -> None:
    """The checks as a table (not with --quiet), then the PASS/FAIL result line and the critique."""
    table = Table(title=title)
    for col in ("check", "ok", "expected", "actual", "message"):
        table.add_column(col, overflow="fold")
    for c in verdict.checks:
        table.add_row(escape(c.id), "[green]pass[/]" if c.passed else "[red]FAIL[/]",
                      escape(_short(c.expected)), escape(_short(c.actual)), escape(c.message))
    console.print(table)
    if line:
        status = "[green]PASS[/]" if verdict.success else "[red]FAIL[/]"
        result(f"{status} {escape(title)} score={verdict.score:.2f} tags={escape(','.join(verdict.tags) or '-')}")
    if verdict.details:
        console.print("details: " + ", ".join(f"{k}={v}" for k, v in verdict.details.items()), markup=False)
    console.print(verdict.critique, markup=False)


def _short(value: Any, limit: int = 80) -> str:
    text = value if isinstance(value, str) else json.dumps(value, default=str, ensure_ascii=False)
    return text if len(text) <= limit else text[:limit - 1] + "…"


def verify(config: Path | None, ref: str, submission: Path, json_out: bool) -> bool:
    ep, _ = splits.resolve_episode(project(config), ref)
    if not answers.can_score(ep):
        raise StemError(f"{ep.episode_id}: {answers.unscored_reason(ep)}; bench verify needs the answer at "
                        f"private/{ep.episode_id}/{store.PRIVATE} beside public/ (stem infer checks a public-only "
                        "task's artifact against its output contract)")
    artifact, record = answers.load_submission(submission)
    verdict = domains.verify(ep, artifact, record)
    shape = [c for c in verdict.checks if c.id == "artifact_shape" and not c.passed]
    if shape:
        raise StemError(f"{submission}: {shape[0].actual}; expected {shape[0].expected}")
    if json_out:
        _print_json(verdict.model_dump())
    else:
        render_verdict(verdict, f"{ep.episode_id} <- {submission}")
    return verdict.success


def import_instances(config: Path | None, domain: str, instance: Path, out: Path, json_out: bool) -> None:
    from stem.benchmark.binpacking_import import import_file
    project(config)
    episodes = import_file(domain, instance, out)
    rows = [{"episode_id": ep.episode_id, "items": len(ep.private["items"]), "capacity": ep.private["capacity"],
             "lower_bound": ep.private["lower_bound"], "reference_bins": ep.private["reference_bins"],
             "task_file": str(store.public_dir(out, ep.episode_id) / store.MANIFEST)} for ep in episodes]
    if json_out:
        _print_json({"out": str(out), "tasks": rows})
        return
    table = Table(title=f"{len(rows)} tasks -> {out}")
    for col in ("task", "items", "capacity", "lower bound", "reference bins", "run with"):
        table.add_column(col, overflow="fold")
    for r in rows:
        table.add_row(r["episode_id"], str(r["items"]), str(r["capacity"]), str(r["lower_bound"]),
                      str(r["reference_bins"]), f"stem infer --task-file {r['task_file']}")
    console.print(table)


def show_baselines(config: Path | None, domain: str, episodes: int, seed: int, json_out: bool) -> None:
    from dataclasses import asdict
    from stem.benchmark.binpacking_baselines import baselines_for
    project(config)
    with console.status(f"packing {episodes} episodes per level"):
        rows = baselines_for(domain, episodes, seed)
    if json_out:
        _print_json({"domain": "binpacking", "episodes_per_level": episodes, "seed": seed,
                     "levels": [asdict(r) for r in rows]})
        return
    table = Table(title=f"binpacking baselines: mean excess over the lower bound, {episodes} episodes per level "
                        f"(seeds {seed}..{seed + episodes - 1})")
    for col in ("level", "sizes", "capacity", "items", "First Fit", "Best Fit", "reference", "FF meets ref",
                "BF meets ref"):
        table.add_column(col, overflow="fold")
    for r in rows:
        table.add_row(str(r.level), r.distribution, str(r.capacity), str(r.items), f"{r.first_fit_excess:.2%}", f"{r.best_fit_excess:.2%}",
                      f"{r.reference_excess:.2%}", f"{r.first_fit_pass:.0%}", f"{r.best_fit_pass:.0%}")
    console.print(table)
