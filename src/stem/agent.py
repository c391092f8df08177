"""StemAgent: route an episode's domain to the genome's organ and run its turns through the sandbox
(one organ session per episode by default; see runtime/organ_turn.py).

A domain without an organ is attempted by the bare stem cell: it reads every turn but has no
runtime organ, so its final answer cannot be verified (tag unverifiable_inference).
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path

from stem.benchmark.episode import EpisodeResult, EpisodeRunner, TurnFailure, TurnFn
from stem.benchmark.episode_model import Episode
from stem.runtime.organ_turn import organ_turn
from stem.runtime.sandbox import Sandbox
from stem.turn_records import RecordPlace

TraceTarget = Path | RecordPlace | None


def stem_turn(domain: str) -> TurnFn:
    def turn(observation: dict) -> dict:
        if observation["final_turn"]:
            raise TurnFailure("unverifiable_inference",
                              f"no runtime organ for {domain}: the stem cell read every turn but has nothing "
                              "executable to produce a verifiable artifact")
        seen = observation["memory"].get("turns_read", 0) + 1
        return {"memory": {"turns_read": seen}}

    return turn


class StemAgent:
    def __init__(self, sandbox: Sandbox, organs: dict[str, str]):
        """`organs` maps domain id -> organ source (already hash-checked by the genome loader)."""
        self.sandbox = sandbox
        self.organs = organs

    def run_episode(self, episode: Episode, trace_dir: TraceTarget = None) -> EpisodeResult:
        source = self.organs.get(episode.domain)
        if source is None:
            return EpisodeRunner(episode, trace_dir).run(stem_turn(episode.domain))
        episode_dir = self.sandbox.stage(episode.public_files)
        turn = organ_turn(self.sandbox, source, episode_dir, check=False)
        try:
            return EpisodeRunner(episode, trace_dir, self.sandbox.artifacts_dir(episode_dir)).run(turn)
        finally:
            turn.close()  # the episode's organ session (if one was opened) ends with the episode

    def run_episodes(self, episodes: list[Episode], trace_dir: Callable[[Episode], TraceTarget],
                     workers: int = 1, on_done: Callable[[EpisodeResult], None] = lambda r: None) -> list[EpisodeResult]:
        """Several episodes at once (`workers` threads, each driving its own sandboxed calls); results
        come back in the episodes' order, whatever order they finish in."""
        if workers <= 1 or len(episodes) <= 1:
            out = []
            for ep in episodes:
                out.append(self.run_episode(ep, trace_dir(ep)))
                on_done(out[-1])
            return out
        results: dict[int, EpisodeResult] = {}
        with ThreadPoolExecutor(max_workers=min(workers, len(episodes)), thread_name_prefix="stem-episode") as pool:
            futures = {pool.submit(self.run_episode, ep, trace_dir(ep)): i for i, ep in enumerate(episodes)}
            for fut in as_completed(futures):
                results[futures[fut]] = fut.result()
                on_done(results[futures[fut]])
        return [results[i] for i in range(len(episodes))]
