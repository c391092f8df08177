"""A mature cell as a library: load a saved genome and solve tasks with its organs, in the same sandbox
and through the same episode runner as training. `stem infer` and `stem organ run` are thin layers
over this module.

    import stem
    cell = stem.load_cell("genomes/mature_cell.json")
    print(cell.solve("examples/inference/public/trade_infer_001").artifact)

A task is an episode's public folder (or its manifest.json), with or without a private answer beside
it (`../../private/<id>/expected.json`), or an Episode. Every artifact is checked against the task's
output contract; it is scored when the answer is there or when the domain scores from public data.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from stem.agent import StemAgent
from stem.benchmark import answers, domains, splits, store
from stem.benchmark.episode import EpisodeResult
from stem.benchmark.episode_model import Episode
from stem.benchmark.verdict import Verdict, failed_verdict
from stem.config import Settings, load_settings
from stem.errors import StemError
from stem.genome_store import genome_organs
from stem.jsonio import write_json
from stem.runtime.sandbox import Sandbox
from stem.runtime.validator import validate

Task = Episode | Path | str


@dataclass
class Solution:
    """What a cell made of one task. `verdict` is None when nothing could score the artifact (a
    public-only task whose domain needs the private answer); `valid` says whether the episode ran to
    its end with an artifact that keeps the output contract and a trace on every turn."""
    episode_id: str
    domain: str
    artifact: Any
    verdict: Verdict | None
    valid: bool
    problems: list[str] = field(default_factory=list)
    trace: list[dict] = field(default_factory=list)  # [{"turn": n, "trace": [...]}] as the organ returned them
    limitations: Any = None
    turns_run: int = 0
    isolation: list[str] = field(default_factory=list)
    failure: dict | None = None
    note: str = ""  # why there is no verdict, when there is none
    output: list[dict] = field(default_factory=list)  # [{"turn", "stdout", "stderr"}]: what the organ printed
    output_more: int = 0  # turns with output beyond those kept

    @property
    def verified(self) -> bool:
        return self.verdict is not None

    @property
    def ok(self) -> bool:
        """A valid artifact that no verdict fails (exit 0 of `stem infer`)."""
        return self.valid and (self.verdict is None or self.verdict.success)

    def row(self) -> dict:
        """One line of a split's report: no artifact, no trace."""
        return {"episode": self.episode_id, "domain": self.domain, "success": self.ok,
                "score": round(self.verdict.score, 4) if self.verdict else None,
                "tags": self.verdict.tags if self.verdict else [], "valid": self.valid, "verified": self.verified}

    def as_dict(self) -> dict:
        return {"episode": self.episode_id, "domain": self.domain, "ok": self.ok, "valid": self.valid,
                "verified": self.verified, "artifact": self.artifact,
                "verdict": self.verdict.model_dump() if self.verdict else None, "problems": self.problems,
                "limitations": self.limitations, "trace": self.trace, "turns_run": self.turns_run,
                "isolation": self.isolation, "failure": self.failure, "note": self.note,
                "organ_output": self.output, "organ_output_more_turns": self.output_more}


def solution_of(episode: Episode, result: EpisodeResult, layers: list[str]) -> Solution:
    """The runner's result read as an answer to a task: the contract check, and the verdict when one exists."""
    problems = []
    if result.failure:
        problems.append(f"{result.failure['tag']}: {result.failure['message']} (turn {result.failure['turn']})")
    else:
        problems += answers.contract_problems(result.artifact, episode.manifest.output_contract)
        untraced = [t["turn"] for t in result.traces if not t["trace"]]
        if untraced:
            problems.append(f"no trace on turns {untraced}: every turn's response needs 'trace' steps")
    scored = result.failure is not None or result.artifact is None or answers.can_score(episode)
    return Solution(episode.episode_id, episode.domain, result.artifact, result.verdict if scored else None,
                    not problems, problems, result.traces, result.limitations, result.turns_run, layers,
                    result.failure, "" if scored else f"not verified: {answers.unscored_reason(episode)}",
                    result.outputs, result.outputs_more)


def no_organ(episode_id: str, domain: str, known: Iterable[str]) -> Solution:
    """A task of a domain the cell has no organ for: the bare stem cell cannot make a checkable answer."""
    message = (f"the genome has no organ for domain '{domain}' (it has: {', '.join(sorted(known)) or 'none'}); "
               "nothing executable can produce a verifiable answer")
    return Solution(episode_id, domain, None, failed_verdict("unverifiable_inference", message), False, [message])


class Cell:
    """Organs by domain (source text, already hash-checked or validated), run in the sandbox."""

    def __init__(self, organs: dict[str, str], unsafe: bool = False, name: str = "cell"):
        self.organs, self.unsafe, self.name = dict(organs), unsafe, name

    @property
    def domains(self) -> list[str]:
        return sorted(self.organs)

    def solve(self, task: Task, trace_dir: Path | None = None) -> Solution:
        """One task: an Episode, an episode's public folder, or its manifest.json."""
        return self.solve_all([task], lambda ep: trace_dir)[0]

    def solve_all(self, tasks: Iterable[Task], trace_dir: Callable[[Episode], Path | None] = lambda ep: None,
                  on_done: Callable[[Solution], None] = lambda s: None) -> list[Solution]:
        """Several tasks in one sandbox (its workers are started once), in order."""
        out: list[Solution] = []
        with ExitStack() as stack:
            sandbox: Sandbox | None = None
            for task in tasks:
                episode = read_task(task, self.organs)
                if isinstance(episode, Solution):
                    out.append(episode)
                else:
                    if sandbox is None:  # started at the first task an organ answers
                        sandbox = stack.enter_context(Sandbox(unsafe_no_isolation=self.unsafe, prestart=1))
                    result = StemAgent(sandbox, self.organs).run_episode(episode, trace_dir(episode))
                    out.append(solution_of(episode, result, sandbox.layers))
                on_done(out[-1])
        return out


def read_task(task: Task, organs: dict[str, str]) -> Episode | Solution:
    """The episode a task names; a Solution right away when no organ can answer its domain."""
    if isinstance(task, Episode):
        return task if task.domain in organs else no_organ(task.episode_id, task.domain, organs)
    path = Path(task)
    public = path if path.is_dir() else path.parent
    mpath = public / store.MANIFEST
    if not mpath.is_file() or (not path.is_dir() and path.name != store.MANIFEST):
        raise StemError(f"{task}: not a task; pass an episode's public folder or its {store.MANIFEST}")
    manifest = store.read_manifest(mpath)
    try:
        domain = domains.domain_name(manifest.domain)
    except StemError:  # a domain stem does not know: no organ can exist for it
        return no_organ(manifest.episode_id, manifest.domain, organs)
    if domain not in organs:
        return no_organ(manifest.episode_id, manifest.domain, organs)
    return store.read_episode(public)


def load_cell(path: Path | str = "genomes/mature_cell.json", config: Path | str | None = None,
              unsafe: bool = False) -> Cell:
    """A saved genome (organs sha256-checked) as a Cell. `config` (default ./config.yaml, if any) names
    the folders of the project's own domains."""
    domains.discover_for(load_settings(Path(config) if config is not None else None))
    return genome_cell(path, unsafe)


def genome_cell(path: Path | str, unsafe: bool = False) -> Cell:
    """A saved genome as a Cell, for a caller that has loaded the project's domains already."""
    return Cell(genome_organs(Path(path)), unsafe, Path(path).stem)


def organ_cell(source: str, domain: str, origin: str, unsafe: bool = False) -> Cell:
    """One organ file as a cell for `domain`, refused before it runs when the validator rejects it."""
    report = validate(source)
    if not report.ok:
        raise StemError(f"{origin}: rejected by the validator: {report.summary(2)}; see `stem organ check`")
    return Cell({domains.domain_name(domain): source}, unsafe, Path(origin).stem)


def write_artifact(solution: Solution, out: Path) -> bool:
    """The artifact as JSON at `out`, atomically (the old file stays on any failure). An invalid artifact
    is not written: False, for the caller to say so."""
    if not solution.valid:
        return False
    write_json(Path(out), solution.artifact)
    return True


def benchmark_episodes(settings: Settings, which: str, domain: str) -> tuple[list[Episode], list[int]]:
    """The episodes of the named splits for the named domains, and the hidden split's fresh seeds."""
    chosen = {"validation": ["validation"], "test": ["test"], "train": ["train"],
              "all": ["train", "validation", "test"]}.get(which)
    if chosen is None:
        raise StemError(f"unknown benchmark '{which}'; use validation, test, train or all")
    names = domains.domain_names(domain)
    episodes: list[Episode] = []
    test_seeds: list[int] = []
    for split in chosen:
        specs = splits.split_specs(settings, split)
        if split == "test":
            test_seeds = [s for s, _ in specs]
        for name in names:
            episodes += [domains.generate(name, seed, level, split)
                         for seed, level in splits.for_domain(settings, specs, name)]
    return episodes, test_seeds
