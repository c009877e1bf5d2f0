"""What STATS reports: counters, latency windows, and the reply built from them."""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass

from quicx_pmad import ArenaStats
from quicx_proto import Percentiles, QueueStats, SizeClassStats, StatsReply

from ._records import QueueRecord

__all__ = ["Counters", "LatencyWindow", "stats_reply"]

_POINTS = (0.5, 0.9, 0.99, 0.999)
MAX_SIZE_CLASSES = 0xFF  # the reply's count fields are 8 and 16 bits wide
MAX_QUEUES = 0xFFFF


@dataclass(slots=True)
class Counters:
    """Totals since the broker started (spec/PROTOCOL.md, section 10)."""

    submitted: int = 0
    """SUBMITs accepted."""
    completed: int = 0
    """DONEs accepted."""
    failed: int = 0
    """FAILEDs accepted."""
    retried: int = 0
    """Times a task went back for another attempt."""
    dead: int = 0
    """Tasks dead-lettered."""
    lost_leases: int = 0
    """Leases lost to time-to-run or a closed connection."""
    evicted: int = 0
    """Dead letters evicted to keep the list bounded; not in STATS_REPLY."""


class LatencyWindow:
    """The most recent ``size`` durations, reported as percentiles.

    Adding a sample is O(1); :meth:`percentiles` sorts the window, which is
    cheap at the default 10,000 samples and only happens on STATS.
    """

    __slots__ = ("_samples",)

    def __init__(self, size: int) -> None:
        self._samples: deque[float] = deque(maxlen=size)

    def add(self, seconds: float) -> None:
        """Record one duration, given in seconds."""
        # Kept in seconds until STATS asks: two are added per task.
        self._samples.append(seconds)

    def percentiles(self) -> Percentiles:
        """The window's p50, p90, p99, p99.9 and maximum, in microseconds.

        Percentiles use the nearest-rank method; an empty window gives zeros.
        """
        samples = sorted(max(0, round(s * 1_000_000)) for s in self._samples)
        count = len(samples)
        if count == 0:
            return Percentiles(
                count=0, p50_us=0, p90_us=0, p99_us=0, p999_us=0, max_us=0
            )
        p50, p90, p99, p999 = (
            samples[max(0, math.ceil(point * count) - 1)] for point in _POINTS
        )
        return Percentiles(
            count=count,
            p50_us=p50,
            p90_us=p90,
            p99_us=p99,
            p999_us=p999,
            max_us=samples[-1],
        )


def stats_reply(
    *,
    node_id: int,
    now: float,
    started: float,
    counters: Counters,
    roles: tuple[int, int, int],
    wait_time: LatencyWindow,
    run_time: LatencyWindow,
    arena: ArenaStats,
    queues: Sequence[QueueRecord],
) -> StatsReply:
    """Build STATS_REPLY at broker time ``now`` for a broker started at
    ``started``; ``roles`` counts producers, workers and monitors.

    Queues past the 65,535th (in the given order) are left out: the reply's
    count field has 16 bits.
    """
    producers, workers, monitors = roles
    return StatsReply(
        node_id=node_id,
        uptime_ms=round((now - started) * 1000),
        total_submitted=counters.submitted,
        total_completed=counters.completed,
        total_failed=counters.failed,
        total_retried=counters.retried,
        total_dead=counters.dead,
        total_lost_leases=counters.lost_leases,
        current_producers=producers,
        current_workers=workers,
        current_monitors=monitors,
        wait_time=wait_time.percentiles(),
        run_time=run_time.percentiles(),
        arena_capacity=arena.capacity,
        arena_used=arena.used,
        journal_bytes=0,
        journal_live_ppm=0,
        size_classes=tuple(
            SizeClassStats(
                class_size=c.class_size,
                slabs=c.slabs,
                live_blocks=c.live_blocks,
                free_blocks=c.free_blocks,
            )
            for c in arena.classes[:MAX_SIZE_CLASSES]
        ),
        queues=tuple(_queue_stats(q, now) for q in queues[:MAX_QUEUES]),
    )


def _queue_stats(record: QueueRecord, now: float) -> QueueStats:
    oldest = next(iter(record.ready_order.values()), None)
    age = 0 if oldest is None else round((now - oldest.ready_since) * 1000)
    return QueueStats(
        name=record.name,
        depth=len(record.ready),
        delayed=record.delayed,
        in_flight=record.in_flight,
        dead=record.dead,
        oldest_age_ms=max(0, age),
    )
