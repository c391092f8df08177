"""binpacking through the EpisodeRunner, in process (the sandbox changes nothing about what an organ
decides): the reference played by the domain's reference agent against its own environment on N
episodes per level (it must pass every one), and the hand-written First Fit and Best Fit fixture organs
on M episodes per level: the share that fails, and their mean excess.

    python tests/perf/binpacking_levels.py [--episodes 200] [--organ-episodes 50] [--seed 0] [--json]

Also prints the runner's seconds per episode (reference) so the in-process cost of a 5,002-turn
episode is visible beside the sandbox's per-turn cost."""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from stem.benchmark import domain_check, domains
from stem.benchmark.binpacking import DOMAIN
from stem.benchmark.episode import EpisodeRunner

ORGANS = Path(__file__).resolve().parents[2] / "tests" / "fixtures" / "organs"


def organ(fixture: str):
    namespace: dict = {}
    exec(compile((ORGANS / fixture).read_text(), fixture, "exec"), namespace)
    return namespace["run"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--episodes", type=int, default=200)
    parser.add_argument("--organ-episodes", type=int, default=50)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    fixtures = {"first_fit": organ("first_fit_binpacking_organ.py"), "best_fit": organ("best_fit_binpacking_organ.py")}
    rows = []
    for level in DOMAIN.levels:
        ref_pass, seconds = 0, []
        fails = {name: 0 for name in fixtures}
        excess = {name: 0.0 for name in fixtures}
        for seed in range(args.seed, args.seed + args.episodes):
            ep = domains.generate("binpacking", seed, level)
            start = time.perf_counter()
            result, odd = domain_check.play_reference(DOMAIN, ep)
            seconds.append(time.perf_counter() - start)
            ref_pass += result.verdict.success and not odd
            if seed < args.seed + args.organ_episodes:
                for name, run in fixtures.items():
                    verdict = EpisodeRunner(ep).run(run).verdict
                    fails[name] += not verdict.success
                    excess[name] += verdict.details.get("excess", 0.0)
        m = min(args.organ_episodes, args.episodes)
        row = {"level": level, "episodes": args.episodes, "reference_passes": ref_pass,
               "reference_seconds_mean": round(sum(seconds) / len(seconds), 3), "organ_episodes": m}
        if m:  # --organ-episodes 0 measures the reference alone
            row.update({f"{name}_fail_share": round(fails[name] / m, 3) for name in fixtures})
            row.update({f"{name}_excess_pct": round(100 * excess[name] / m, 3) for name in fixtures})
        rows.append(row)
        if not args.json:
            organs = (f"; over {m} episodes First Fit fails {row['first_fit_fail_share']:.0%} (excess "
                      f"{row['first_fit_excess_pct']} %), Best Fit fails {row['best_fit_fail_share']:.0%} (excess "
                      f"{row['best_fit_excess_pct']} %)") if m else ""
            print(f"level {level}: reference passes {ref_pass}/{args.episodes} "
                  f"({row['reference_seconds_mean']} s/episode in process){organs}", flush=True)
    if args.json:
        print(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
