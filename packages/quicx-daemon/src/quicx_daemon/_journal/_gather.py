"""Gathering records on the event loop: the broker's events packed into the
chunks the next write takes, with the live-bytes accounting kept in step.

Nothing here touches a file. A SUBMIT's record makes the gathered batch
*urgent*: its reply waits for the write. Any other record only needs to
reach the disk eventually (a crash that loses it repeats some work, as
at-least-once delivery allows), so it waits up to :data:`LAZY_WRITE` for a
SUBMIT to ride along with, which spares a thread hop and a write per record
when workers finish tasks and nobody submits.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .. import _events as ev
from ._format import (
    encode_segment_header,
    write_dead_lettered,
    write_dispatched,
    write_failed,
    write_requeued,
    write_submitted,
    write_task_event,
)
from ._generated_messages import RecordType, SegmentKind
from ._liveness import Liveness
from ._segments import Chunk

__all__ = ["LAZY_WRITE", "Gatherer"]

LAZY_WRITE = 0.05
"""Seconds a record that no reply waits for may stay in memory."""


class Gatherer:
    """The records made since the last write, by segment.

    :param segment_size: start a new segment past this many bytes.
    :param clock: the broker's clock, in seconds.
    :param wall: wall-clock seconds since the epoch.
    :param wake: called with the time by which the gathered records must be
        written, when that becomes earlier (dirty, or urgent: now).
    """

    def __init__(
        self,
        *,
        segment_size: int,
        clock: Callable[[], float],
        wall: Callable[[], float],
        wake: Callable[[float], None],
    ) -> None:
        self._segment_size = segment_size
        self._clock = clock
        self._wall = wall
        self._wake = wake
        self._offset = wall() - clock()  # wall time minus broker time
        self.live = Liveness()
        self.segment = 0  # the segment new records go to
        self._segment_bytes = 0
        self._chunks = [Chunk(0)]
        self._out = self._chunks[0].data
        self.dirty = False
        """Records are waiting to be written."""
        self.urgent = False
        """A reply waits for them: write at once."""
        self.write_due = 0.0
        """When records no reply waits for must be written, once dirty."""
        self.last_task_id = 0
        self._handlers: dict[type, Callable[[Any], None]] = {
            ev.Submitted: self._submitted,
            ev.Dispatched: self._dispatched,
            ev.Touched: self._touched,
            ev.Done: self._done,
            ev.Failed: self._failed,
            ev.Requeued: self._requeued,
            ev.DeadLettered: self._dead_lettered,
            ev.Evicted: self._evicted,
            ev.Withdrawn: self._evicted,
        }

    # -- taking and restarting -----------------------------------------------

    def take(self) -> list[Chunk]:
        """The gathered chunks, for a write; gathering goes on in a fresh one."""
        chunks = self._chunks
        self._chunks = [Chunk(self.segment)]
        self._out = self._chunks[0].data
        self.dirty = self.urgent = False
        return chunks

    def restart(self, live: Liveness, segment_id: int, *, write_header: bool) -> bytes:
        """Gather for a new log segment ``segment_id`` under fresh accounting,
        dropping what was gathered; return the segment's header, which goes
        out with the next write if ``write_header``."""
        self.live = live
        header = self.start_segment(segment_id)
        self._chunks = [Chunk(segment_id, header if write_header else None)]
        self._out = self._chunks[0].data
        self.dirty = self.urgent = write_header
        return header

    def rotate(self, *, urgent: bool = False) -> None:
        """Send later records to a new segment."""
        header = self.start_segment(self.segment + 1)
        self._chunks.append(Chunk(self.segment, header))
        self._out = self._chunks[-1].data
        self._mark(urgent)

    def start_segment(self, segment_id: int) -> bytes:
        """Count a new log segment and return its header."""
        header = encode_segment_header(
            SegmentKind.LOG, segment_id, self.last_task_id, self.now_ms()
        )
        self.segment = segment_id
        self._segment_bytes = len(header)
        self.live.open_segment(segment_id, len(header))
        return header

    def urge(self) -> None:
        """Write what is gathered at once (a flush asks)."""
        if self.dirty:
            self._mark(True)

    # -- times -------------------------------------------------------------------

    def ms(self, at: float) -> int:
        """Broker time to wall-clock milliseconds."""
        return max(0, round((at + self._offset) * 1000))

    def clock_at(self, ms: int) -> float:
        """Wall-clock milliseconds to broker time."""
        return ms / 1000 - self._offset

    def now_ms(self) -> int:
        return round(self._wall() * 1000)

    # -- recording ---------------------------------------------------------------

    def record(self, event: ev.TaskEvent) -> None:
        """Append the record of one broker event."""
        self._handlers[type(event)](event)
        if self._segment_bytes >= self._segment_size:
            self.rotate()

    def _mark(self, urgent: bool) -> None:
        if urgent and not self.urgent:
            self.dirty = self.urgent = True
            self._wake(0.0)
        elif not self.dirty:
            self.dirty = True
            self.write_due = self._clock() + LAZY_WRITE
            self._wake(self.write_due)

    def _keep(self, task_id: int, size: int, urgent: bool = False) -> None:
        self.live.keep(task_id, self.segment, size)
        self._segment_bytes += size
        self._mark(urgent)

    def _end(self, task_id: int, size: int) -> None:
        self.live.end(task_id, self.segment, size)
        self._segment_bytes += size
        self._mark(False)

    def _submitted(self, event: ev.Submitted) -> None:
        size = write_submitted(
            self._out,
            event.task_id,
            self.ms(event.at),
            self.ms(event.ready_at),
            event.priority,
            round(event.ttr * 1000),
            event.max_attempts,
            event.queue.encode(),
            event.payload,
        )
        self.last_task_id = max(self.last_task_id, event.task_id)
        self._keep(event.task_id, size, urgent=True)

    def _dispatched(self, event: ev.Dispatched) -> None:
        at = self.ms(event.at)
        size = write_dispatched(self._out, event.task_id, at, event.attempt)
        self._keep(event.task_id, size)

    def _touched(self, event: ev.Touched) -> None:
        at = self.ms(event.at)
        size = write_task_event(self._out, RecordType.TOUCHED, event.task_id, at)
        self.live.waste(self.segment, size)
        self._segment_bytes += size
        self._mark(False)

    def _done(self, event: ev.Done) -> None:
        at = self.ms(event.at)
        size = write_task_event(self._out, RecordType.DONE, event.task_id, at)
        self._end(event.task_id, size)

    def _failed(self, event: ev.Failed) -> None:
        at = self.ms(event.at)
        size = write_failed(self._out, event.task_id, at, event.retry, event.reason)
        self._keep(event.task_id, size)

    def _requeued(self, event: ev.Requeued) -> None:
        size = write_requeued(
            self._out,
            event.task_id,
            self.ms(event.at),
            event.attempts,
            self.ms(event.ready_at),
            event.reason,
        )
        self._keep(event.task_id, size)

    def _dead_lettered(self, event: ev.DeadLettered) -> None:
        at = self.ms(event.at)
        size = write_dead_lettered(self._out, event.task_id, at, event.reason)
        self._keep(event.task_id, size)

    def _evicted(self, event: ev.Evicted | ev.Withdrawn) -> None:
        at = self.ms(event.at)
        size = write_task_event(self._out, RecordType.EVICTED, event.task_id, at)
        self._end(event.task_id, size)
