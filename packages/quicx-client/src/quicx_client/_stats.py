"""STATS replies as plain data (dicts for JSON) and as text for people."""

from __future__ import annotations

import dataclasses
from typing import Any

from quicx_proto import Percentiles, StatsReply

__all__ = [
    "format_bytes",
    "format_count",
    "format_duration",
    "format_stats",
    "stats_dict",
]

QUEUE_COLUMNS = ("queue", "depth", "delayed", "in flight", "dead", "oldest")
LATENCY_COLUMNS = ("samples", "p50", "p90", "p99", "p99.9", "max")


def stats_dict(stats: StatsReply) -> dict[str, Any]:
    """Turn a STATS reply into a dict of its fields, with lists for repeats.

    Keys are the spec's field names (``total_submitted``, ``queues``...);
    ``wait_time`` and ``run_time`` are dicts, ``size_classes`` and ``queues``
    lists of dicts.
    """
    data = _plain(stats)
    assert isinstance(data, dict)
    return data


def _plain(value: object) -> object:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            field.name: _plain(getattr(value, field.name))
            for field in dataclasses.fields(value)
        }
    if isinstance(value, tuple | list):
        return [_plain(item) for item in value]
    return value


def format_count(value: float) -> str:
    """An integer count with thousands separators: ``12,345``."""
    return f"{round(value):,}"


def format_duration(seconds: float) -> str:
    """A duration in a fitting unit: ``850us``, ``12.5ms``, ``3.2s``, ``4m05s``."""
    if seconds < 1e-3:
        return f"{seconds * 1e6:.0f}us"
    if seconds < 1:
        return f"{seconds * 1e3:.1f}ms"
    if seconds < 60:
        return f"{seconds:.1f}s"
    minutes, secs = divmod(int(seconds), 60)
    if minutes < 60:
        return f"{minutes}m{secs:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m"


def format_bytes(size: float) -> str:
    """A byte size in binary units: ``512 B``, ``1.5 KiB``, ``64.0 MiB``."""
    for unit in ("B", "KiB", "MiB", "GiB"):
        if size < 1024 or unit == "GiB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    raise AssertionError("unreachable")


def latency_cells(times: Percentiles) -> list[str]:
    """A percentiles record as table cells, in the order of LATENCY_COLUMNS."""
    values = (times.p50_us, times.p90_us, times.p99_us, times.p999_us, times.max_us)
    if not times.count:
        return ["0", *("-" for _ in values)]
    return [format_count(times.count), *(format_duration(v / 1e6) for v in values)]


def queue_cells(stats: StatsReply) -> list[list[str]]:
    """One row of cells per queue, in the order of QUEUE_COLUMNS."""
    return [
        [
            queue.name,
            format_count(queue.depth),
            format_count(queue.delayed),
            format_count(queue.in_flight),
            format_count(queue.dead),
            format_duration(queue.oldest_age_ms / 1000) if queue.depth else "-",
        ]
        for queue in stats.queues
    ]


def format_stats(stats: StatsReply) -> str:
    """The whole reply as a plain-text report, for ``quicx stats``."""
    lines = [
        f"node {stats.node_id}, up {format_duration(stats.uptime_ms / 1000)}",
        "tasks: "
        + ", ".join(
            f"{name} {format_count(value)}"
            for name, value in (
                ("submitted", stats.total_submitted),
                ("completed", stats.total_completed),
                ("failed", stats.total_failed),
                ("retried", stats.total_retried),
                ("dead", stats.total_dead),
                ("lost leases", stats.total_lost_leases),
            )
        ),
        f"connected: {stats.current_producers} producers, "
        f"{stats.current_workers} workers, {stats.current_monitors} monitors",
        f"memory: {format_bytes(stats.arena_used)} used of "
        f"{format_bytes(stats.arena_capacity)}",
        "",
    ]
    latency = [
        ["wait", *latency_cells(stats.wait_time)],
        ["run", *latency_cells(stats.run_time)],
    ]
    lines += _table(("time", *LATENCY_COLUMNS), latency)
    lines.append("")
    if stats.queues:
        lines += _table(QUEUE_COLUMNS, queue_cells(stats))
    else:
        lines.append("no queues")
    return "\n".join(lines)


def _table(header: tuple[str, ...], rows: list[list[str]]) -> list[str]:
    """Left-align the first column, right-align the others."""
    widths = [
        max(len(row[i]) for row in [list(header), *rows]) for i in range(len(header))
    ]

    def line(cells: list[str] | tuple[str, ...]) -> str:
        first, *rest = cells
        parts = [first.ljust(widths[0])]
        parts += [
            cell.rjust(width) for cell, width in zip(rest, widths[1:], strict=True)
        ]
        return "  ".join(parts).rstrip()

    return [line(header), *(line(row) for row in rows)]
