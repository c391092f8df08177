"""The Domain interface: what a benchmark domain gives stem, built-in or brought by a user.

A domain has a name (and aliases), rules text, a seeded generator of episodes (public files, a turn
schedule, and a private expected answer), a verifier that scores a submitted artifact with
partial-credit checks, the levels it offers, and a reference artifact kept on the private side.
Optionally it serves environment actions (security's probes: the environment, never the organ, runs
the request and answers on the next turn) and names the public files a repair prompt should show
in full. The organ contract does not change with the domain: the same loop writes organs for all.

A user's domain subclasses Domain in `benchmarks/domains/<name>/domain.py` (exposing an instance or
the class as `DOMAIN`) or in an installed package under the entry point group `stem.domains`.
`stem domain new NAME` scaffolds one; `stem domain check NAME` checks the contract.
"""

from __future__ import annotations

from typing import Any

from stem.benchmark.episode_model import Episode
from stem.benchmark.verdict import Check


class Domain:
    name: str = ""  # the domain id in manifests and genomes, e.g. trading_floor
    aliases: tuple[str, ...] = ()  # other names accepted on the command line
    short: str = ""  # prefix of generated episode ids: <short>-s<seed>-d<level>
    levels: tuple[int, ...] = (1,)
    rules: str = ""
    transcript_files: tuple[str, ...] = ()  # public files a repair prompt shows in full

    def generate(self, seed: int, level: int, split: str = "adhoc") -> Episode:
        """A deterministic episode for (seed, level): public files, manifest, private expected."""
        raise NotImplementedError

    def verify(self, episode: Episode, artifact: Any, probes: list[dict] | None = None) -> list[Check]:
        """Partial-credit checks of a submitted artifact (the verdict's score is the share passed)."""
        raise NotImplementedError

    def reference_artifact(self, episode: Episode) -> Any:
        """The private reference answer in submission form."""
        return episode.private["expected"]

    def probe(self, episode: Episode, request: str) -> str:
        """Answer one environment action (only for domains whose manifests allow probes)."""
        raise NotImplementedError(f"domain {self.name} serves no probes")

    def check_public(self, files: dict[str, str]) -> None:
        """Raise StemError when a stored episode's public files are unusable (default: no check)."""
