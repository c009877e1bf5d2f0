"""``quicx top``: the live console, built on rich (the ``[console]`` extra).

The screen is a pure function of what was seen: :func:`render` turns a short
history of STATS snapshots (for rates and sparklines) and the connection's
state into a renderable, and :func:`run_console` only polls the daemon about
four times a second, keeps the history and hands the result to
:class:`rich.live.Live`. When the daemon goes away the console says so and
keeps trying; it never shows a traceback. ``q`` or Ctrl-C quits.
"""

from __future__ import annotations

import contextlib
import itertools
import math
import os
import select
import sys
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import TextIO

from quicx_proto import StatsReply
from rich.console import Console, Group, RenderableType
from rich.live import Live
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from ._errors import QuicxError
from ._monitor import Monitor
from ._stats import (
    LATENCY_COLUMNS,
    QUEUE_COLUMNS,
    format_bytes,
    format_count,
    format_duration,
    latency_cells,
    queue_cells,
)

__all__ = ["Sample", "render", "run_console"]

KeyWait = Callable[[float], bool]
"""Waits up to the given seconds for a key; True when it was ``q``."""

REFRESH = 0.25
"""Seconds between two STATS requests, and so between two screens."""
HISTORY = 121
"""Samples kept: 30 s of history at four a second, plus one."""
SPARK_WIDTH = 30
SPARKS = "▁▂▃▄▅▆▇█"
BAR_WIDTH = 24
MAX_CLASS_ROWS = 12
RATE_SPAN = 1.0
"""Seconds over which the rates shown as 'now' are measured."""
COUNTERS = (
    ("submitted", "total_submitted"),
    ("done", "total_completed"),
    ("failed", "total_failed"),
)


@dataclass(frozen=True, slots=True)
class Sample:
    """One STATS reply and the monotonic time it arrived."""

    at: float
    stats: StatsReply


def render(
    history: Sequence[Sample], *, address: str, problem: str | None = None
) -> RenderableType:
    """The whole console screen for ``history`` (oldest first).

    :param problem: why the daemon cannot be read right now, if it cannot;
        the last data seen is still shown under that notice.
    """
    parts: list[RenderableType] = []
    if problem is not None:
        parts.append(Text(f"disconnected: {problem}; retrying", style="bold red"))
    if not history:
        parts.append(Text(f"waiting for the first STATS from {address}"))
        return Panel(Group(*parts), title=f"quicx top {address}", title_align="left")
    stats = history[-1].stats
    sections = [
        _throughput(history),
        _clients(stats),
        _latency(stats),
        _queues(stats),
        _memory(stats),
    ]
    for section in sections:
        parts += [section, Text("")]
    parts.pop()
    title = (
        f"quicx top {address}  node {stats.node_id}  "
        f"up {format_duration(stats.uptime_ms / 1000)}"
    )
    return Panel(
        Group(*parts),
        title=title,
        title_align="left",
        subtitle="q quits",
        subtitle_align="right",
        style="dim" if problem else "",
    )


def rate(history: Sequence[Sample], field: str, span: float = RATE_SPAN) -> float:
    """Per-second rise of counter ``field`` over the last ``span`` seconds."""
    if len(history) < 2:
        return 0.0
    last = history[-1]
    earlier = (history[i] for i in range(len(history) - 2, -1, -1))
    first = next((s for s in earlier if last.at - s.at >= span), history[0])
    elapsed = last.at - first.at
    rise: int = getattr(last.stats, field) - getattr(first.stats, field)
    return rise / elapsed if elapsed > 0 else 0.0


def sparkline(values: Sequence[float], width: int = SPARK_WIDTH) -> str:
    """The last ``width`` values as bars scaled to their maximum; blank for 0."""
    shown = list(values)[-width:]
    top = max(shown, default=0.0)
    if top <= 0:
        return " " * len(shown)
    levels = len(SPARKS)
    return "".join(
        SPARKS[min(levels, math.ceil(value / top * levels)) - 1] if value > 0 else " "
        for value in shown
    )


def bar(share: float, width: int = BAR_WIDTH) -> str:
    """A share in 0..1 as a bar of full and empty blocks."""
    filled = round(min(max(share, 0.0), 1.0) * width)
    return "█" * filled + "░" * (width - filled)


def _throughput(history: Sequence[Sample]) -> Table:
    table = Table(title="throughput", title_justify="left", box=None, expand=False)
    for name, justify in (("", "left"), ("now/s", "right"), ("last 30 s", "left")):
        table.add_column(name, justify=justify)  # type: ignore[arg-type]
    table.add_column("total", justify="right")
    for label, field in COUNTERS:
        steps = [
            rate([before, after], field, span=0.0)
            for before, after in itertools.pairwise(history)
        ]
        table.add_row(
            label,
            format_count(rate(history, field)),
            sparkline(steps).ljust(SPARK_WIDTH),
            format_count(getattr(history[-1].stats, field)),
        )
    return table


def _clients(stats: StatsReply) -> Text:
    return Text(
        f"clients  producers {stats.current_producers}  "
        f"workers {stats.current_workers}  monitors {stats.current_monitors}"
    )


def _latency(stats: StatsReply) -> Table:
    table = Table(title="latency", title_justify="left", box=None)
    table.add_column("time")
    for column in LATENCY_COLUMNS:
        table.add_column(column, justify="right")
    table.add_row("wait", *latency_cells(stats.wait_time))
    table.add_row("run", *latency_cells(stats.run_time))
    return table


def _queues(stats: StatsReply) -> RenderableType:
    if not stats.queues:
        return Text("no queues")
    table = Table(title="queues", title_justify="left", box=None)
    table.add_column(QUEUE_COLUMNS[0])
    for column in QUEUE_COLUMNS[1:]:
        table.add_column(column, justify="right")
    for row in queue_cells(stats):
        table.add_row(*row)
    return table


def _memory(stats: StatsReply) -> Group:
    capacity = stats.arena_capacity
    share = stats.arena_used / capacity if capacity else 0.0
    summary = Text(
        f"memory  {bar(share)} {share:4.0%}  "
        f"{format_bytes(stats.arena_used)} of {format_bytes(capacity)}"
    )
    used = [size for size in stats.size_classes if size.slabs]
    if not used:
        return Group(summary)
    table = Table(box=None)
    for column in ("class", "slabs", "blocks", "occupancy"):
        table.add_column(column, justify="left" if column == "occupancy" else "right")
    for size in used[:MAX_CLASS_ROWS]:
        blocks = size.live_blocks + size.free_blocks
        table.add_row(
            format_bytes(size.class_size),
            format_count(size.slabs),
            f"{format_count(size.live_blocks)}/{format_count(blocks)}",
            bar(size.live_blocks / blocks if blocks else 0.0),
        )
    if len(used) > MAX_CLASS_ROWS:
        table.add_row(f"+{len(used) - MAX_CLASS_ROWS} more", "", "", "")
    return Group(summary, table)


def run_console(
    address: str,
    *,
    duration: float | None = None,
    console: Console | None = None,
    keys: TextIO | None = None,
) -> None:
    """Show the live console for the daemon at ``address`` until ``q`` or Ctrl-C.

    :param duration: quit after this many seconds, if given.
    :param keys: where to read ``q`` from; stdin by default.
    """
    history: deque[Sample] = deque(maxlen=HISTORY)
    end = None if duration is None else time.monotonic() + duration
    with (
        Monitor(address, timeout=2.0, connect_timeout=1.0) as monitor,
        _quit_keys(keys or sys.stdin) as quit_pressed,
        Live(console=console, auto_refresh=False, screen=True) as live,
        contextlib.suppress(KeyboardInterrupt),
    ):
        tick = time.monotonic()
        while end is None or tick < end:
            problem = _poll(monitor, history)
            screen = render(list(history), address=address, problem=problem)
            live.update(screen, refresh=True)
            tick += REFRESH
            if quit_pressed(max(0.0, tick - time.monotonic())):
                break


def _poll(monitor: Monitor, history: deque[Sample]) -> str | None:
    """Add a fresh sample; returns why none could be had, if so."""
    try:
        stats = monitor.snapshot()
    except QuicxError as exc:
        monitor.close()
        return str(exc)
    if history and stats.uptime_ms < history[-1].stats.uptime_ms:
        history.clear()
    history.append(Sample(time.monotonic(), stats))
    return None


@contextlib.contextmanager
def _quit_keys(stream: TextIO) -> Iterator[KeyWait]:
    """Put a terminal in cbreak mode and yield a wait that reports ``q``."""
    if not stream.isatty():
        yield _sleeper
        return
    import termios
    import tty

    fd = stream.fileno()
    saved = termios.tcgetattr(fd)
    tty.setcbreak(fd)
    try:
        yield lambda timeout: _wait_for_q(fd, timeout)
    finally:
        termios.tcsetattr(fd, termios.TCSADRAIN, saved)


def _wait_for_q(fd: int, timeout: float) -> bool:
    readable, _, _ = select.select([fd], [], [], timeout)
    if not readable:
        return False
    return b"q" in os.read(fd, 64).lower()


def _sleeper(timeout: float) -> bool:
    time.sleep(timeout)
    return False
