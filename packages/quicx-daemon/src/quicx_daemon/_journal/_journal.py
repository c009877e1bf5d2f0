"""The journal: the broker's events on disk, written off the event loop.

The broker's event hook (:meth:`Journal.record`) packs each event into a
record in memory, on the loop; nothing there touches a file. One task,
:meth:`Journal.run`, hands what has gathered to a worker thread, which
writes it in one call and syncs it once (group commit), then tells the
server which batch is safe through ``settle``. While one batch is on its
way to the disk the next one gathers, so SUBMITs that arrive together share
one fsync, and no other connection waits for the disk.

A SUBMIT's record belongs to the batch :attr:`Journal.ticket` names when the
record is made; the server holds the task and its OK until that batch
settles. When a write fails the journal stops: that batch and the one
gathering settle as failed (their SUBMITs get journal_unavailable), and
nothing more is recorded. Every ``retry_after_ms`` it tries again by writing
the broker's whole state, taken from memory, as a snapshot segment in place
of every older segment; then it records again.

In the background, segments whose records are all dead are deleted, and a
journal that is large and mostly dead is compacted (see ``_liveness``).
"""

from __future__ import annotations

import enum
import logging
import math
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import anyio
from anyio.abc import TaskGroup

from .. import _events as ev
from .._config import JournalConfig
from .._records import TaskState
from .._restore import RestoredTask
from ._files import JournalFiles
from ._format import (
    encode_segment_header,
    write_dead_lettered,
    write_dispatched,
    write_failed,
    write_requeued,
    write_submitted,
    write_task_event,
)
from ._generated_messages import RecordType, SegmentKind, SnapshotState
from ._liveness import Liveness
from ._reading import JournalError, compact_segments, recover_directory
from ._recovery import RecoveredTask
from ._segments import (
    Chunk,
    SegmentWriter,
    delete_segments,
    list_segments,
    write_snapshot,
)

__all__ = ["Journal"]

logger = logging.getLogger(__name__)

COMPACT_RETRY = 60.0  # seconds before a failed compaction is tried again

Settle = Callable[[int, bool], None]
"""``settle(ticket, ok)``: every SUBMIT with a ticket up to ``ticket`` is on
disk (ok) or will never be (not ok)."""


class _State(enum.Enum):
    WRITING = "writing"
    FAILED = "failed"  # records nothing; tries to resume
    RESUMING = "resuming"  # records again, but takes no SUBMIT yet


class Journal:
    """The segment files of one data directory, fed by the broker's events.

    :param config: the journal's settings.
    :param clock: the broker's clock (monotonic seconds).
    :param wall: wall-clock seconds since the epoch, for the times on disk.
    :param files: the file system door; tests pass one that fails on cue.
    """

    def __init__(
        self,
        config: JournalConfig,
        *,
        clock: Callable[[], float],
        wall: Callable[[], float] = time.time,
        files: JournalFiles | None = None,
    ) -> None:
        self.config = config
        self._directory = Path(config.data_dir)
        self._clock = clock
        self._wall = wall
        self._files = files if files is not None else JournalFiles()
        self._writer = SegmentWriter(self._files, self._directory)
        self._offset = wall() - clock()  # wall time minus broker time
        self._live = Liveness()
        self._state = _State.WRITING
        self._segment = 0  # the segment new records go to
        self._segment_bytes = 0
        self._chunks: list[Chunk] = [Chunk(0)]
        self._out = self._chunks[0].data
        self._dirty = False
        self._batch = 1  # ticket of the batch gathering now
        self._durable = 0  # ticket of the last batch written
        self._sync_due: float | None = None  # interval policy: next sync
        self._last_task_id = 0
        self._compact_upto: int | None = None  # rotated, compaction to start
        self._rotation_ticket = 0  # the batch that carries that rotation
        self._compact_hold = 0.0
        self._compaction: anyio.Event | None = None  # set when it ends
        self._wakeup: anyio.Event | None = None
        self._settled: anyio.Event | None = None
        self._lock_fd: int | None = None
        self._handlers: dict[type, Callable[[Any], None]] = {
            ev.Submitted: self._on_submitted,
            ev.Dispatched: self._on_dispatched,
            ev.Touched: self._on_touched,
            ev.Done: self._on_done,
            ev.Failed: self._on_failed,
            ev.Requeued: self._on_requeued,
            ev.DeadLettered: self._on_dead_lettered,
            ev.Evicted: self._on_evicted,
            ev.Withdrawn: self._on_evicted,
        }

    # -- start and stop --------------------------------------------------------

    def open(self) -> tuple[list[RestoredTask], int]:
        """Recover the directory, rewrite what is live as a snapshot, and start
        a new log segment; return the tasks for :meth:`Broker.restore` and the
        last task id. Blocks; call it before serving.

        :raises JournalError: the journal is damaged (the message says where
            and what to do) or another daemon uses the directory.
        :raises OSError: the directory cannot be read or written.
        """
        started = time.monotonic()
        self._lock()
        try:
            recovered = recover_directory(
                self._files, self._directory, repair=self.config.repair
            )
        except BaseException:
            self._unlock()
            raise
        now_ms = self._now_ms()
        next_id = max(recovered.present, default=0) + 1
        if recovered.tasks:
            sizes, size = write_snapshot(
                self._files,
                self._directory,
                next_id,
                recovered.tasks,
                recovered.last_task_id,
                now_ms,
            )
            self._live.install_snapshot(next_id, sizes, size)
            next_id += 1
        self._last_task_id = recovered.last_task_id
        header = self._start_segment(next_id)
        self._writer.start(next_id, header)
        self._chunks = [Chunk(next_id)]
        self._out = self._chunks[0].data
        delete_segments(self._files, self._directory, recovered.present)
        logger.info(
            "journal %s: recovered %d tasks from %d records (%d bytes) in %.2f s",
            self._directory,
            len(recovered.tasks),
            recovered.records,
            recovered.size,
            time.monotonic() - started,
        )
        tasks = [self._restored(task) for task in recovered.tasks]
        return tasks, recovered.last_task_id

    async def flush(self) -> None:
        """Wait until every record made so far is written, and synced unless
        the policy is never. Returns at once if the journal has failed or
        :meth:`run` is not running."""
        target = self._batch if self._dirty else self._batch - 1
        if self.config.fsync == "interval" and self._sync_due is not None:
            self._sync_due = self._clock()
            self._wake()
        while (
            self._settled is not None
            and self._state is _State.WRITING
            and (self._durable < target or self._sync_due is not None)
        ):
            await self._settled.wait()

    async def aclose(self) -> None:
        """Flush (if :meth:`run` runs), then close the open segment and let go
        of the directory; the journal is unusable after."""
        await self.flush()
        if self._state is _State.WRITING:
            await anyio.to_thread.run_sync(self._writer.close)
        self._unlock()

    # -- what the server reads -------------------------------------------------

    @property
    def available(self) -> bool:
        """True when a SUBMIT may be recorded."""
        return self._state is _State.WRITING

    @property
    def ticket(self) -> int:
        """The batch a record made now will be written with."""
        return self._batch

    @property
    def compacting(self) -> bool:
        """True from the moment a compaction is decided until it ends."""
        return self._compact_upto is not None or self._compaction is not None

    def stats(self) -> tuple[int, int]:
        """Bytes of journal, and the live share in parts per million."""
        total, live = self._live.total, self._live.live
        return total, min(1_000_000, round(live * 1_000_000 / total)) if total else 0

    # -- the broker's hook -----------------------------------------------------

    def record(self, event: ev.TaskEvent) -> None:
        """Append the record of one broker event (the broker's ``on_event``)."""
        if self._state is _State.FAILED:
            if isinstance(event, ev.Submitted):
                self._last_task_id = max(self._last_task_id, event.task_id)
            return
        self._handlers[type(event)](event)
        if not self._dirty:
            self._dirty = True
            self._wake()
        if self._segment_bytes >= self.config.segment_size:
            self._rotate()

    def _on_submitted(self, event: ev.Submitted) -> None:
        size = write_submitted(
            self._out,
            event.task_id,
            self._ms(event.at),
            self._ms(event.ready_at),
            event.priority,
            round(event.ttr * 1000),
            event.max_attempts,
            event.queue.encode(),
            event.payload,
        )
        self._keep(event.task_id, size)
        self._last_task_id = max(self._last_task_id, event.task_id)

    def _on_dispatched(self, event: ev.Dispatched) -> None:
        size = write_dispatched(
            self._out, event.task_id, self._ms(event.at), event.attempt
        )
        self._keep(event.task_id, size)

    def _on_touched(self, event: ev.Touched) -> None:
        at = self._ms(event.at)
        size = write_task_event(self._out, RecordType.TOUCHED, event.task_id, at)
        self._live.waste(self._segment, size)
        self._segment_bytes += size

    def _on_done(self, event: ev.Done) -> None:
        at = self._ms(event.at)
        size = write_task_event(self._out, RecordType.DONE, event.task_id, at)
        self._end(event.task_id, size)

    def _on_failed(self, event: ev.Failed) -> None:
        at = self._ms(event.at)
        size = write_failed(self._out, event.task_id, at, event.retry, event.reason)
        self._keep(event.task_id, size)

    def _on_requeued(self, event: ev.Requeued) -> None:
        size = write_requeued(
            self._out,
            event.task_id,
            self._ms(event.at),
            event.attempts,
            self._ms(event.ready_at),
            event.reason,
        )
        self._keep(event.task_id, size)

    def _on_dead_lettered(self, event: ev.DeadLettered) -> None:
        at = self._ms(event.at)
        size = write_dead_lettered(self._out, event.task_id, at, event.reason)
        self._keep(event.task_id, size)

    def _on_evicted(self, event: ev.Evicted | ev.Withdrawn) -> None:
        at = self._ms(event.at)
        size = write_task_event(self._out, RecordType.EVICTED, event.task_id, at)
        self._end(event.task_id, size)

    def _keep(self, task_id: int, size: int) -> None:
        self._live.keep(task_id, self._segment, size)
        self._segment_bytes += size

    def _end(self, task_id: int, size: int) -> None:
        self._live.end(task_id, self._segment, size)
        self._segment_bytes += size

    def _rotate(self) -> None:
        """Send later records to a new segment."""
        header = self._start_segment(self._segment + 1)
        self._chunks.append(Chunk(self._segment, header))
        self._out = self._chunks[-1].data
        self._dirty = True
        self._wake()

    def _start_segment(self, segment_id: int) -> bytes:
        header = encode_segment_header(
            SegmentKind.LOG, segment_id, self._last_task_id, self._now_ms()
        )
        self._segment = segment_id
        self._segment_bytes = len(header)
        self._live.open_segment(segment_id, len(header))
        return header

    # -- the writing task ------------------------------------------------------

    async def run(
        self, settle: Settle, export: Callable[[], list[RestoredTask]]
    ) -> None:
        """Write batches until cancelled; ``export`` gives the broker's state
        when the journal must rewrite it after a failure."""
        self._wakeup = anyio.Event()
        self._settled = anyio.Event()
        try:
            await self._loop(settle, export)
        finally:
            self._settled.set()
            self._settled = None

    async def _loop(
        self, settle: Settle, export: Callable[[], list[RestoredTask]]
    ) -> None:
        async with anyio.create_task_group() as group:
            while True:
                await self._wait()
                if self._state is _State.FAILED:
                    await self._resume(export)
                elif self._dirty:
                    await self._write(settle)
                elif self._sync_due is not None and self._sync_due <= self._clock():
                    await self._sync(settle)
                assert self._settled is not None
                self._settled.set()
                self._settled = anyio.Event()
                self._maintain(group)

    async def _wait(self) -> None:
        """Sleep until there is something to write, a sync or a retry is due."""
        if self._dirty and self._state is not _State.FAILED:
            return
        timeout = math.inf
        if self._state is _State.FAILED:
            timeout = self.config.retry_after_ms / 1000
        elif self._sync_due is not None:
            timeout = self._sync_due - self._clock()
        if timeout <= 0:
            return
        self._wakeup = anyio.Event()
        with anyio.move_on_after(timeout):
            await self._wakeup.wait()

    def _wake(self) -> None:
        if self._wakeup is not None:
            self._wakeup.set()

    async def _write(self, settle: Settle) -> None:
        """Write the gathered chunks in a thread, then settle their batch."""
        chunks = self._chunks
        self._chunks = [Chunk(self._segment)]
        self._out = self._chunks[0].data
        self._dirty = False
        ticket = self._batch
        self._batch += 1
        policy = self.config.fsync
        sync = policy == "always" or (
            self._sync_due is not None and self._sync_due <= self._clock()
        )
        delete = self._live.deletable(self._segment)
        try:
            deleted = await anyio.to_thread.run_sync(
                self._writer.write, chunks, sync, delete
            )
        except OSError as exc:
            self._fail(exc, settle)
            return
        self._live.deleted(deleted)
        if sync:
            self._sync_due = None
        elif policy == "interval" and self._sync_due is None:
            self._sync_due = self._clock() + self.config.fsync_interval
        self._durable = ticket
        settle(ticket, True)

    async def _sync(self, settle: Settle) -> None:
        """Sync what the interval policy has written but not synced."""
        try:
            await anyio.to_thread.run_sync(self._writer.sync)
        except OSError as exc:
            self._fail(exc, settle)
            return
        self._sync_due = None

    def _fail(self, exc: OSError, settle: Settle) -> None:
        """Stop recording; every SUBMIT waiting on the disk is refused."""
        self._state = _State.FAILED
        self._chunks = [Chunk(self._segment)]
        self._out = self._chunks[0].data
        self._dirty = False
        self._sync_due = None
        logger.error(
            "journal %s: cannot write (%s); SUBMIT gets journal_unavailable and "
            "changes to tasks are not recorded until a retry succeeds, every %g s",
            self._directory,
            exc,
            self.config.retry_after_ms / 1000,
        )
        settle(self._batch, False)
        self._batch += 1

    async def _resume(self, export: Callable[[], list[RestoredTask]]) -> None:
        """Write the broker's state as a snapshot in place of every segment;
        records made meanwhile go to the log segment after it."""
        if self._compaction is not None:
            await self._compaction.wait()
        now_ms = self._now_ms()
        tasks = [self._recovered(task, now_ms) for task in export()]
        snapshot_id = self._segment + 1
        self._live = Liveness()
        self._live.start_compaction(snapshot_id)
        header = self._start_segment(snapshot_id + 1)
        self._chunks = [Chunk(self._segment, header)]
        self._out = self._chunks[0].data
        self._state = _State.RESUMING
        try:
            sizes, size = await anyio.to_thread.run_sync(
                self._rewrite, snapshot_id, tasks, self._last_task_id, now_ms
            )
        except OSError as exc:
            logger.warning("journal %s: still cannot write (%s)", self._directory, exc)
            self._state = _State.FAILED
            self._chunks = [Chunk(self._segment)]
            self._out = self._chunks[0].data
            self._dirty = False
            return
        self._live.install_snapshot(snapshot_id, sizes, size)
        self._state = _State.WRITING
        self._dirty = True
        logger.info(
            "journal %s: writing again; %d tasks rewritten as a snapshot",
            self._directory,
            len(tasks),
        )

    def _rewrite(
        self, snapshot_id: int, tasks: list[RecoveredTask], last: int, now_ms: int
    ) -> tuple[dict[int, int], int]:
        """In a thread: the resume snapshot, then no older segment."""
        self._writer.reset()
        result = write_snapshot(
            self._files, self._directory, snapshot_id, tasks, last, now_ms
        )
        older = list_segments(self._files, self._directory)
        delete_segments(
            self._files, self._directory, [i for i in older if i < snapshot_id]
        )
        return result

    # -- compaction ------------------------------------------------------------

    def _maintain(self, group: TaskGroup) -> None:
        """Start a compaction when one is due and the rotation before it is on
        disk; rotate first when the journal is large and mostly dead."""
        if self._state is not _State.WRITING:
            return
        upto = self._compact_upto
        if upto is not None and self._durable >= self._rotation_ticket:
            self._compact_upto = None
            self._compaction = anyio.Event()
            group.start_soon(self._compact, upto)
        elif (
            upto is None
            and self._compaction is None
            and self._clock() >= self._compact_hold
            and self._live.should_compact(
                self.config.compact_min, self.config.compact_below
            )
        ):
            self._compact_upto = self._segment
            self._rotation_ticket = self._batch
            self._rotate()

    async def _compact(self, upto: int) -> None:
        live = self._live
        keep = live.start_compaction(upto)
        before = live.total
        started = time.monotonic()
        try:
            sizes, size = await anyio.to_thread.run_sync(
                compact_segments,
                self._files,
                self._directory,
                upto,
                keep,
                self._now_ms(),
            )
        except (OSError, JournalError) as exc:
            logger.error("journal %s: compaction failed: %s", self._directory, exc)
            live.abort_compaction()
            self._compact_hold = self._clock() + COMPACT_RETRY
            return
        finally:
            assert self._compaction is not None
            self._compaction.set()
            self._compaction = None
        if live is self._live:
            live.install_snapshot(upto, sizes, size)
        logger.info(
            "journal %s: compacted into a snapshot of %d tasks (%d bytes) in %.2f s; "
            "%d bytes of journal, was %d",
            self._directory,
            len(sizes),
            size,
            time.monotonic() - started,
            self._live.total,
            before,
        )

    # -- helpers ---------------------------------------------------------------

    def _lock(self) -> None:
        self._files.make_dir(self._directory)
        try:
            self._lock_fd = self._files.lock(self._directory)
        except BlockingIOError:
            raise JournalError(
                f"{self._directory} is in use by another quicx-daemon"
            ) from None

    def _unlock(self) -> None:
        if self._lock_fd is not None:
            self._files.close(self._lock_fd)
            self._lock_fd = None

    def _ms(self, at: float) -> int:
        """Broker time to wall-clock milliseconds."""
        return max(0, round((at + self._offset) * 1000))

    def _now_ms(self) -> int:
        return round(self._wall() * 1000)

    def _restored(self, task: RecoveredTask) -> RestoredTask:
        state = {
            SnapshotState.QUEUED: TaskState.READY,
            SnapshotState.LEASED: TaskState.LEASED,
            SnapshotState.DEAD: TaskState.DEAD,
        }[task.state]
        return RestoredTask(
            task_id=task.task_id,
            queue=task.queue,
            priority=task.priority,
            ttr_ms=task.ttr_ms,
            max_attempts=task.max_attempts,
            payload=task.payload,
            state=state,
            ready_at=task.ready_ms / 1000 - self._offset,
            attempts=task.attempts,
            lost_leases=task.lost_leases,
            reason=task.reason,
        )

    def _recovered(self, task: RestoredTask, now_ms: int) -> RecoveredTask:
        if task.state is TaskState.DEAD:
            state = SnapshotState.DEAD
        elif task.state is TaskState.LEASED:
            state = SnapshotState.LEASED
        else:
            state = SnapshotState.QUEUED
        delayed = task.state is TaskState.DELAYED
        return RecoveredTask(
            task_id=task.task_id,
            queue=task.queue,
            priority=task.priority,
            ttr_ms=task.ttr_ms,
            max_attempts=task.max_attempts,
            payload=task.payload,
            state=state,
            ready_ms=self._ms(task.ready_at) if delayed else now_ms,
            attempts=task.attempts,
            lost_leases=task.lost_leases,
            reason=task.reason,
        )
