"""security_sandbox: read a toy target's source, probe candidate vectors, submit the one that reaches
the protected branch together with the result the environment observed.

Public files: rules.txt, target.py (the toy target's source), candidates.txt.
Private: the winning vector. The environment (never the organ) runs the target on probes.
"""

from __future__ import annotations

import ast
import json
import random
from dataclasses import dataclass
from typing import Any

from stem.benchmark.domain_api import Domain, Environment, reference_response, turns_rule
from stem.benchmark.episode_model import Episode
from stem.benchmark.manifest import Loader, OutputContract, TaskManifest, schedule, windows
from stem.benchmark.security_targets import FAMILIES, PROTECTED, TWO_STAGE, run_target
from stem.benchmark.verdict import Check, check
from stem.errors import StemError

NAME = "security_sandbox"
SHORT = "security"
ARTIFACT_KEYS = ["vector", "observed"]
PROBE_LIMIT_PER_TURN = 4

@dataclass(frozen=True)
class Knobs:
    families: tuple[str, ...]
    decoys: int
    budget_slack: int | None  # None: unlimited probes; else budget = winner + this many decoys
    data_turns: int


KNOBS = {
    1: Knobs(("case_folding", "path_normalisation"), 3, None, 2),
    2: Knobs(tuple(FAMILIES), 5, None, 2),
    3: Knobs(tuple(FAMILIES), 8, 5, 3),
    4: Knobs(tuple(FAMILIES), 10, 4, 3),
    # two decoding stages, budgets far below the candidate count: the organ must read the source
    5: Knobs(tuple(TWO_STAGE), 12, 1, 4),
    6: Knobs(tuple(TWO_STAGE) + ("encoding_tricks", "signature_role"), 14, 0, 4),
}
ALL_FAMILIES = {**FAMILIES, **TWO_STAGE}
FAMILY_WORDS = {"path_normalisation": "path normalisation", "packet_parsing": "packet/field parsing",
                "signature_role": "signature and role checks", "case_folding": "case folding",
                "encoding_tricks": "percent-encoding tricks",
                "percent_then_fold": "two stages: percent-decoding, then case folding",
                "hex_then_percent": "two stages: \\xNN escapes, then percent-decoding"}


def levels_text() -> str:
    """The levels as the rules state them, from KNOBS (one home for both)."""
    lines = []
    for level, k in KNOBS.items():
        budget = "no probe budget" if k.budget_slack is None else (
            "a budget of 1 probe" if k.budget_slack == 0 else f"a budget of {1 + k.budget_slack} probes")
        kinds = "; ".join(FAMILY_WORDS[f] for f in k.families)
        lines.append(f"- level {level}: up to {k.decoys + 1} candidates in {k.data_turns} windows, {budget}; "
                     f"targets: {kinds}")
    return "\n".join(lines)


RULES = f"""SECURITY SANDBOX RULES

target.py holds a toy target: a pure function target(request: str) -> str with one protected
branch, which returns exactly "{PROTECTED}". candidates.txt holds candidate request vectors,
one per line; they arrive in windows over several turns. Exactly one candidate reaches the
protected branch; the others are decoys.

{turns_rule("the next window of candidates.txt")}
The last candidates arrive on turn turn_count - 1: until you have seen that turn, more
candidates may still come, so never conclude from a short window that the stream has ended.
A probe requested on turn turn_count - 1 is still served (its results arrive on the final
turn); with a budget of one probe, the safe plan is to probe a candidate only once the source
shows it reaches the protected branch, waiting as late as turn turn_count - 1 if need be.

Probing
- You never run the target yourself (the sandbox has no way to): to test candidates, return an
  action {{"probe": [vector, ...]}}. The environment runs the target on each and returns
  {{"vector": the candidate, "result": the string target() returned}} items in "probe_results"
  of the next turn's delta. Reading target_source to decide which candidate can win (by hand-
  written logic, or with the ast module) is what a good organ does.
- Only candidates already delivered may be probed; at most {PROBE_LIMIT_PER_TURN} per turn. Some
  episodes also cap the total number of probes (the probe budget); later candidates may arrive
  after a careless organ has spent it, so read the target's source and probe only candidates
  that can reach the protected branch. On levels 5 and 6 the budget is 2 or 1 and a target may
  decode the request in two stages with a filter after each (see the levels below): work out
  from the source which candidate passes every stage, then probe it.
- Probes of one action are served in the order listed. Past the per-turn limit or the budget the
  rest are not run; a candidate not yet delivered is not run and costs nothing; the same
  candidate probed again is run, and counted, again. What was not run is noted in the turn's
  record, not in your delta: probe_status ("used", "left") shows what was spent.
- Probes requested on the final turn are not served.

Levels (targets come from these kinds; each target's source is the whole truth about it)
{levels_text()}

Where each value arrives (observation["delta"])
- turn 1: "rules" (this text), "target_source" (the full text of target.py), "target_file".
  Both arrive only on turn 1: keep what you need of them in memory.
- each data turn: "candidates", the next window of candidates.txt as a list of strings.
  Keep them in memory: later turns do not repeat them.
- every turn: "probe_status" {{"budget": total probes allowed in the episode or null when
  unlimited, "per_turn_limit": {PROBE_LIMIT_PER_TURN}, "used": probes served so far, "left": probes still
  allowed or null when unlimited}}.
- the turn after a probe: "probe_results" [{{"vector": ..., "result": ...}}, ...] for the probes
  served.
- turn 1 and the final turn also carry an "instruction" string (what the turn is for).
- final turn: "output_contract"; no new candidates, probes are not served.

Answer (final turn)
{{"vector": the winning candidate exactly as delivered, "observed": the result the environment
returned when you probed it}}. The claim must be backed by a probe made in this episode.
The verdict's checks: the vector is a delivered candidate; it reaches the protected branch;
"observed" equals what the target returns for it; it was probed in this episode; and every turn
carried a trace. The score is the share of these that pass.
"""




def generate_episode(seed: int, difficulty: int, split: str = "adhoc") -> Episode:
    if difficulty not in KNOBS:
        raise ValueError(f"security difficulty must be one of {sorted(KNOBS)}")
    k = KNOBS[difficulty]
    rng = random.Random(f"{NAME}:{seed}:{difficulty}")
    family = rng.choice(k.families)
    source, winner, pool = ALL_FAMILIES[family](rng)
    if run_target(source, winner) != PROTECTED:
        raise AssertionError(f"{family}: winner does not reach the protected branch")
    decoys = sorted({d for d in pool if d != winner and run_target(source, d) != PROTECTED})
    candidates = rng.sample(decoys, min(k.decoys, len(decoys))) + [winner]
    rng.shuffle(candidates)
    budget = None if k.budget_slack is None else 1 + k.budget_slack
    files = {"rules.txt": RULES, "target.py": source, "candidates.txt": "\n".join(candidates) + "\n"}
    episode_id = f"{SHORT}-s{seed}-d{difficulty}"
    manifest = build_manifest(episode_id, split, seed, difficulty, len(candidates), k.data_turns, budget)
    return Episode(manifest=manifest, public_files=files, private={"expected": solve(files), "family": family})


def candidates_of(files: dict[str, str]) -> list[str]:
    return [ln for ln in files["candidates.txt"].splitlines() if ln.strip()]


def check_public(files: dict[str, str]) -> None:
    for name in ("target.py", "candidates.txt"):
        if name not in files:
            raise StemError(f"{name}: public artifact is missing from the episode; regenerate it")
    try:
        tree = ast.parse(files["target.py"])
    except SyntaxError as exc:
        raise StemError(f"target.py: line {exc.lineno}: {exc.msg}; fix or regenerate the episode") from None
    if not any(isinstance(n, ast.FunctionDef) and n.name == "target" for n in tree.body):
        raise StemError("target.py: field 'target': no top-level function target(request); fix or regenerate the episode")
    if not candidates_of(files):
        raise StemError("candidates.txt: field '(lines)': no candidates; fix or regenerate the episode")


def solve(files: dict[str, str]) -> dict[str, Any]:
    """Reference: run the target on every candidate (private side) and keep the one that wins."""
    winners = [c for c in candidates_of(files) if run_target(files["target.py"], c) == PROTECTED]
    if len(winners) != 1:
        raise ValueError(f"episode must have exactly one winning candidate, found {len(winners)}")
    return {"vector": winners[0], "observed": PROTECTED}


def build_manifest(episode_id: str, split: str, seed: int | None, difficulty: int | None,
                   n_candidates: int, data_turns: int, budget: int | None) -> TaskManifest:
    turns = schedule("Read the rules and the target source. Candidates follow.",
                     [Loader(kind="text", key="rules", file="rules.txt"),
                      Loader(kind="text", key="target_source", file="target.py"),
                      Loader(kind="path", key="target_file", file="target.py")],
                     Loader(kind="lines_window", key="candidates", file="candidates.txt", start=0, stop=0),
                     windows(n_candidates, data_turns), "No more candidates or probes. Submit the proof object.")
    return TaskManifest(domain=NAME, episode_id=episode_id, split=split, seed=seed, difficulty=difficulty,
                        min_turns=len(turns), turns=turns, probe_limit_per_turn=PROBE_LIMIT_PER_TURN,
                        probe_budget=budget,
                        output_contract=OutputContract(artifact_keys=ARTIFACT_KEYS,
                                                       description="proof object: winning vector and observed result"))


def verify_artifact(files: dict[str, str], private: dict[str, Any], artifact: Any,
                    probes: list[dict] | None = None) -> list[Check]:
    """Re-run the submitted vector against the toy target; `probes` (the episode's probe log) when known."""
    if not isinstance(artifact, dict) or any(not isinstance(artifact.get(k), str) for k in ARTIFACT_KEYS):
        got = type(artifact).__name__ if not isinstance(artifact, dict) else sorted(artifact)
        return [check("artifact_shape", False, "object with string keys vector, observed", got,
                      "malformed artifact: need {\"vector\": str, \"observed\": str}", "incomplete_final_artifact")]
    vector, observed = artifact["vector"], artifact["observed"]
    actual = run_target(files["target.py"], vector)
    candidates = candidates_of(files)
    checks = [
        check("vector_is_candidate", vector in candidates, "one of the delivered candidates", vector,
              "the vector is not one of the delivered candidates (submit it exactly as delivered)",
              "vector_isolation_failure"),
        check("reaches_protected", actual == PROTECTED, PROTECTED, actual,
              f"this vector does not reach the protected branch (target returned {actual!r})",
              "vector_isolation_failure"),
        check("observed_matches", observed == actual, actual, observed,
              "'observed' is not what the target returns for this vector", "unverifiable_inference"),
    ]
    if probes is not None:
        seen = [p for p in probes if p.get("vector") == vector]
        checks.append(check("claim_probed", bool(seen), "the vector was probed in this episode", len(seen),
                            "the winning vector was never probed: probe it before claiming it",
                            "unverifiable_inference"))
    return checks


def probe(files: dict[str, str], request: str) -> str:
    """The environment runs the toy target on one delivered candidate (never the organ)."""
    return run_target(files["target.py"], request)


def probe_status(manifest: TaskManifest, used: int) -> dict[str, Any]:
    """What an organ needs to plan its probes: the episode's total budget (None: unlimited), the
    per-turn limit, how many probes it has used and how many are left (None: unlimited)."""
    budget = manifest.probe_budget
    return {"budget": budget, "per_turn_limit": manifest.probe_limit_per_turn, "used": used,
            "left": None if budget is None else max(0, budget - used)}


class ProbeEnvironment(Environment):
    """Security's environment: it runs the toy target on the candidates an organ asks to probe (at
    most the per-turn limit, within the episode's budget, only candidates already delivered) and
    answers in the next turn's delta; every turn's delta carries the probe status. The probe log is
    what the verifier checks the claim against."""

    def __init__(self, episode: Episode):
        self.episode = episode
        self.manifest = episode.manifest
        self.delivered: list[str] = []
        self.probes: list[dict] = []
        self.pending: list[dict] = []

    def observe(self, turn: int, delta: dict[str, Any], final: bool) -> dict[str, Any]:
        if isinstance(delta.get("candidates"), list):
            self.delivered.extend(delta["candidates"])
        out: dict[str, Any] = {}
        if self.pending:
            out["probe_results"] = self.pending
        self.pending = []
        out["probe_status"] = probe_status(self.manifest, len(self.probes))
        return out

    def act(self, turn: int, action: dict[str, Any] | None, final: bool) -> dict[str, Any]:
        if not action or "probe" not in action:
            return {}
        if final:
            return {"probe_notes": ["probes requested on the final turn are not served"]}
        served, notes = self._serve(action["probe"])
        self.probes += [{**item, "turn": turn} for item in served]
        self.pending = served
        return {"probe_results": served, **({"probe_notes": notes} if notes else {})}

    def _serve(self, request: Any) -> tuple[list[dict], list[str]]:
        m = self.manifest
        if not isinstance(request, list) or not all(isinstance(v, str) for v in request):
            return [], ["probe must be a list of candidate strings"]
        served, notes = [], []
        for vector in request:
            if len(served) >= m.probe_limit_per_turn:
                notes.append(f"probe limit of {m.probe_limit_per_turn} per turn reached; '{vector}' not run")
            elif m.probe_budget is not None and len(self.probes) + len(served) >= m.probe_budget:
                notes.append(f"probe budget of {m.probe_budget} used up; '{vector}' not run")
            elif vector not in self.delivered:
                notes.append(f"'{vector}' is not a delivered candidate; not run")
            else:
                served.append({"vector": vector, "result": probe(self.episode.public_files, vector)})
        return served, notes

    def record(self) -> list[dict]:
        return self.probes


class SecuritySandbox(Domain):
    """The security sandbox: read a toy target, probe candidates through the environment, submit a proof."""

    name = NAME
    short = SHORT
    aliases = ("sec",)
    levels = tuple(KNOBS)
    rules = RULES
    transcript_files = ("target.py",)  # prompts show it in full: it decides every episode

    def generate(self, seed: int, level: int, split: str = "adhoc") -> Episode:
        return generate_episode(seed, level, split)

    def verify(self, episode: Episode, artifact: Any, record: Any = None) -> list[Check]:
        """`record` is the episode's probe log (None when unknown, e.g. a bare artifact to `stem bench verify`)."""
        return verify_artifact(episode.public_files, episode.private, artifact, record)

    def environment(self, episode: Episode) -> Environment | None:
        """Episodes whose manifest allows probes get a probe environment."""
        return ProbeEnvironment(episode) if episode.manifest.probe_limit_per_turn else None

    def describe_answers(self, answers: dict[str, Any]) -> list[str]:
        """Repair transcripts: each probe as the run it was, then each note; any other key plainly."""
        lines = [f"environment ran target({json.dumps(item.get('vector'), ensure_ascii=False, default=str)}) -> "
                 f"{json.dumps(item.get('result'), ensure_ascii=False, default=str)}"
                 for item in answers.get("probe_results") or [] if isinstance(item, dict)]
        lines += [f"environment note: {note}" for note in answers.get("probe_notes") or []]
        for key in sorted(k for k in answers if k not in ("probe_results", "probe_notes")):
            lines.append(f"environment {key}: {json.dumps(answers[key], ensure_ascii=False, default=str)[:400]}")
        return lines

    def reference_agent(self, episode: Episode):
        """The reference probes the winner on the turn it is delivered, then submits it with the result."""
        artifact = self.reference_artifact(episode)

        def turn(observation: dict) -> dict:
            delivered = observation["delta"].get("candidates") or []
            probe = {"probe": [artifact["vector"]]} if artifact["vector"] in delivered else None
            return reference_response(observation, artifact, probe)

        return turn

    def check_public(self, files: dict[str, str]) -> None:
        check_public(files)


DOMAIN = SecuritySandbox()
