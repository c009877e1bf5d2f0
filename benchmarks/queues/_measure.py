"""Timestamps carried in payloads, and what each benchmark process records.

Every payload starts with the monotonic time, in nanoseconds, at which its
producer submitted it (or, in a fixed-rate run, was due to submit it). The
worker that finishes the task subtracts that stamp from its own clock.
``CLOCK_MONOTONIC`` is one clock for the whole machine on Linux, so stamps
taken in one process compare with clocks read in another.
"""

from __future__ import annotations

import resource
import struct
import time
from collections.abc import MutableSequence
from dataclasses import dataclass

from hdrh.histogram import HdrHistogram

__all__ = [
    "STAMP_SIZE",
    "ProducerReport",
    "Recorder",
    "WorkerReport",
    "merge_histograms",
    "new_histogram",
    "own_cpu_seconds",
    "stamp_of",
    "stamped",
]

_STAMP = struct.Struct(">Q")
STAMP_SIZE = _STAMP.size

# Latencies are recorded in microseconds, from 1 us to 10 minutes, to three
# significant digits: enough for a loopback queue and for rq under a backlog.
_LOWEST_US = 1
_HIGHEST_US = 600_000_000
_DIGITS = 3


def new_histogram() -> HdrHistogram:
    """An empty latency histogram in microseconds."""
    return HdrHistogram(_LOWEST_US, _HIGHEST_US, _DIGITS)


def stamped(stamp_ns: int, padding: bytes) -> bytes:
    """A payload: the stamp followed by ``padding`` (payload size - 8 bytes)."""
    return _STAMP.pack(stamp_ns) + padding


def stamp_of(payload: bytes | memoryview) -> int:
    """The submit time carried at the start of ``payload``."""
    stamp: int = _STAMP.unpack_from(payload)[0]
    return stamp


def own_cpu_seconds() -> float:
    """User plus system CPU time this process has used so far."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def merge_histograms(encoded: list[bytes]) -> HdrHistogram:
    """One histogram holding the samples of every encoded histogram given."""
    merged = new_histogram()
    for blob in encoded:
        merged.decode_and_add(blob)
    return merged


class Recorder:
    """Counts one worker process's finished tasks and their latencies.

    :param progress: a shared array the driver polls; slot ``index`` holds
        this worker's count of finished tasks.
    :param index: this worker's slot in ``progress``.
    """

    def __init__(self, progress: MutableSequence[int], index: int) -> None:
        self._progress = progress
        self._index = index
        self._histogram = new_histogram()
        self.count = 0
        self.last_done_ns = 0

    def done(self, payload: bytes | memoryview) -> None:
        """Record that the task carrying ``payload`` has just been acknowledged."""
        now = time.monotonic_ns()
        latency_us = (now - stamp_of(payload)) // 1000
        self._histogram.record_value(max(latency_us, _LOWEST_US))
        self.count += 1
        self.last_done_ns = now
        self._progress[self._index] = self.count

    def report(self) -> WorkerReport:
        """What this worker did, to send back to the driver."""
        return WorkerReport(
            count=self.count,
            last_done_ns=self.last_done_ns,
            histogram=self._histogram.encode(),
            cpu_s=own_cpu_seconds(),
        )


@dataclass(frozen=True)
class WorkerReport:
    """One worker process's results: tasks, last acknowledgement, latencies."""

    count: int
    last_done_ns: int
    histogram: bytes
    cpu_s: float


@dataclass(frozen=True)
class ProducerReport:
    """One producer process's results: accepted submits and when."""

    count: int
    first_submit_ns: int
    last_accept_ns: int
    retries: int
    cpu_s: float
