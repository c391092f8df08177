"""The live view of `stem train`: stage, generation, candidates, scores, tokens and cost, and the best
train score per generation as a curve once a generation has finished."""

from __future__ import annotations

from typing import Any

from rich.console import Console, Group, RenderableType
from rich.live import Live
from rich.table import Table
from rich.text import Text

from stem.cli.base import VERBOSE, console


class TrainDisplay:
    """Stage, generation, candidates, scores, tokens and cost; a live table on a terminal, lines otherwise."""

    def __init__(self, con: Console | None = None):
        self.console = con or console
        self.fields: dict[str, Any] = {}
        self.live: Live | None = None
        if self.console.is_terminal:
            self.live = Live(self._view(), console=self.console, refresh_per_second=4, transient=True)
            self.live.start()

    def _table(self) -> Table:
        table = Table(title="stem train", show_header=True)
        for key in ("stage", "domain", "generation", "candidates", "best", "episode", "tokens", "usd"):
            table.add_column(key)
        f = self.fields
        table.add_row(*(str(round(f[k], 4) if isinstance(f.get(k), float) else f.get(k, "-")) for k in
                        ("stage", "domain", "generation", "candidates", "best", "episode", "tokens", "usd")))
        return table

    def _view(self) -> RenderableType:
        curve = self.fields.get("curve") or {}
        if not any(curve.values()):
            return self._table()
        from stem.cli.charts import line_chart
        series = {f"{d} best": (list(range(1, len(v) + 1)), v) for d, v in curve.items() if v}
        width = max(40, min(90, self.console.width - 2))
        chart = line_chart("best train score per generation", series, ylim=(0, 1.05), width=width, height=12,
                           xlabel="generation of the domain", color=not self.console.no_color)
        return Group(self._table(), Text.from_ansi(chart))

    def stage(self, number: int, title: str) -> None:
        self.fields["stage"] = number
        self.console.print(f"[bold]Stage {number}[/]: {title}")

    def line(self, text: str) -> None:
        self.console.print(text)

    def detail(self, text: str) -> None:
        if VERBOSE["on"]:
            self.console.print(text, markup=False)

    def status(self, **fields: Any) -> None:
        self.fields.update(fields)
        if self.live is not None:
            self.live.update(self._view())

    def close(self) -> None:
        if self.live is not None:
            self.live.stop()
