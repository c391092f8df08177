"""stem: an evolution harness that grows verified, executable skills (organs) under task pressure."""

__version__ = "0.1.0"
