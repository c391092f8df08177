"""The live view of `stem train`: stage, generation, candidates, scores, tokens and cost."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.live import Live
from rich.table import Table

from stem.cli.base import console


class TrainDisplay:
    """Stage, generation, candidates, scores, tokens and cost; a live table on a terminal, lines otherwise."""

    def __init__(self, con: Console | None = None):
        self.console = con or console
        self.fields: dict[str, Any] = {}
        self.live: Live | None = None
        if self.console.is_terminal:
            self.live = Live(self._table(), console=self.console, refresh_per_second=4, transient=True)
            self.live.start()

    def _table(self) -> Table:
        table = Table(title="stem train", show_header=True)
        for key in ("stage", "domain", "generation", "candidates", "best", "episode", "tokens", "usd"):
            table.add_column(key)
        f = self.fields
        table.add_row(*(str(round(f[k], 4) if isinstance(f.get(k), float) else f.get(k, "-")) for k in
                        ("stage", "domain", "generation", "candidates", "best", "episode", "tokens", "usd")))
        return table

    def stage(self, number: int, title: str) -> None:
        self.fields["stage"] = number
        self.console.print(f"[bold]Stage {number}[/]: {title}")

    def line(self, text: str) -> None:
        self.console.print(text)

    def status(self, **fields: Any) -> None:
        self.fields.update(fields)
        if self.live is not None:
            self.live.update(self._table())

    def close(self) -> None:
        if self.live is not None:
            self.live.stop()
