"""Stage 3: the evolved genome on validation and on a hidden test split drawn from fresh seeds, and
the one decision that matters to a user: `genomes/mature_cell.json` is written only when every
validation episode passes."""

from __future__ import annotations

from pathlib import Path

from stem.benchmark import domains as domainlib
from stem.benchmark import splits
from stem.benchmark.episode import EpisodeResult
from stem.benchmark.episode_model import Episode
from stem.genome_store import load_genome, publish_cell
from stem.jsonio import write_json
from stem.llm.records import replay_source
from stem.runlog import RunLog
from stem.training.shared import RunContext, episode_summary, evaluate_genome


def test_seeds(ctx: RunContext) -> list[int]:
    """The hidden split's seeds: already drawn for this run, recorded by the run being replayed, or fresh."""
    state = ctx.log.read_run()
    seeds = state.get("test_seeds")
    replay_from = ctx.opts.replay_from
    if not seeds and replay_from is not None:  # a replay reproduces the recorded hidden split
        source = replay_source(replay_from).run
        recorded = RunLog(source).read_run().get("test_seeds") if source is not None else None
        if recorded:
            seeds = recorded
            ctx.log.update_run(test_seeds=seeds, test_seeds_from=str(source))
    if not seeds:
        seeds = splits.draw_test_seeds(ctx.settings, ctx.settings.benchmark.splits.test.count)
        ctx.log.update_run(test_seeds=seeds)
    return seeds


def stage3(ctx: RunContext, validation: dict[str, list[Episode]]) -> dict:
    ctx.rep.stage(3, "evolved genome on validation and a hidden test split")
    generation = ctx.log.read_run()["progress"]["generation"]
    seeds = test_seeds(ctx)
    test = [domainlib.generate(d, s, level, "test") for d in ctx.domains
            for s, level in splits.for_domain(ctx.settings, [(s, 0) for s in seeds], d)]
    genome_path = ctx.log.path / "genome.json"
    val_results = evaluate_genome(ctx, genome_path, [e for d in ctx.domains for e in validation[d]], "stage3_validation")
    test_results = evaluate_genome(ctx, genome_path, test, "stage3_test")
    summary = {"validation": episode_summary(val_results), "test": episode_summary(test_results),
               "validation_passed": sum(r.verdict.success for r in val_results), "validation_total": len(val_results),
               "test_passed": sum(r.verdict.success for r in test_results), "test_total": len(test_results)}
    mature = mature_cell(ctx, genome_path, val_results)
    ctx.log.update_run(stage3=summary, mature=mature, status="finished", progress={"stage": 4, "generation": generation})
    ctx.log.event("finished", validation=f"{summary['validation_passed']}/{summary['validation_total']}",
                  test=f"{summary['test_passed']}/{summary['test_total']}", mature=mature["written"])
    ctx.rep.line(f"stage 3: validation {summary['validation_passed']}/{summary['validation_total']}, "
                 f"hidden test {summary['test_passed']}/{summary['test_total']}")
    ctx.rep.line(mature["message"])
    return {"run": str(ctx.log.path), **summary, "mature": mature}


def mature_cell(ctx: RunContext, genome_path: Path, val_results: list[EpisodeResult]) -> dict:
    failing = [r.episode_id for r in val_results if not r.verdict.success]
    target = ctx.settings.path("genomes") / "mature_cell.json"
    if failing or not val_results:
        msg = (f"mature_cell.json NOT written: {len(failing)} of {len(val_results)} validation episodes fail "
               f"({', '.join(failing[:6])})")
        return {"written": False, "path": None, "message": msg}
    genome = load_genome(genome_path)
    write_json(ctx.log.path / "mature_candidate.json", genome.model_dump(mode="json"))
    publish_cell(genome, genome_path, target, f"from {ctx.log.path.name}")
    return {"written": True, "path": str(target), "message": f"every validation episode passes: wrote {target}"}
