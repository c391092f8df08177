"""stem: an evolution harness that grows verified, executable skills (organs) under task pressure."""

from stem.version import __version__

__all__ = ["__version__"]
