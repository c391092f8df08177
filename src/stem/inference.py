"""`stem infer`: run a saved genome on one task manifest, or on benchmark splits, and report verdicts."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from stem.agent import StemAgent
from stem.benchmark import domains, splits, store
from stem.benchmark.episode import EpisodeResult
from stem.benchmark.manifest import parse_manifest
from stem.benchmark.verdict import failed_verdict
from stem.config import Settings
from stem.errors import StemError
from stem.genome_store import load_genome, organ_source
from stem.runtime.sandbox import Sandbox


def _organs(genome_path: Path) -> dict[str, str]:
    genome = load_genome(genome_path)
    return {d: organ_source(genome_path, c.organ) for d, c in genome.capabilities.items()}


def infer_task(genome_path: Path, task_file: Path, unsafe: bool = False) -> EpisodeResult:
    """A task is an episode's manifest.json (or its public directory) with private/ beside public/."""
    task_file = Path(task_file)
    public = task_file if task_file.is_dir() else task_file.parent
    mpath = public / store.MANIFEST
    if not mpath.is_file():
        raise StemError(f"{task_file}: not a task manifest; pass an episode's manifest.json or its public directory")
    manifest = parse_manifest(mpath.read_text(encoding="utf-8"), str(mpath))
    organs = _organs(genome_path)
    try:
        domain = domains.domain_name(manifest.domain)
    except StemError:  # a domain stem does not know: no organ can exist for it
        domain = manifest.domain
    if domain not in organs:
        known = ", ".join(sorted(organs)) or "none"
        verdict = failed_verdict("unverifiable_inference",
                                 f"the genome has no organ for domain '{manifest.domain}' (it has: {known}); "
                                 "nothing executable can produce a verifiable answer")
        return EpisodeResult(manifest.episode_id, manifest.domain, verdict, 0)
    episode = store.read_episode(public)
    with Sandbox(unsafe_no_isolation=unsafe, prestart=1) as sandbox:
        return StemAgent(sandbox, organs).run_episode(episode)


def infer_benchmark(settings: Settings, genome_path: Path, which: str, domain: str, unsafe: bool = False,
                    on_episode: Callable[[str], None] = lambda episode_id: None) -> tuple[list[EpisodeResult], list[int]]:
    names = domains.domain_names(domain)
    chosen = {"validation": ["validation"], "test": ["test"], "train": ["train"],
              "all": ["train", "validation", "test"]}.get(which)
    if chosen is None:
        raise StemError(f"unknown benchmark '{which}'; use validation, test, train or all")
    organs = _organs(genome_path)
    results: list[EpisodeResult] = []
    test_seeds: list[int] = []
    with Sandbox(unsafe_no_isolation=unsafe, prestart=1) as sandbox:
        agent = StemAgent(sandbox, organs)
        for split in chosen:
            specs = splits.split_specs(settings, split)
            if split == "test":
                test_seeds = [s for s, _ in specs]
            for name in names:
                for seed, level in splits.for_domain(settings, specs, name):
                    results.append(agent.run_episode(domains.generate(name, seed, level, split)))
                    on_episode(results[-1].episode_id)
    return results, test_seeds
