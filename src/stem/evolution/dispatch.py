"""Sending a generation's requests: concurrently, in waves, stopping early once one candidate wins.

The K requests of a generation are independent, so they go out together (`llm.concurrency` at a
time) and each answer is gated and evaluated as soon as it arrives, while the others are still in
flight. Requests are grouped into waves; after each wave, if a candidate passes every train
episode, the later waves are never sent (counted as saved). Which requests are sent depends only on
the outcomes of earlier waves, never on timing, so a replay sends exactly the recorded requests.
With `scout`, the first generation of a domain sends candidate 1 alone first: a capable model often
solves a domain in one answer, and then the other K-1 calls are not spent.

Requests run on daemon threads and the caller's thread does all evaluation, so Ctrl-C or SIGTERM
is never held up by an answer still on its way.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

POLL_SECONDS = 0.2


def waves(count: int, concurrency: int, scout: bool) -> list[list[int]]:
    """Candidate indices (1-based) grouped into the waves they are sent in."""
    rest = list(range(1, count + 1))
    out: list[list[int]] = []
    if scout and count > 1:
        out.append([1])
        rest = rest[1:]
    step = max(1, concurrency)
    out += [rest[i:i + step] for i in range(0, len(rest), step)]
    return out


@dataclass
class Dispatched:
    results: dict[int, Any] = field(default_factory=dict)  # index -> whatever `ask` returned
    sent: list[int] = field(default_factory=list)
    saved: list[int] = field(default_factory=list)  # indices never requested because a wave already won
    waves: list[list[int]] = field(default_factory=list)


def dispatch(count: int, ask: Callable[[int], Any], on_answer: Callable[[Any], None], won: Callable[[Any], bool],
             concurrency: int, scout: bool = False) -> Dispatched:
    """Run `ask(i)` for each candidate (on worker threads), `on_answer(result)` on the calling thread
    as each one arrives, and stop after the first wave in which `won(result)` holds. `ask` must not
    raise: it turns its own failures into a result."""
    plan = waves(count, concurrency, scout)
    out = Dispatched(waves=plan)
    inbox: queue.Queue = queue.Queue()

    def worker(i: int) -> None:
        try:
            inbox.put((i, ask(i), None))
        except BaseException as exc:  # handed to the caller's thread, never lost on a worker
            inbox.put((i, None, exc))

    for n, wave in enumerate(plan):
        for i in wave:
            threading.Thread(target=worker, args=(i,), name=f"stem-ask-{i}", daemon=True).start()
            out.sent.append(i)
        pending = set(wave)
        while pending:
            try:
                i, result, exc = inbox.get(timeout=POLL_SECONDS)
            except queue.Empty:
                continue
            pending.discard(i)
            if exc is not None:
                raise exc
            out.results[i] = result
            on_answer(result)
        if any(won(out.results[i]) for i in wave):
            out.saved = [i for later in plan[n + 1:] for i in later]
            break
    return out
