"""EpisodeRunner: drive any agent through an episode's turn schedule and hand the result to the verifier.

The runner is agent-agnostic: it takes `turn(observation) -> response` (a dict, or JSON text).
It carries memory between turns, serves security probes by running the toy target itself,
writes turn_NN_{observation,action,result}.json when given a trace directory, and turns every
way an agent can fail into its own tag.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from stem.benchmark import answers, domains
from stem.benchmark.episode_model import Episode
from stem.benchmark.manifest import TaskManifest, turn_delta
from stem.benchmark.verdict import Check, Verdict, build_verdict, check, failed_verdict
from stem.errors import StemError
from stem.jsonio import write_json

TurnFn = Callable[[dict], Any]


class TurnFailure(Exception):
    """Raised by a turn function to report a structured failure (crash, timeout, limit, rejection)."""

    def __init__(self, tag: str, message: str, line: int | None = None):
        super().__init__(message)
        self.tag, self.message, self.line = tag, message, line


@dataclass
class EpisodeResult:
    episode_id: str
    domain: str
    verdict: Verdict
    turns_run: int
    artifact: Any = None
    probes: list[dict] = field(default_factory=list)
    failure: dict | None = None
    traces: list[dict] = field(default_factory=list)  # {"turn", "trace"}: the organ's trace list of each turn
    limitations: Any = None  # what the final turn's response says the artifact does not cover


def parse_response(raw: Any) -> tuple[dict | None, str | None, str]:
    """(response, failure tag, message). JSON text is accepted; anything else must be an object."""
    if isinstance(raw, (str, bytes)):
        try:
            raw = json.loads(raw)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            return None, "non_json_output", f"the response is not JSON ({exc})"
    if raw is None:
        return None, "multi_turn_collapse", "no response: the agent stopped before the episode ended"
    if not isinstance(raw, dict):
        return None, "malformed_response", f"the response must be a JSON object, got {type(raw).__name__}"
    if "memory" in raw and not isinstance(raw["memory"], dict):
        return None, "malformed_response", "'memory' must be a JSON object"
    if "action" in raw and raw["action"] is not None and not isinstance(raw["action"], dict):
        return None, "malformed_response", "'action' must be a JSON object"
    return raw, None, ""


def _has_trace(response: dict) -> bool:
    trace = response.get("trace")
    return isinstance(trace, list) and len(trace) > 0


def probe_status(manifest: TaskManifest, used: int) -> dict[str, Any]:
    """What an organ needs to plan its probes: the episode's total budget (None: unlimited), the
    per-turn limit, how many probes it has used and how many are left (None: unlimited)."""
    budget = manifest.probe_budget
    return {"budget": budget, "per_turn_limit": manifest.probe_limit_per_turn, "used": used,
            "left": None if budget is None else max(0, budget - used)}


def build_observation(episode: Episode, turn: int, memory: dict, probe_results: list[dict] | None = None,
                      probes_used: int = 0, artifacts_dir: str = "") -> dict[str, Any]:
    """The observation an organ receives on `turn`: the loaders' delta, probe results of the previous
    turn and the probe status when the episode offers probes, the output contract on the final turn."""
    m = episode.manifest
    spec = m.turns[turn - 1]
    delta = turn_delta(spec, episode.public_files)
    if probe_results:
        delta["probe_results"] = probe_results
    if m.probe_limit_per_turn:
        delta["probe_status"] = probe_status(m, probes_used)
    is_final = spec.turn == m.turns[-1].turn
    if is_final:
        delta["output_contract"] = m.output_contract.model_dump()
    return {"domain_id": m.domain, "episode_id": m.episode_id, "turn": spec.turn, "final_turn": is_final,
            "event": spec.event, "delta": delta, "memory": memory, "artifacts_dir": artifacts_dir}


class EpisodeRunner:
    def __init__(self, episode: Episode, trace_dir: Path | None = None, artifacts_dir: str = ""):
        self.episode = episode
        self.trace_dir = trace_dir
        self.artifacts_dir = artifacts_dir

    def _write(self, turn: int, kind: str, data: Any) -> None:
        if self.trace_dir is not None:
            write_json(self.trace_dir / f"turn_{turn:02d}_{kind}.json", data)

    def _serve_probes(self, request: Any, delivered: list[str], used: int) -> tuple[list[dict], list[str]]:
        m = self.episode.manifest
        if not isinstance(request, list) or not all(isinstance(v, str) for v in request):
            return [], ["probe must be a list of candidate strings"]
        served, notes = [], []
        for vector in request:
            if len(served) >= m.probe_limit_per_turn:
                notes.append(f"probe limit of {m.probe_limit_per_turn} per turn reached; '{vector}' not run")
            elif m.probe_budget is not None and used + len(served) >= m.probe_budget:
                notes.append(f"probe budget of {m.probe_budget} used up; '{vector}' not run")
            elif vector not in delivered:
                notes.append(f"'{vector}' is not a delivered candidate; not run")
            else:
                served.append({"vector": vector, "result": domains.get(self.episode.domain).probe(self.episode, vector)})
        return served, notes

    def run(self, turn_fn: TurnFn) -> EpisodeResult:
        ep, m = self.episode, self.episode.manifest
        final_turn = m.turns[-1].turn
        memory: dict = {}
        pending: list[dict] = []
        probes: list[dict] = []
        delivered: list[str] = []
        traced_turns: list[int] = []
        traces: list[dict] = []
        artifact: Any = None
        limitations: Any = None
        failure: dict | None = None
        turns_run = 0
        for spec in m.turns:
            observation = build_observation(ep, spec.turn, memory, pending, len(probes), self.artifacts_dir)
            delta, pending = observation["delta"], []
            if isinstance(delta.get("candidates"), list):
                delivered.extend(delta["candidates"])
            is_final = observation["final_turn"]
            self._write(spec.turn, "observation", observation)
            turns_run = spec.turn
            try:
                raw = turn_fn(observation)
            except TurnFailure as exc:
                failure = {"tag": exc.tag, "message": exc.message, "line": exc.line, "turn": spec.turn}
            except Exception as exc:  # the agent's bug, not ours: record it, do not crash the harness
                failure = {"tag": "runtime_exception", "message": f"{type(exc).__name__}: {exc}", "line": None,
                           "turn": spec.turn}
            if failure:
                self._write(spec.turn, "result", {"failure": failure})
                break
            response, tag, message = parse_response(raw)
            self._write(spec.turn, "action", response if response is not None else {"raw": str(raw)[:4000]})
            if tag:
                if tag == "multi_turn_collapse":
                    message += f" (turn {spec.turn} of {final_turn}; the episode needs at least {m.min_turns} turns)"
                failure = {"tag": tag, "message": message, "line": None, "turn": spec.turn}
                self._write(spec.turn, "result", {"failure": failure})
                break
            if _has_trace(response):
                traced_turns.append(spec.turn)
            steps = response.get("trace")
            traces.append({"turn": spec.turn, "trace": steps if isinstance(steps, list) else []})
            memory = response.get("memory") or {}
            result: dict[str, Any] = {}
            if not is_final and "artifact" in response:
                failure = {"tag": "multi_turn_collapse", "line": None, "turn": spec.turn,
                           "message": f"final artifact submitted on turn {spec.turn}, before the final turn "
                                      f"{final_turn} (the episode needs at least {m.min_turns} turns)"}
                self._write(spec.turn, "result", {"failure": failure})
                break
            action = response.get("action") or {}
            if "probe" in action:
                if is_final:
                    result["probe_notes"] = ["probes requested on the final turn are not served"]
                else:
                    served, notes = self._serve_probes(action["probe"], delivered, len(probes))
                    for item in served:
                        probes.append({**item, "turn": spec.turn})
                    pending = served
                    result["probe_results"] = served
                    if notes:
                        result["probe_notes"] = notes
            if is_final:
                artifact, limitations = response.get("artifact"), response.get("limitations")
                result["limitations"] = limitations
            self._write(spec.turn, "result", result)

        verdict = self._verdict(failure, artifact, probes, traced_turns, turns_run)
        if self.trace_dir is not None:
            write_json(self.trace_dir / "verdict.json", verdict.model_dump())
        return EpisodeResult(m.episode_id, m.domain, verdict, turns_run, artifact, probes, failure, traces,
                             limitations)

    def _verdict(self, failure: dict | None, artifact: Any, probes: list[dict], traced: list[int],
                 turns_run: int) -> Verdict:
        m = self.episode.manifest
        if failure:
            where = f"turn {failure['turn']}" + (f", organ line {failure['line']}" if failure.get("line") else "")
            return failed_verdict(failure["tag"], f"{failure['message']} ({where})")
        if artifact is None:
            return failed_verdict("incomplete_final_artifact",
                                  f"no 'artifact' in the final turn's response; required keys: "
                                  f"{', '.join(m.output_contract.artifact_keys)}")
        missing = [t for t in range(1, turns_run + 1) if t not in traced]
        trace_check: Check = check("turn_traces", not missing, "a non-empty 'trace' list on every turn",
                                   f"missing on turns {missing}" if missing else "present",
                                   f"no trace on turns {missing}: every turn's response needs 'trace' steps",
                                   "missing_physical_trace")
        if not answers.can_score(self.episode):  # a public-only task: nothing to score against
            return build_verdict([trace_check], ["unscored"])
        try:
            base = domains.verify(self.episode, artifact, probes)
        except StemError as exc:  # a broken verifier fails the episode with its reason, not the run
            return failed_verdict("verifier_error", str(exc))
        return build_verdict(base.checks + [trace_check])
