"""binpacking: online 1-D bin packing. Items arrive one per turn and each is placed, irrevocably, by the
organ's action before the next is seen; the environment keeps the bins and the verifier scores the
packing the environment recorded (lower bound / bins used), never the organ's claim.

Public files: rules.txt, instance.json ({"capacity", "item_count"}: no sizes). Private: the item
sequence, the L1 lower bound and the reference's bins. The sequence never reaches a public file (the
public directory is mounted into the sandbox): the environment, on the harness side, hands the organ
one item per data turn. The private mathematics (generators, First/Best Fit, the reference heuristic,
the bound) lives in binpacking_reference; this module is the domain around it.
"""

from __future__ import annotations

import textwrap
from typing import Any

from stem.benchmark import binpacking_reference as ref
from stem.benchmark.domain_api import ActionFailure, Domain, Environment, reference_response, turns_rule
from stem.benchmark.episode_model import Episode, dump_json
from stem.benchmark.manifest import Loader, OutputContract, TaskManifest, action_schedule
from stem.benchmark.public_check import json_file, require
from stem.benchmark.verdict import Verdict, build_verdict, check
from stem.errors import StemError

NAME = "binpacking"
SHORT = "binpacking"
NEW_BIN = -1
TAG = "invalid_placement"
ARTIFACT_KEYS = ["bins_used"]


def _levels_text() -> str:
    return "\n".join(textwrap.fill(f"level {lv}: {ref.level_spec(lv).describe()}", 100, initial_indent="- ",
                                   subsequent_indent="  ") for lv in ref.LEVELS)


RULES = f"""BINPACKING RULES

Online one-dimensional bin packing. Items arrive one at a time; each must be placed in a bin before
the next one is seen, and a placement is never undone. Every bin has the same capacity; the items in
a bin may not add up to more than the capacity. Use as few bins as you can.

{turns_rule("exactly one item", unit="item")}
Item k (counting from 0) arrives on turn k + 2, so there are item_count data turns
(turn_count = item_count + 2). You never see an item before its turn.

Where each value arrives (observation["delta"])
- turn 1: "rules" (this text), "capacity" (int), "item_count" (int), "bins" ([]).
- each data turn: "items", a list holding exactly one item: [size], an int from 1 to capacity;
  and "bins": the remaining capacity of every open bin after every earlier placement, as a list
  of ints whose index is the bin's id (bins are numbered in the order they were opened).
- final turn: "bins" (the packing as it ended) and "output_contract".
- "capacity" and "item_count" arrive on turn 1 only: keep them in memory if you need them.
instance.json in the episode's public directory holds the same capacity and item_count.

Placing (your action on every data turn)
- Return the action {{"place": [b]}}: b is the index of a bin opened so far (every bin ever
  opened stays open, a full one too) that the item fits in (its remaining capacity is at least
  the item's size), or -1 to open a new bin, which takes the next index (len of "bins").
- Exactly one placement per data turn. A missing placement, more than one, an index that is not
  a bin opened so far, a value that is not a JSON integer (3.0 and true are refused), or an item
  that does not fit the bin ends the episode at once: it fails with the tag {TAG} and scores 0,
  and the message names the item (index and size) and the bin. Turn 1 and the final turn deliver
  no item: a placement sent there is ignored.
- The environment answers a placement through the next turn's "bins" (the bin you chose holds
  less room, or a new bin is at the end); nothing else comes back.

Answer (final turn)
{{"bins_used": n}}: the number of bins your packing opened (len of the final "bins").

Scoring and passing
- The score comes from the packing the environment recorded, never from your claim:
  score = lower_bound / bins_used, where lower_bound = ceil(sum of all sizes / capacity) (no
  packing can use fewer bins). excess = (bins_used - lower_bound) / lower_bound.
- The episode passes when bins_used is at most the bins of the level's reference heuristic (a
  private online heuristic that sees the same items in the same order, one at a time) and the
  claimed bins_used equals the recorded one. The verdict reports bins_used, lower_bound, excess
  and reference_bins.
- Every turn's response needs a non-empty "trace"; a missing trace fails the episode and scores 0.

Levels (sizes are integers drawn independently from each level's distribution)
{_levels_text()}
"""


class PackingEnvironment(Environment):
    """The bins of one episode. Data turn k + 2 delivers item k (from the private side) with the bins
    as they stand; the organ's placement is checked and applied at once, or ends the episode with
    `invalid_placement`. The record is what the verifier scores: the sizes placed so far (never an
    item not yet delivered), the bin of each, and the bins' remaining capacities."""

    def __init__(self, episode: Episode):
        self.capacity: int = episode.private["capacity"]
        self.items: list[int] = episode.private["items"]
        self.bins: list[int] = []
        self.placements: list[int] = []
        self.waiting: int | None = None  # index of the item delivered on this turn, until placed

    def observe(self, turn: int, delta: dict[str, Any], final: bool) -> dict[str, Any]:
        if turn == 1:
            self.waiting = None
            return {"capacity": self.capacity, "item_count": len(self.items), "bins": []}
        index = turn - 2
        if not final and 0 <= index < len(self.items):
            self.waiting = index
            return {"items": [self.items[index]], "bins": list(self.bins)}
        self.waiting = None
        return {"bins": list(self.bins)}

    def act(self, turn: int, action: dict[str, Any] | None, final: bool) -> dict[str, Any]:
        place = action.get("place") if isinstance(action, dict) else None
        if self.waiting is None:  # turn 1 and the final turn: nothing to place
            return {"place_notes": [f"turn {turn} delivers no item; the placement {place!r} was ignored"]} \
                if place is not None else {}
        index, size = self.waiting, self.items[self.waiting]
        item = f"item {index} (size {size})"
        if place is None or place == []:
            raise ActionFailure(TAG, f"no placement for {item}: answer {{\"place\": [bin index or -1]}}")
        if not isinstance(place, list):
            raise ActionFailure(TAG, f"{item}: 'place' must be a list holding one bin index, got {place!r}")
        if len(place) > 1:
            raise ActionFailure(TAG, f"{item}: {len(place)} placements {place!r}; exactly one per item")
        b = place[0]
        if isinstance(b, bool) or not isinstance(b, int):
            raise ActionFailure(TAG, f"{item}: placement {b!r} is not a whole number (a bin index or -1)")
        if b == NEW_BIN:
            b = len(self.bins)
            self.bins.append(self.capacity - size)
        elif 0 <= b < len(self.bins):
            if self.bins[b] < size:
                raise ActionFailure(TAG, f"{item} does not fit bin {b} (remaining capacity {self.bins[b]})")
            self.bins[b] -= size
        else:
            opened = f"open bins are 0..{len(self.bins) - 1}" if self.bins else "no bin is open yet"
            raise ActionFailure(TAG, f"{item}: bin {b} does not exist ({opened}; -1 opens a new bin)")
        self.placements.append(b)
        self.waiting = None
        return {"placed": {"item": index, "size": size, "bin": b}}

    def record(self) -> dict[str, Any]:
        return {"capacity": self.capacity, "item_count": len(self.items), "sizes": self.items[:len(self.placements)],
                "placements": list(self.placements), "bins": list(self.bins)}


def build_episode(episode_id: str, split: str, seed: int | None, level: int | None, capacity: int,
                  sizes: list[int], reference_bins: int, reference: str) -> Episode:
    """An episode of `sizes` (the private item sequence). `reference` names the reference's model of
    the sizes: "level N" (the level's distribution, known) or "learned" (from the sizes seen so far)."""
    turns = action_schedule("Read the rules. One item per turn follows; place each with {\"place\": [bin]}.",
                            [Loader(kind="text", key="rules", file="rules.txt")], len(sizes),
                            "Every item is placed. Submit {\"bins_used\": n}.")
    manifest = TaskManifest(domain=NAME, episode_id=episode_id, split=split, seed=seed, difficulty=level,
                            min_turns=len(turns), turns=turns,
                            output_contract=OutputContract(artifact_keys=ARTIFACT_KEYS,
                                                           description="the number of bins your packing used"))
    files = {"rules.txt": RULES, "instance.json": dump_json({"capacity": capacity, "item_count": len(sizes)})}
    private = {"expected": {"bins_used": reference_bins}, "capacity": capacity, "items": list(sizes),
               "lower_bound": ref.lower_bound(sizes, capacity), "reference_bins": reference_bins,
               "reference": reference}
    return Episode(manifest=manifest, public_files=files, private=private)


def _reference_chooser(private: dict[str, Any]):
    """A fresh reference chooser for one play of an episode, with the model its reference_bins used."""
    model = str(private.get("reference", "learned"))
    if model.startswith("level "):
        return ref.reference_packer(ref.level_spec(int(model.split()[1])))
    return ref.ReferencePacker(private["capacity"], len(private["items"]), None)


def reference_bins_of(capacity: int, sizes: list[int], level: int | None = None) -> int:
    """The pass bar: bins the reference uses (with the level's distribution when known, else learned)."""
    if level is not None:
        return ref.reference_bins(level, ref.Instance(capacity, tuple(sizes)))
    return len(ref.pack_reference(sizes, capacity, None))


def _replay(record: Any) -> tuple[list[int] | None, str]:
    """The bins of a recorded packing, replayed from its sizes and placements (None and why when the
    record is unusable)."""
    if not isinstance(record, dict) or not all(k in record for k in ("capacity", "item_count", "sizes", "placements")):
        return None, "no packing recorded by the environment (the score comes from the placements it saw)"
    capacity, sizes, placements = record["capacity"], record["sizes"], record["placements"]
    if len(sizes) != len(placements):
        return None, f"the record has {len(sizes)} sizes but {len(placements)} placements"
    bins: list[int] = []
    for k, (size, b) in enumerate(zip(sizes, placements)):
        if b == len(bins):
            bins.append(capacity - size)
        elif 0 <= b < len(bins) and bins[b] >= size:
            bins[b] -= size
        else:
            return None, f"the record places item {k} (size {size}) in bin {b}, which cannot hold it"
    return bins, ""


class BinPacking(Domain):
    """Online bin packing: one item per turn, placed by the organ's action, scored from the packing."""

    name = NAME
    short = SHORT
    aliases = ("bins", "online_binpacking")
    levels = tuple(ref.LEVELS)
    rules = RULES
    objective = "climb"
    scores_without_answer = True
    score_rule = "lower_bound / bins_used of the packing the environment recorded (lower_bound = ceil(sum / capacity))"

    def generate(self, seed: int, level: int, split: str = "adhoc") -> Episode:
        if level not in ref.LEVELS:
            raise ValueError(f"binpacking level must be one of {list(ref.LEVELS)}")
        instance = ref.episode_instance(seed, level)
        sizes = list(instance.sizes)
        return build_episode(f"{SHORT}-s{seed}-d{level}", split, seed, level, instance.capacity, sizes,
                             reference_bins_of(instance.capacity, sizes, level), f"level {level}")

    def environment(self, episode: Episode) -> Environment:
        return PackingEnvironment(episode)

    def reference_agent(self, episode: Episode):
        """The private reference heuristic placing each item as it arrives (it sees what an organ sees)."""
        chooser = _reference_chooser(episode.private)

        def turn(observation: dict) -> dict:
            delta = observation["delta"]
            if observation["final_turn"]:
                return reference_response(observation, {"bins_used": len(delta["bins"])})
            items = delta.get("items")
            action = {"place": [chooser(delta["bins"], items[0])]} if items else None
            return reference_response(observation, None, action)

        return turn

    def verify(self, episode: Episode, artifact: Any, record: Any = None) -> Verdict:
        bins, why = _replay(record)
        if bins is None:
            return build_verdict([check("packing_recorded", False, "the environment's record of the placements",
                                        None, why, "missing_physical_trace")], score=0.0)
        capacity, sizes = record["capacity"], record["sizes"]
        complete = len(sizes) == record["item_count"]
        used = len(bins)
        bound = ref.lower_bound(sizes, capacity)
        reference = episode.private.get("reference_bins")
        if reference is None or not complete:
            reference = reference_bins_of(capacity, sizes)
        claim = artifact.get("bins_used") if isinstance(artifact, dict) else None
        claim_ok = isinstance(claim, int) and not isinstance(claim, bool)
        checks = [
            check("packing_complete", complete, f"{record['item_count']} items placed", f"{len(sizes)} placed",
                  f"only {len(sizes)} of {record['item_count']} items were placed", "incomplete_packing"),
            check("artifact_shape", claim_ok, '{"bins_used": int}', artifact if not claim_ok else claim,
                  "the artifact needs 'bins_used': the number of bins the packing used", "incomplete_final_artifact"),
            check("claim_matches_record", claim_ok and claim == used, used, claim,
                  f"claimed bins_used {claim!r}, but the recorded packing uses {used} bins", "unverifiable_inference"),
            check("at_most_reference", complete and used <= reference, f"<= {reference} bins (the reference)",
                  used, f"{used} bins; the level's reference heuristic uses {reference}: leave less room unused",
                  "above_reference"),
        ]
        details = {"bins_used": used, "lower_bound": bound, "excess": round(ref.excess(used, bound), 6),
                   "reference_bins": reference}
        score = bound / used if complete and used else 0.0
        return build_verdict(checks, score=score, details=details)

    def reference_artifact(self, episode: Episode) -> dict[str, Any]:
        return {"bins_used": episode.private["reference_bins"]}

    def check_public(self, files: dict[str, str]) -> None:
        instance = json_file(files, "instance.json")
        for field in ("capacity", "item_count"):
            if require("instance.json", instance, field, int) < (1 if field == "capacity" else 0):
                raise StemError(f"instance.json: field '{field}': must be positive; fix or regenerate the episode")


DOMAIN = BinPacking()
