"""What `stem train` checks before Stage 1 runs and before a run folder exists: a mistake on the command
line or in the config file is one line (exit 2) that names where it is, never a junk run folder with a
`--resume` hint. Checked here: the domains and the levels they offer, the input folders, the prompt
templates, the LLM profile and the replay source, the executor. Not checked here: whether an API key
or a local server is there (a run without an LLM still runs Stage 1 and then says how to continue)."""

from __future__ import annotations

import importlib.util
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from stem.benchmark import domains as domainlib
from stem.config import Settings
from stem.errors import StemError
from stem.evolution.prompts import load_templates
from stem.llm import records
from stem.runlog import RunLog
from stem.training.shared import TrainOptions

EXECUTORS = ("local", "ray")


@dataclass
class Checked:
    """What the checks resolved: the domains to train, the prompt templates, and one-line notes to show."""
    domains: list[str]
    templates: dict[str, str]
    notes: list[str] = field(default_factory=list)


def check(settings: Settings, opts: TrainOptions) -> Checked:
    domainlib.discover_for(settings)
    names = _domains(opts)
    _folders(settings)
    templates = load_templates(settings.path("prompts"))
    notes = [note for name in names if (note := level_note(settings, name))]
    if opts.client is None:
        _llm(settings, opts)
    _executor(settings, opts)
    return Checked(names, templates, notes)


def _domains(opts: TrainOptions) -> list[str]:
    if opts.resume is None:
        return domainlib.domain_names(opts.domain)
    state = RunLog(Path(opts.resume)).read_run()  # not a run: one line naming the file
    return [domainlib.domain_name(d) for d in state["domains"]]


def _folders(settings: Settings) -> None:
    """The folders a run reads from must exist; a relative path is taken from the config file's folder.
    (Plugin folders, domains.paths, are optional: `stem domain new` creates the first one.)"""
    wanted = [("paths.prompts", settings.path("prompts"))]
    if "benchmarks" in settings.paths.model_fields_set:
        wanted.append(("paths.benchmarks", settings.path("benchmarks")))
    for key, path in wanted:
        if not path.is_dir():
            where = (f"paths in a config file are relative to its folder, {settings.root}" if settings.config_file
                     else f"with no config.yaml, paths are relative to the current folder, {settings.root}")
            raise StemError(f"{settings.origin}: {key} is {path}, which is not a folder ({where}); fix {key}"
                            + (f" in {settings.config_file}" if settings.config_file else " or pass --config"))


def level_note(settings: Settings, name: str) -> str | None:
    """None when the domain offers every configured level; one line when it offers only some; a
    StemError when it offers none of them."""
    wanted = settings.benchmark.difficulties
    offered = list(domainlib.get(name).levels)
    used = [lv for lv in wanted if lv in offered]
    if not used:
        raise StemError(f"{settings.origin}: benchmark.difficulties {wanted}: domain {name} offers levels "
                        f"{offered} only; list at least one of them in benchmark.difficulties")
    if len(used) < len(wanted):
        return (f"note: domain {name} offers levels {offered}; of benchmark.difficulties {wanted} it trains "
                f"on {sorted(set(used))}")
    return None


def _llm(settings: Settings, opts: TrainOptions) -> None:
    name = opts.llm or settings.llm.profile
    named = "--llm" if opts.llm else f"llm.profile in {settings.origin}"
    if name != "auto" and name not in settings.llm.profiles:
        raise StemError(f"unknown LLM profile '{name}' ({named}); configured: {', '.join(sorted(settings.llm.profiles))} "
                        f"(add it under llm.profiles in {settings.config_file or 'config.yaml'})")
    profile = settings.llm.profiles.get(name)
    replaying = profile is not None and profile.provider == "replay"
    if opts.replay_from is not None and not replaying:
        raise StemError("--replay-from is read only by a replay profile; add --llm replay")
    if replaying:
        records.replay_source(opts.replay_from, require_answers=True)
    if profile is not None and profile.provider == "command":
        if not profile.command:
            raise StemError(f"LLM profile '{name}' has no command; set llm.profiles.{name}.command in "
                            f"{settings.config_file or 'config.yaml'}")
        if shutil.which(profile.command[0]) is None:
            raise StemError(f"LLM profile '{name}': command not found: {profile.command[0]}; install it or fix "
                            f"llm.profiles.{name}.command in {settings.config_file or 'config.yaml'}")


def _executor(settings: Settings, opts: TrainOptions) -> None:
    kind = opts.executor or settings.evolution.executor
    if kind not in EXECUTORS:
        raise StemError(f"unknown executor '{kind}'; use local or ray")
    if kind == "ray" and importlib.util.find_spec("ray") is None:
        raise StemError("--executor ray needs Ray: pip install 'stem[ray]' (or pip install ray)")
    if opts.ray_address and kind != "ray":
        raise StemError("--ray-address is used only with --executor ray; add --executor ray")
