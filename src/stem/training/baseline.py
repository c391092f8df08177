"""Stage 1: the bare stem genome on the validation episodes. It has no organ, so nothing it
answers can be verified: the baseline every evolved genome is measured against."""

from __future__ import annotations

from stem.benchmark.episode_model import Episode
from stem.training.shared import RunContext, episode_summary, evaluate_genome


def stage1(ctx: RunContext, validation: dict[str, list[Episode]]) -> None:
    ctx.rep.stage(1, "stem genome on validation episodes")
    eps = [e for d in ctx.domains for e in validation[d]]
    results = evaluate_genome(ctx, None, eps, "stage1_validation")
    summary = {"validation": episode_summary(results), "passed": sum(r.verdict.success for r in results),
               "total": len(results)}
    ctx.log.update_run(stage1=summary, progress={"stage": 2, "generation": 0})
    ctx.log.event("stage1_done", passed=summary["passed"], total=summary["total"])
    ctx.rep.line(f"stage 1: stem genome passed {summary['passed']}/{summary['total']} validation episodes "
                 f"({100 * summary['passed'] / max(1, summary['total']):.0f}%)")
