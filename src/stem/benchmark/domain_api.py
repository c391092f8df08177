"""The Domain interface: what a benchmark domain gives stem, built-in or brought by a user.

A domain has a name (and aliases), rules text, a seeded generator of episodes (public files, a turn
schedule, and a private expected answer), a verifier that scores a submitted artifact with
partial-credit checks, the levels it offers, and a reference artifact kept on the private side.

A domain may also keep an *environment* for each episode (`environment()`): state that lives
beside the episode and answers the organ's `action` on every turn. The runner asks it what to add
to each turn's delta (`observe`), hands it each response's action (`act`), writes its answers to the
turn records, and at the end gives the verifier what it recorded (`record`). Security's probes and
binpacking's placements are both environments; a plugin's own actions work the same way. The
organ contract does not change with the domain: the same loop writes organs for all.

Every domain is a Domain subclass: the built-ins (benchmark/trading.py, matrix.py, security.py, binpacking.py,
each exposing its instance as `DOMAIN`) register through the same `domains.register` a plugin goes
through. A user's domain subclasses Domain in `benchmarks/domains/<name>/domain.py` (exposing an instance or
the class as `DOMAIN`) or in an installed package under the entry point group `stem.domains`.
`stem domain new NAME` scaffolds one; `stem domain check NAME` checks the contract.
"""

from __future__ import annotations

import textwrap
from typing import Any, Literal

from stem.benchmark.episode_model import Episode
from stem.benchmark.verdict import Check, Verdict
from stem.turn_protocol import TurnFn

Objective = Literal["pass", "climb"]


class ActionFailure(Exception):
    """Raised by an environment when an action must end the episode (e.g. an item placed where it
    does not fit): the episode fails with `tag`, and `message` says what was wrong."""

    def __init__(self, tag: str, message: str):
        super().__init__(message)
        self.tag, self.message = tag, message


class Environment:
    """One episode's environment. The runner calls, on every turn in order:

    1. `observe(turn, delta, final)` -> a dict of keys added to that turn's delta (answers to the
       previous turn's action, the environment's current state); `delta` is what the manifest's
       loaders delivered on this turn, so the environment sees everything the organ sees;
    2. the organ runs;
    3. `act(turn, action, final)` with the response's `action` (None when it sent none) -> a dict
       recorded in the turn's result (what the environment did with the action, notes); raise
       ActionFailure to end the episode.
    After the last turn (or a failure) `record()` is what the verifier scores: plain JSON.
    Everything an environment returns must be plain JSON (dict/list/str/int/float/bool/None)."""

    def observe(self, turn: int, delta: dict[str, Any], final: bool) -> dict[str, Any]:
        return {}

    def act(self, turn: int, action: dict[str, Any] | None, final: bool) -> dict[str, Any]:
        return {}

    def record(self) -> Any:
        return None


def turns_rule(each_data_turn: str, unit: str = "window") -> str:
    """The paragraph every built-in rules text carries about turns: how many there are and where that
    is stated. `each_data_turn` says what one data turn delivers, e.g. "the next window of edges";
    `unit` names one data turn's delivery ("window", "item")."""
    bullets = [
        'observation["turn"] is this turn\'s number (1, 2, ...), observation["turn_count"] how many turns '
        'the episode has (the same on every turn), and observation["final_turn"] is true on the last turn '
        'only (turn == turn_count).',
        f"turn 1 is the start; each turn from 2 to turn_count - 1 is a data turn that delivers {each_data_turn} "
        f"(so there are turn_count - 2 data turns); turn turn_count is the final turn: it brings no new {unit} "
        "and asks for the answer.",
    ]
    return "Turns\n" + "".join(textwrap.fill(b, 94, initial_indent="- ", subsequent_indent="  ") + "\n"
                               for b in bullets)


def reference_response(observation: dict, artifact: Any, action: dict | None = None) -> dict:
    """A reference agent's response to one observation: a trace step, `action` when given, and on the
    final turn the artifact."""
    response: dict[str, Any] = {"memory": {}, "trace": [f"reference: turn {observation['turn']}"]}
    if action:
        response["action"] = action
    if observation["final_turn"]:
        response["artifact"] = artifact
    return response


class Domain:
    name: str = ""  # the domain id in manifests and genomes, e.g. trading_floor
    aliases: tuple[str, ...] = ()  # other names accepted on the command line
    short: str = ""  # prefix of generated episode ids: <short>-s<seed>-d<level>
    levels: tuple[int, ...] = (1,)
    rules: str = ""
    transcript_files: tuple[str, ...] = ()  # public files that decide an episode; every prompt shows them whole
    objective: Objective = "pass"  # climb: training keeps improving the mean score after every train episode passes
    score_rule: str = "the share of its verdict's checks that pass"  # how an episode's score is computed, for prompts
    scores_without_answer: bool = False  # verify() needs no private answer (it scores what the environment recorded)

    def generate(self, seed: int, level: int, split: str = "adhoc") -> Episode:
        """A deterministic episode for (seed, level): public files, manifest, private expected."""
        raise NotImplementedError

    def verify(self, episode: Episode, artifact: Any, record: Any = None) -> list[Check] | Verdict:
        """Partial-credit checks of a submitted artifact (the verdict's score is the share passed).
        `record` is what this episode's environment recorded (None for a domain without one)."""
        raise NotImplementedError

    def environment(self, episode: Episode) -> Environment | None:
        """A fresh environment for one run of `episode`, or None when the domain answers no actions."""
        return None

    def describe_answers(self, answers: dict[str, Any]) -> list[str] | None:
        """How repair transcripts word what this domain's environment answered on one turn (`answers`:
        the turn's result from act(), keyed as act() returned it): one line each, or None for the
        plain form (every key with its values)."""
        return None

    def reference_artifact(self, episode: Episode) -> Any:
        """The private reference answer in submission form."""
        return episode.private["expected"]

    def reference_agent(self, episode: Episode) -> TurnFn:
        """The private reference played as an agent, for `stem domain check` and tests (never an organ,
        never shown to a model): it traces every turn, takes the actions the reference takes, and
        submits reference_artifact() on the final turn. Run through the EpisodeRunner, its verdict must
        pass and its record is what the environment records when the reference is played. The default
        takes no actions, which is right for a domain without an environment; a domain with one
        overrides it (security probes the winner, binpacking places items by its reference heuristic)."""
        artifact = self.reference_artifact(episode)
        return lambda obs: reference_response(obs, artifact)

    def check_public(self, files: dict[str, str]) -> None:
        """Raise StemError when a stored episode's public files are unusable (default: no check)."""
