"""`stem perf runfiles`: how many bytes a run folder holds per candidate-episode and per generation.

Two measurements, both real writes into a temporary folder:

1. Scripted runs, one per (domain, level): the real Trainer, sandbox, verifier and run directory,
   with an in-process scripted LLM answering every request with a hand-written fixture organ from
   tests/fixtures/organs/ (correct_matrix_organ.py, correct_trading_organ.py: they keep memory the
   way real organs do; written for levels 1-4, they run every turn of a level-6 episode and fail
   its checks). A run is one generation (max_epochs 1) of `population` candidates, then the
   held-out stage. Reported: bytes per candidate-episode (the
   generation's episode records plus the blobs they reference, each blob counted once), the largest
   single file, bytes per generation (generation_NNN/ plus the blobs its episodes reference), the
   generation's own files (trace.json, plan.json, ...), and the whole run folder.
2. Recorder only, synthetic many-step episodes shaped like online bin packing (one item a turn, a
   `bins` list that changes by one element a turn, a memory that grows by one entry a turn),
   written for several turn counts: bytes per turn stays flat when the records grow linearly; the
   recorder's milliseconds per turn are printed beside them.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from stem.config import Settings
from stem.errors import StemError
from stem.turn_records import CompactRecorder, RecordPlace, open_episode

FIXTURES = {"matrix_database": "correct_matrix_organ.py", "trading_floor": "correct_trading_organ.py"}
DEFAULT_CASES = ("matrix:6", "trading:6")
SYNTHETIC_TURNS = (250, 500, 1000, 2000)


def fixture_dir(settings: Settings) -> Path:
    """tests/fixtures/organs/ of the checkout this stem runs from (or of the config's folder)."""
    for root in (settings.root, Path(__file__).resolve().parents[3]):  # the project, then this checkout
        folder = Path(root) / "tests" / "fixtures" / "organs"
        if all((folder / name).is_file() for name in FIXTURES.values()):
            return folder
    raise StemError("stem perf runfiles needs the hand-written fixture organs in tests/fixtures/organs/ "
                    "(a source checkout of stem); run it from the project root")


def parse_case(text: str) -> tuple[str, int]:
    from stem.benchmark import domains
    name, _, level = text.partition(":")
    try:
        domain = domains.get(name).name
    except StemError:
        raise StemError(f"--case {text}: unknown domain '{name}'; use matrix:LEVEL or trading:LEVEL") from None
    if domain not in FIXTURES:
        raise StemError(f"--case {text}: no hand-written fixture organ for {domain}; use matrix or trading")
    if not level.isdigit() or int(level) not in domains.get(domain).levels:
        raise StemError(f"--case {text}: level must be one of {list(domains.get(domain).levels)}")
    return domain, int(level)


def _files(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file()] if folder.is_dir() else []


def _size(paths: list[Path]) -> int:
    return sum(p.stat().st_size for p in paths)


def blob_files(run: Path, episode_dirs: list[Path]) -> list[Path]:
    """The blob files the episodes in `episode_dirs` reference, each once (none in the old layout)."""
    found: set[Path] = set()
    for folder in episode_dirs:
        record = open_episode(folder)
        if record is not None:
            found.update(p for p in record.store_blobs() if p.is_file())
    return sorted(found)


def scripted_run(settings_root: Path, prompts: Path, fixtures: Path, domain: str, level: int, population: int,
                 episodes: int, extra: dict, unsafe: bool = False) -> dict:
    from stem.llm.client import LLMClient
    from stem.llm.settings import LLMSettings, Profile
    from stem.training.perf import ScriptedProvider, _Quiet
    from stem.training.shared import TrainOptions
    from stem.training.trainer import Trainer
    source = (fixtures / FIXTURES[domain]).read_text(encoding="utf-8")
    settings = Settings.model_validate({
        "root": settings_root, "paths": {"logs": "logs", "genomes": "genomes", "prompts": str(prompts)},
        "benchmark": {"difficulties": [level],
                      "splits": {"train": {"seed_start": 1000, "count": episodes},
                                 "validation": {"seed_start": 5000, "count": 4}, "test": {"count": 4}}},
        "evolution": {"population": population, "max_epochs": 1, "scout_first": False},
        "llm": {"profile": "perf", "budget": {"max_calls": 10_000, "max_tokens": 10**9, "max_usd": 1000}},
        **extra})
    provider = ScriptedProvider(0.0, source, domain)
    llm = LLMSettings(profile="perf", profiles={"perf": Profile(model="scripted")})
    client = LLMClient("perf", Profile(model="scripted"), provider, llm, None)
    Trainer(settings, TrainOptions(domain=domain, client=client, unsafe=unsafe), _Quiet()).run()
    run = next((settings_root / "logs").glob("experiment_*"))
    return measure_run(run, domain, level)


def measure_run(run: Path, domain: str, level: int) -> dict:
    from stem.benchmark import domains
    gens = sorted(run.glob("generation_*"))
    cand_eps = [ep for g in gens for c in sorted((g / "episodes").glob("c*")) for ep in sorted(c.iterdir())]
    gen_rows = []
    for g in gens:
        eps = [ep for c in sorted((g / "episodes").glob("c*")) for ep in sorted(c.iterdir())]
        own = {p.name: p.stat().st_size for p in sorted(g.iterdir()) if p.is_file()}
        gen_rows.append({"generation": int(g.name.split("_")[1]), "candidate_episodes": len(eps),
                         "bytes": _size(_files(g)) + _size(blob_files(run, eps)),
                         "episode_record_bytes": _size([f for ep in eps for f in _files(ep)]),
                         "files": own})
    record_bytes = [_size(_files(ep)) for ep in cand_eps]
    shared = _size(blob_files(run, cand_eps))
    everything = _files(run)
    turns = [len(domains.generate(domain, *domains.parse_generated_id(ep.name)[1:]).manifest.turns)
             for ep in cand_eps[:1]]
    parts: dict[str, int] = {}
    for p in everything:
        rel = p.relative_to(run).parts
        key = "generation_*/episodes" if rel[0].startswith("generation_") and rel[1] == "episodes" else \
            "generation_*/" + rel[1] if rel[0].startswith("generation_") else rel[0]
        parts[key] = parts.get(key, 0) + p.stat().st_size
    n = len(cand_eps)
    return {"domain": domain, "level": level, "turns_per_episode": turns[0] if turns else None,
            "candidate_episodes": n,
            "bytes_per_candidate_episode": round((sum(record_bytes) + shared) / n) if n else None,
            "record_bytes_per_candidate_episode": round(sum(record_bytes) / n) if n else None,
            "largest_file_bytes": max((p.stat().st_size for p in everything), default=0),
            "generations": gen_rows,
            "bytes_per_generation": round(sum(g["bytes"] for g in gen_rows) / len(gen_rows)) if gen_rows else None,
            "run_bytes": _size(everything), "run_files": len(everything), "run_parts": dict(sorted(parts.items()))}


# ---------------------------------------------------------------- recorder only: many-step episodes
def synthetic_turns(turns: int):
    """(observation, response, result) of a binpacking-shaped episode of `turns` turns, made up here
    for measurement only: one item a turn, `bins` changing by one element, a memory growing by one."""
    bins: list[int] = []
    placed: list[int] = []
    memory: dict = {}
    for t in range(1, turns + 1):
        size = 20 + (t * 37) % 81
        delta = {"items": [size], "bins": list(bins)}
        if t == 1:
            delta.update(rules="bin packing rules text " * 60, capacity=150, item_count=turns)
        obs = {"domain_id": "synthetic_bins", "episode_id": f"synthetic-{turns}", "turn": t, "turn_count": turns,
               "final_turn": t == turns, "event": "data", "delta": delta, "memory": memory, "artifacts_dir": "/episode"}
        choice = next((i for i, left in enumerate(bins) if left >= size), -1)
        if choice == -1:
            bins.append(150 - size)
        else:
            bins[choice] -= size
        placed = placed + [choice if choice >= 0 else len(bins) - 1]
        memory = {"placed": placed, "open": len(bins)}
        response = {"memory": memory, "trace": [f"item {size} -> bin {placed[-1]}"], "action": {"place": [choice]}}
        yield t, obs, response, {"placements": [{"item": size, "bin": placed[-1]}]}


def synthetic_recorder(tmp: Path) -> CompactRecorder:
    return CompactRecorder(RecordPlace(tmp / "episode", tmp / "blobs", "all"))


def synthetic(turn_counts: tuple[int, ...]) -> list[dict]:
    rows = []
    for turns in turn_counts:
        with tempfile.TemporaryDirectory(prefix="stem-perf-runfiles-") as tmp:
            recorder = synthetic_recorder(Path(tmp))
            spent = 0.0
            for t, obs, response, result in synthetic_turns(turns):
                start = time.perf_counter()
                recorder.turn(t, obs, response, result)
                spent += time.perf_counter() - start
            start = time.perf_counter()
            recorder.verdict({"success": False, "score": 0.0, "checks": [], "tags": [], "critique": ""})
            spent += time.perf_counter() - start
            size = _size(_files(Path(tmp)))
        rows.append({"turns": turns, "bytes": size, "bytes_per_turn": round(size / turns, 1),
                     "recorder_ms_per_turn": round(1000 * spent / turns, 3)})
    return rows


def measure(prompts: Path, settings: Settings, cases: list[str], population: int, episodes: int,
            turn_counts: tuple[int, ...], keep: str = "all", unsafe: bool = False) -> dict:
    """`keep`: logs.keep_turns of the scripted runs (all: every episode's turns, the size of a record;
    under failing, the default, an episode the fixture passes keeps only its verdict line)."""
    fixtures = fixture_dir(settings)
    parsed = [parse_case(c) for c in cases]
    rows = []
    for domain, level in parsed:
        with tempfile.TemporaryDirectory(prefix="stem-perf-runfiles-") as tmp:
            rows.append(scripted_run(Path(tmp), prompts, fixtures, domain, level, population, episodes,
                                     {"logs": {"keep_turns": keep}}, unsafe))
    return {"population": population, "train_episodes": episodes, "keep_turns": keep, "cases": rows,
            "synthetic": synthetic(turn_counts)}
