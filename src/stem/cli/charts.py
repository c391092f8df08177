"""Line charts in the terminal (plotext): what `stem logs plot|compare` and the live view of
`stem train` draw. Plain text when colour is off (NO_COLOR, not a terminal)."""

from __future__ import annotations

import math
import re

import plotext as plt

ANSI = re.compile(r"\x1b\[[0-9;]*m")


def whole_ticks(xs: list[float], most: int = 12) -> list[int]:
    """Whole-number ticks over the x range (generations are counted, not measured: never 1.31)."""
    if not xs:
        return []
    lo, hi = math.floor(min(xs)), math.ceil(max(xs))
    step = max(1, math.ceil((hi - lo + 1) / most))
    return list(range(lo, hi + 1, step))


def line_chart(title: str, series: dict[str, tuple[list[float], list[float]]], *,
               marks: dict[str, tuple[float, float]] | None = None, ylim: tuple[float, float] | None = None,
               width: int = 72, height: int = 16, xlabel: str = "generation", color: bool = False) -> str:
    """`series` label -> (xs, ys) drawn as lines; `marks` label -> (x, y) drawn as single points."""
    plt.clf()
    plt.plotsize(width, height)
    plt.theme("pro" if color else "clear")
    for label, (xs, ys) in series.items():
        if xs:
            plt.plot(xs, ys, label=label, marker="hd")
    for label, (x, y) in (marks or {}).items():
        plt.scatter([x], [y], label=label, marker="x")
    if ylim:
        plt.ylim(*ylim)
    ticks = whole_ticks([x for xs, _ in series.values() for x in xs] + [x for x, _ in (marks or {}).values()])
    if ticks:
        plt.xticks(ticks, [str(t) for t in ticks])
    plt.title(title)
    plt.xlabel(xlabel)
    text = plt.build()
    return text if color else ANSI.sub("", text)
