"""What `stem train` and `stem infer` do at the edge: settings, display, exit codes, output."""

from __future__ import annotations

import json
from pathlib import Path

from stem.bench_views import render_verdict
from stem.config import load_settings
from stem.report import TrainDisplay, console


def run(config: Path | None, domain: str, population: int | None, max_epochs: int | None, llm: str | None,
        model: str | None, base_url: str | None, replay_from: Path | None, resume: Path | None, unsafe: bool,
        json_out: bool) -> int:
    from stem.training import TrainOptions, Trainer
    settings = load_settings(config)
    opts = TrainOptions(domain, population, max_epochs, llm, model, base_url, replay_from, unsafe, resume)
    display = TrainDisplay()
    try:
        result = Trainer(settings, opts, display).run()
    finally:
        display.close()
    if json_out:
        print(json.dumps(result, indent=2, default=str))
    else:
        console.print(f"run directory: {result['run']}  (inspect: stem logs show {Path(result['run']).name})")
    return 0 if result["mature"]["written"] else 1


def infer(config: Path | None, genome: Path, task_file: Path | None, benchmark: str | None, domain: str,
          unsafe: bool, json_out: bool) -> int:
    from stem.errors import StemError
    from stem.inference import infer_benchmark, infer_task
    settings = load_settings(config)
    if (task_file is None) == (benchmark is None):
        raise StemError("pass exactly one of --task-file F or --benchmark validation|test|train|all")
    if task_file is not None:
        result = infer_task(genome, task_file, unsafe)
        if json_out:
            print(json.dumps({"episode": result.episode_id, "domain": result.domain,
                              "verdict": result.verdict.model_dump()}, indent=2, default=str))
        else:
            render_verdict(result.verdict, f"{result.episode_id} ({result.domain}) with {genome}")
        return 0 if result.verdict.success else 1
    results, seeds = infer_benchmark(settings, genome, benchmark, domain, unsafe)
    rows = [{"episode": r.episode_id, "domain": r.domain, "success": r.verdict.success,
             "score": round(r.verdict.score, 4), "tags": r.verdict.tags} for r in results]
    if json_out:
        print(json.dumps({"benchmark": benchmark, "test_seeds": seeds, "episodes": rows}, indent=2))
    else:
        from stem.report import _pass_table
        passed = sum(r["success"] for r in rows)
        console.print(_pass_table(f"{benchmark}: {passed}/{len(rows)} passed with {genome}", rows))
        if seeds:
            console.print(f"test seeds drawn fresh: {seeds}")
    return 0 if all(r["success"] for r in rows) else 1
