"""Latency windows for STATS: the last N samples and their percentiles."""

from __future__ import annotations

import math
from collections import deque

from quicx_proto import Percentiles

__all__ = ["LatencyWindow"]

_POINTS = (0.5, 0.9, 0.99, 0.999)


class LatencyWindow:
    """The most recent ``size`` durations, reported as percentiles.

    Adding a sample is O(1); :meth:`percentiles` sorts the window, which is
    cheap at the default 10,000 samples and only happens on STATS.
    """

    __slots__ = ("_samples",)

    def __init__(self, size: int) -> None:
        self._samples: deque[int] = deque(maxlen=size)

    def add(self, seconds: float) -> None:
        """Record one duration, given in seconds."""
        self._samples.append(max(0, round(seconds * 1_000_000)))

    def percentiles(self) -> Percentiles:
        """The window's p50, p90, p99, p99.9 and maximum, in microseconds.

        Percentiles use the nearest-rank method; an empty window gives zeros.
        """
        samples = sorted(self._samples)
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
