"""Calibration of the binpacking domain's private side: First Fit, Best Fit and the reference heuristic
on generated episodes (stem.benchmark.binpacking_reference.episode_instance, seeds 0..N-1 per level),
plus FunSearch's table setting (20 OR3-like instances, 5 Weibull 5k instances, seeds of their own).

    python tests/perf/binpacking_calibration.py [--episodes 200] [--kappa K] [--beta B] [--json]

Without --kappa/--beta each level uses its pass-bar strength (binpacking_reference.LEVEL_PARAMS).

Prints, per level: mean excess of First Fit, Best Fit, the reference (knowing the level's distribution)
and the reference learning the distribution from the sizes seen; the reference's reduction of excess
against Best Fit; the share of episodes where First Fit / Best Fit use at most as many bins as the
reference (would pass); the reference's mean and worst seconds per episode through ``pack``."""

from __future__ import annotations

import argparse
import json
import random
import time

from stem.benchmark.binpacking_reference import (
    LEVELS, ReferenceParams, episode_instance, level_params, excess, generate_instance, level_spec, lower_bound, pack,
    pack_best_fit, pack_first_fit, pack_reference, reference_packer,
)


def measure(instances, level, params):
    spec = level_spec(level)
    sums = {"ff": 0.0, "bf": 0.0, "ref": 0.0, "learned": 0.0}
    ff_pass = bf_pass = 0
    seconds = []
    for inst in instances:
        bound = lower_bound(inst.sizes, inst.capacity)
        ff = len(pack_first_fit(inst.sizes, inst.capacity))
        bf = len(pack_best_fit(inst.sizes, inst.capacity))
        start = time.perf_counter()
        ref = len(pack(inst.sizes, inst.capacity, reference_packer(spec, params)))
        seconds.append(time.perf_counter() - start)
        learned = len(pack_reference(inst.sizes, inst.capacity, None, params))
        for key, used in (("ff", ff), ("bf", bf), ("ref", ref), ("learned", learned)):
            sums[key] += excess(used, bound)
        ff_pass += ff <= ref
        bf_pass += bf <= ref
    n = len(instances)
    mean = {key: 100 * value / n for key, value in sums.items()}
    return {
        "episodes": n, "items": spec.item_count, "distribution": spec.distribution.kind,
        "first_fit_excess_pct": round(mean["ff"], 3), "best_fit_excess_pct": round(mean["bf"], 3),
        "reference_excess_pct": round(mean["ref"], 3), "reference_learned_excess_pct": round(mean["learned"], 3),
        "reduction_vs_best_fit_pct": round(100 * (1 - mean["ref"] / mean["bf"]), 1) if mean["bf"] else None,
        "first_fit_pass_share": round(ff_pass / n, 3), "best_fit_pass_share": round(bf_pass / n, 3),
        "reference_seconds_mean": round(sum(seconds) / n, 4), "reference_seconds_max": round(max(seconds), 4),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--episodes", type=int, default=200)
    parser.add_argument("--kappa", type=float, default=None, help="one kappa for every level")
    parser.add_argument("--beta", type=float, default=None, help="one beta for every level")
    parser.add_argument("--levels", default=",".join(map(str, LEVELS)))
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    def params_for(level: int) -> ReferenceParams:
        base = level_params(level)
        return ReferenceParams(kappa=base.kappa if args.kappa is None else args.kappa,
                               beta=base.beta if args.beta is None else args.beta)
    rows = {}
    for level in (int(x) for x in args.levels.split(",")):
        episodes = [episode_instance(seed, level) for seed in range(args.episodes)]
        rows[f"level {level}"] = measure(episodes, level, params_for(level))
    or3 = [generate_instance(3, random.Random(f"or3:{i}")) for i in range(20)]
    rows["OR3 x20"] = measure(or3, 3, params_for(3))
    weibull5k = [generate_instance(5, random.Random(f"weibull5k:{i}")) for i in range(5)]
    rows["Weibull 5k x5"] = measure(weibull5k, 5, params_for(5))
    if args.json:
        print(json.dumps({"params": {lv: vars(params_for(lv)) for lv in LEVELS}, "rows": rows}, indent=2))
        return
    print("reference params: " + ", ".join(f"level {lv} kappa={params_for(lv).kappa:g} beta={params_for(lv).beta:g}"
                                           for lv in LEVELS) + f"; level rows: seeds 0..{args.episodes - 1}")
    head = ("row", "dist", "items", "eps", "FF %", "BF %", "ref %", "ref-learned %", "ref vs BF", "FF pass", "BF pass",
            "ref s mean", "ref s max")
    print(" | ".join(head))
    for name, r in rows.items():
        print(" | ".join(str(x) for x in (
            name, r["distribution"], r["items"], r["episodes"], f'{r["first_fit_excess_pct"]:.2f}',
            f'{r["best_fit_excess_pct"]:.2f}', f'{r["reference_excess_pct"]:.2f}',
            f'{r["reference_learned_excess_pct"]:.2f}', f'{-r["reduction_vs_best_fit_pct"]:+.1f}%',
            f'{100 * r["first_fit_pass_share"]:.1f}%', f'{100 * r["best_fit_pass_share"]:.1f}%',
            f'{r["reference_seconds_mean"]:.3f}', f'{r["reference_seconds_max"]:.3f}')))


if __name__ == "__main__":
    main()
