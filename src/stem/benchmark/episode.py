"""EpisodeRunner: drive any agent through an episode's turn schedule and hand the result to the verifier.

The runner is agent-agnostic: it takes `turn(observation) -> response` (see stem.turn_protocol). It
carries memory between turns, asks the episode's environment (when its domain keeps one) what to add
to each turn's delta and hands it each response's action, records every turn through a recorder,
and turns every way an agent can fail into its own tag.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from stem.benchmark import answers, domains
from stem.benchmark.domain_api import ActionFailure, Domain, Environment
from stem.benchmark.episode_model import Episode
from stem.benchmark.manifest import turn_delta
from stem.benchmark.verdict import Check, Verdict, add_checks, build_verdict, check, failed_verdict
from stem.errors import StemError
from stem.turn_protocol import TurnFailure, TurnFn, TurnReply, check_response
from stem.turn_records import RecordPlace, TurnFiles, recorder_for

__all__ = ["EpisodeResult", "EpisodeRunner", "TurnFailure", "TurnFn", "TurnReply", "TurnRecorder", "TurnFiles",
           "build_observation", "parse_response"]


@dataclass
class EpisodeResult:
    episode_id: str
    domain: str
    verdict: Verdict
    turns_run: int
    artifact: Any = None
    record: Any = None  # what the episode's environment recorded (security: the probe log)
    failure: dict | None = None
    traces: list[dict] = field(default_factory=list)  # {"turn", "trace"}: the organ's trace list of each turn
    limitations: Any = None  # what the final turn's response says the artifact does not cover
    outputs: list[dict] = field(default_factory=list)  # {"turn", "stdout", "stderr"}: what the organ printed
    outputs_more: int = 0  # turns with output beyond the first OUTPUT_TURNS_KEPT


class TurnRecorder(Protocol):
    """Where the runner puts what happened. `response` is the organ's parsed response, {"raw": text}
    when it was not a JSON object, or None when the turn produced no response at all. The default
    recorder (stem.turn_records.CompactRecorder) copies what it is given at once."""

    def turn(self, turn: int, observation: dict, response: dict | None, result: dict) -> None: ...

    def verdict(self, verdict: dict) -> None: ...


def parse_response(raw: Any) -> tuple[dict | None, str | None, str]:
    """(response, failure tag, message). JSON text is accepted; the response must then keep the
    organ contract's shape (stem.turn_protocol.check_response, the check the sandbox makes too)."""
    if isinstance(raw, (str, bytes)):
        try:
            raw = json.loads(raw)
        except (json.JSONDecodeError, UnicodeDecodeError, RecursionError) as exc:
            return None, "non_json_output", f"the response is not JSON ({exc})"
    if raw is None:
        return None, "multi_turn_collapse", "no response: the agent stopped before the episode ended"
    problem = check_response(raw)
    if problem:
        return None, "malformed_response", problem
    return raw, None, ""


FRESH = "fresh"


def build_observation(episode: Episode, turn: int, memory: dict, env: Environment | None | str = FRESH,
                      artifacts_dir: str = "") -> dict[str, Any]:
    """The observation an organ receives on `turn`: the loaders' delta, what the environment adds
    (its answers to the previous action, its state), the output contract on the final turn. The
    runner passes its episode's environment and calls this for the turns in order; the default, a
    fresh environment, shows a turn as an organ that never acted would see it (prompt samples)."""
    m = episode.manifest
    if env == FRESH:
        env = domains.environment(episode)
    spec = m.turns[turn - 1]
    delta = turn_delta(spec, episode.public_files)
    is_final = spec.turn == m.turns[-1].turn
    if env is not None:
        delta.update(env.observe(spec.turn, delta, is_final))
    if is_final:
        delta["output_contract"] = m.output_contract.model_dump()
    return {"domain_id": m.domain, "episode_id": m.episode_id, "turn": spec.turn, "turn_count": len(m.turns),
            "final_turn": is_final, "event": spec.event, "delta": delta, "memory": memory,
            "artifacts_dir": artifacts_dir}


OUTPUT_TURNS_KEPT = 20  # an episode's result keeps what the organ printed on this many turns (every turn's is recorded)


@dataclass
class _TurnOutcome:
    failure: dict | None
    memory: dict
    artifact: Any = None
    limitations: Any = None
    steps: list | None = None  # the organ's trace on this turn (None: it gave no response)
    output: dict | None = None  # what the organ printed on this turn


class EpisodeRunner:
    """`domain` is the Domain that owns the episode (default: the registry's, by the manifest's domain
    id); `stem domain check` passes one that is not registered."""

    def __init__(self, episode: Episode, trace_dir: Path | RecordPlace | None = None, artifacts_dir: str = "",
                 recorder: TurnRecorder | None = None, domain: Domain | None = None):
        """`trace_dir`: where the episode's record goes (a folder: one standalone turns.jsonl.gz; a
        RecordPlace: the run's blob store and keep policy too); `recorder` replaces it."""
        self.episode = episode
        self.artifacts_dir = artifacts_dir
        self.recorder = recorder if recorder is not None else recorder_for(trace_dir)
        self.domain = domain

    def _record(self, turn: int, observation: dict, response: dict | None, result: dict) -> None:
        if self.recorder is not None:
            self.recorder.turn(turn, observation, response, result)

    def run(self, turn_fn: TurnFn) -> EpisodeResult:
        ep, m = self.episode, self.episode.manifest
        memory: dict = {}
        traces: list[dict] = []
        outputs: list[dict] = []
        outputs_more = 0
        artifact: Any = None
        limitations: Any = None
        failure: dict | None = None
        turns_run = 0
        env: Environment | None = None
        try:
            if self.domain is None:
                self.domain = domains.get(ep.domain)
            env = domains.environment_of(self.domain, ep)
        except StemError as exc:
            failure = {"tag": "environment_error", "message": str(exc), "line": None, "turn": 1}
        for spec in ([] if failure else m.turns):
            turns_run = spec.turn
            done = self._turn(turn_fn, spec.turn, memory, env)
            failure, memory, artifact, limitations = done.failure, done.memory, done.artifact, done.limitations
            if done.steps is not None:
                traces.append({"turn": spec.turn, "trace": done.steps})
            if done.output and len(outputs) < OUTPUT_TURNS_KEPT:
                outputs.append({"turn": spec.turn, **done.output})
            elif done.output:
                outputs_more += 1
            if failure:
                break
        record = None
        if env is not None:
            try:
                record = env.record()
            except Exception as exc:  # a domain's bug fails the episode, never the run
                failure = failure or {"tag": "environment_error", "line": None, "turn": turns_run,
                                      "message": f"domain {ep.domain}: environment record() raised "
                                                 f"{type(exc).__name__}: {str(exc)[:200]}"}
        verdict = self._verdict(failure, artifact, record, traces, turns_run)
        if self.recorder is not None:
            self.recorder.verdict(verdict.model_dump())
        return EpisodeResult(m.episode_id, m.domain, verdict, turns_run, artifact, record, failure, traces, limitations,
                             outputs, outputs_more)

    def _turn(self, turn_fn: TurnFn, turn: int, memory: dict, env: Environment | None) -> _TurnOutcome:
        """One turn: the failure that ends the episode (or None), the memory to carry, the artifact."""
        m = self.episode.manifest
        final_turn = m.turns[-1].turn
        try:
            observation = build_observation(self.episode, turn, memory, env, self.artifacts_dir)
        except Exception as exc:  # the environment's observe() is domain code
            failure = {"tag": "environment_error", "line": None, "turn": turn,
                       "message": f"domain {self.episode.domain}: environment observe() raised "
                                  f"{type(exc).__name__}: {str(exc)[:200]}"}
            self._record(turn, {"turn": turn}, None, {"failure": failure})
            return _TurnOutcome(failure, memory)
        is_final = observation["final_turn"]
        output = None
        try:
            raw = turn_fn(observation)
        except TurnFailure as exc:
            failure = {"tag": exc.tag, "message": exc.message, "line": exc.line, "turn": turn}
            self._record(turn, observation, None, {"failure": failure, **({"output": exc.output} if exc.output else {})})
            return _TurnOutcome(failure, memory, output=exc.output)
        except Exception as exc:  # the agent's bug, not ours: record it, do not crash the harness
            failure = {"tag": "runtime_exception", "message": f"{type(exc).__name__}: {exc}", "line": None, "turn": turn}
            self._record(turn, observation, None, {"failure": failure})
            return _TurnOutcome(failure, memory)
        if isinstance(raw, TurnReply):
            raw, output = raw.response, raw.output
        base: dict[str, Any] = {"output": output} if output else {}
        response, tag, message = parse_response(raw)
        shown = response if response is not None else {"raw": str(raw)[:4000]}
        if tag:
            if tag == "multi_turn_collapse":
                message += f" (turn {turn} of {final_turn}; the episode needs at least {m.min_turns} turns)"
            failure = {"tag": tag, "message": message, "line": None, "turn": turn}
            self._record(turn, observation, shown, {**base, "failure": failure})
            return _TurnOutcome(failure, memory, output=output)
        steps = response.get("trace") if isinstance(response.get("trace"), list) else []
        if not is_final and "artifact" in response:
            failure = {"tag": "multi_turn_collapse", "line": None, "turn": turn,
                       "message": f"final artifact submitted on turn {turn}, before the final turn "
                                  f"{final_turn} (the episode needs at least {m.min_turns} turns)"}
            self._record(turn, observation, response, {**base, "failure": failure})
            return _TurnOutcome(failure, memory, steps=steps, output=output)
        result: dict[str, Any] = dict(base)
        action = response.get("action") or None
        if env is not None:
            try:
                result.update(env.act(turn, action, is_final))
            except ActionFailure as exc:
                failure = {"tag": exc.tag, "message": exc.message, "line": None, "turn": turn}
                self._record(turn, observation, response, {**result, "failure": failure})
                return _TurnOutcome(failure, memory, steps=steps, output=output)
            except Exception as exc:  # domain code: its bug fails this episode with the reason
                failure = {"tag": "environment_error", "line": None, "turn": turn,
                           "message": f"domain {self.episode.domain}: environment act() raised "
                                      f"{type(exc).__name__}: {str(exc)[:200]}"}
                self._record(turn, observation, response, {**result, "failure": failure})
                return _TurnOutcome(failure, memory, steps=steps, output=output)
        elif action:
            result["action_notes"] = [f"domain {self.episode.domain} answers no actions; the action was ignored"]
        artifact = limitations = None
        if is_final:
            artifact, limitations = response.get("artifact"), response.get("limitations")
            result["limitations"] = limitations
        self._record(turn, observation, response, result)
        return _TurnOutcome(None, response.get("memory") or {}, artifact, limitations, steps, output)

    def _verdict(self, failure: dict | None, artifact: Any, record: Any, traces: list[dict],
                 turns_run: int) -> Verdict:
        m = self.episode.manifest
        if failure:
            where = f"turn {failure['turn']}" + (f", organ line {failure['line']}" if failure.get("line") else "")
            return failed_verdict(failure["tag"], f"{failure['message']} ({where})")
        if artifact is None:
            return failed_verdict("incomplete_final_artifact",
                                  f"no 'artifact' in the final turn's response; required keys: "
                                  f"{', '.join(m.output_contract.artifact_keys)}")
        have = {t["turn"] for t in traces if t["trace"]}  # a set: 5,002 turns would otherwise compare 12.5M times
        missing = [t for t in range(1, turns_run + 1) if t not in have]
        shown = f"{missing[:20]}" + (f" and {len(missing) - 20} more" if len(missing) > 20 else "")
        trace_check: Check = check("turn_traces", not missing, "a non-empty 'trace' list on every turn",
                                   f"missing on turns {shown}" if missing else "present",
                                   f"no trace on turns {shown}: every turn's response needs 'trace' steps",
                                   "missing_physical_trace")
        if not answers.can_score(self.episode, self.domain):  # a public-only task: nothing to score against
            return build_verdict([trace_check], ["unscored"])
        try:
            base = domains.verify_with(self.domain, self.episode, artifact, record)
        except StemError as exc:  # a broken verifier fails the episode with its reason, not the run
            return failed_verdict("verifier_error", str(exc))
        return add_checks(base, [trace_check])
