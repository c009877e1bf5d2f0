"""The journal: the broker's events on disk, written off the event loop.

The broker's event hook (:meth:`Journal.record`) packs each event into a
record in memory, on the loop (``_gather``); nothing there touches a file.
One task, :meth:`Journal.run`, hands what has gathered to the disk thread
(``_threads``), which writes it in one call and syncs it once; then
``settle`` tells the server which batches are safe. While one batch is on
its way to the disk the next gathers, so SUBMITs that arrive together, or
while a sync is under way, share one write and one fsync (group commit). No
connection waits for the disk but the producers whose OKs do.

A SUBMIT's record belongs to the batch :attr:`Journal.ticket` names when it
is made; the server holds the task and its OK until that batch settles.
Under the fsync policy ``always`` a batch holding a SUBMIT is synced before
it settles; other records (dispatched, done, ...) are written within
:data:`LAZY_WRITE` and synced within :data:`LAZY_SYNC`, or sooner with the
next SUBMIT.

When a write fails the journal stops: that batch and the one gathering
settle as failed (their SUBMITs get journal_unavailable), and nothing more
is recorded. Every ``retry_after_ms`` it tries again by writing the broker's
whole state, taken from memory, as a snapshot segment in place of every
older segment; then it records again.

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

import anyio
from anyio.abc import TaskGroup

from .. import _events as ev
from .._config import JournalConfig
from .._restore import RestoredTask
from ._files import JournalFiles
from ._gather import LAZY_WRITE, Gatherer
from ._liveness import Liveness
from ._reading import JournalError, compact_segments, recover_directory
from ._recovery import RecoveredTask, from_restored, to_restored
from ._segments import (
    SegmentWriter,
    delete_segments,
    list_segments,
    write_snapshot,
)
from ._threads import DiskThread

__all__ = ["LAZY_SYNC", "LAZY_WRITE", "Journal"]

logger = logging.getLogger(__name__)

LAZY_SYNC = 1.0
"""Under ``always``, seconds written records no reply waits for may stay
unsynced."""
COMPACT_RETRY = 60.0  # seconds before a failed compaction is tried again
BATCHES_AT_ONCE = 1  # batches on their way to the disk at once

Settle = Callable[[int, bool], None]
"""``settle(ticket, ok)``: every SUBMIT with a ticket up to ``ticket`` is on
disk (ok) or will never be (not ok)."""
Export = Callable[[], list[RestoredTask]]


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
        self._files = files if files is not None else JournalFiles()
        self._writer = SegmentWriter(self._files, self._directory)
        self._gather = Gatherer(
            segment_size=config.segment_size, clock=clock, wall=wall, wake=self._wake
        )
        self._state = _State.WRITING
        self._batch = 1  # ticket of the batch gathering now
        self._pending: dict[int, int] = {}  # ticket on its way -> generation
        self._synced = 0  # the highest ticket whose own sync returned
        self._durable = 0  # every ticket up to this one is settled
        self._generation = 0  # raised by each failure; late syncs check it
        self._sync_due: float | None = None  # written, not synced: sync by then
        self._retry_at = 0.0  # when a failed journal tries again
        self._compact_upto: int | None = None  # rotated, compaction to start
        self._rotation_ticket = 0  # the batch that carries that rotation
        self._compact_hold = 0.0
        self._compaction: anyio.Event | None = None  # set when it ends
        self._wakeup: anyio.Event | None = None
        self._asleep_until = -math.inf  # when the writing task will look again
        self._running = False  # run() is writing
        self._settled: anyio.Event | None = None  # made when someone waits
        self._lock_fd: int | None = None
        self._threads: DiskThread | None = None

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
        gather = self._gather
        gather.last_task_id = recovered.last_task_id
        live = Liveness()
        next_id = max(recovered.present, default=0) + 1
        if recovered.tasks:
            sizes, size = write_snapshot(
                self._files,
                self._directory,
                next_id,
                recovered.tasks,
                recovered.last_task_id,
                gather.now_ms(),
            )
            live.install_snapshot(next_id, sizes, size)
            next_id += 1
        header = gather.restart(live, next_id, write_header=False)
        self._writer.start(next_id, header)
        delete_segments(self._files, self._directory, recovered.present)
        logger.info(
            "journal %s: recovered %d tasks from %d records (%d bytes) in %.2f s",
            self._directory,
            len(recovered.tasks),
            recovered.records,
            recovered.size,
            time.monotonic() - started,
        )
        tasks = [to_restored(task, gather.clock_at) for task in recovered.tasks]
        return tasks, recovered.last_task_id

    async def flush(self) -> None:
        """Wait until every record made so far is written, and synced unless
        the policy is never. Returns at once if the journal has failed or
        :meth:`run` is not running."""
        gather = self._gather
        target = self._batch if gather.dirty else self._batch - 1
        gather.urge()
        if self._sync_due is not None:
            self._sync_due = self._clock()
            self._wake()
        while (
            self._running
            and self._state is _State.WRITING
            and (self._durable < target or self._sync_due is not None)
        ):
            await self._next_settle()

    async def aclose(self) -> None:
        """Flush (if :meth:`run` runs), then close the open segment and let go
        of the directory; the journal is unusable after."""
        await self.flush()
        await anyio.to_thread.run_sync(self._shut_down)
        self._unlock()

    def _shut_down(self) -> None:
        """In a thread: let the disk threads finish, then close the segment."""
        if self._threads is not None:
            self._threads.stop()
            self._threads.join()
            self._threads = None
        if self._state is _State.WRITING:
            self._writer.close()
        else:
            self._writer.reset()

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
        total, live = self._gather.live.total, self._gather.live.live
        return total, min(1_000_000, round(live * 1_000_000 / total)) if total else 0

    def record(self, event: ev.TaskEvent) -> None:
        """Append the record of one broker event (the broker's ``on_event``);
        nothing while the journal has failed."""
        if self._state is not _State.FAILED:
            self._gather.record(event)
        elif isinstance(event, ev.Submitted):
            gather = self._gather
            gather.last_task_id = max(gather.last_task_id, event.task_id)

    # -- the writing task ------------------------------------------------------

    async def run(self, settle: Settle, export: Export) -> None:
        """Write batches until cancelled; ``export`` gives the broker's state
        when the journal must rewrite it after a failure."""
        self._wakeup = anyio.Event()
        self._running = True
        threads = self._threads = DiskThread(self._writer, self._files)
        try:
            async with anyio.create_task_group() as group:
                group.start_soon(self._collect, threads, settle)
                while True:
                    await self._turn(settle, export)
                    self._tell_flushers()
                    self._maintain(group)
        finally:
            threads.stop()
            self._running = False
            self._tell_flushers()

    async def _next_settle(self) -> None:
        """Wait until the writing task next settles something (or stops)."""
        if self._settled is None:
            self._settled = anyio.Event()
        await self._settled.wait()

    def _tell_flushers(self) -> None:
        if self._settled is not None:
            self._settled.set()
            self._settled = None

    async def _turn(self, settle: Settle, export: Export) -> None:
        """Sleep until a write, a sync or a retry is due, then start it."""
        gather = self._gather
        now = self._clock()
        if self._state is _State.FAILED:
            due = self._retry_at
        elif len(self._pending) >= BATCHES_AT_ONCE:
            due = math.inf  # a batch that ends wakes us
        elif gather.dirty and gather.urgent:
            due = now
        else:
            due = min(
                gather.write_due if gather.dirty else math.inf,
                math.inf if self._sync_due is None else self._sync_due,
            )
        if due > now:
            self._wakeup = anyio.Event()
            self._asleep_until = due
            with anyio.move_on_after(due - now):
                await self._wakeup.wait()
            self._asleep_until = -math.inf
        elif self._state is _State.FAILED:
            await self._resume(export)
        else:
            self._start_batch()

    def _wake(self, due: float = -math.inf) -> None:
        """Wake the writing task if it sleeps past ``due`` (by default, if it
        sleeps at all)."""
        if due < self._asleep_until and self._wakeup is not None:
            self._wakeup.set()

    def _start_batch(self) -> None:
        """Hand what has gathered to the write thread, to be synced as well if
        a reply waits for it or a sync is due."""
        gather = self._gather
        urgent, dirty = gather.urgent, gather.dirty
        chunks = gather.take()
        ticket = self._batch
        self._batch += 1
        policy = self.config.fsync
        now = self._clock()
        sync = (urgent and policy == "always") or (
            self._sync_due is not None and self._sync_due <= now
        )
        if sync:
            self._sync_due = None
        elif dirty and policy != "never" and self._sync_due is None:
            later = LAZY_SYNC if policy == "always" else self.config.fsync_interval
            self._sync_due = now + later
        delete = gather.live.deletable(gather.segment)
        self._pending[ticket] = self._generation
        assert self._threads is not None, "batches need run"
        self._threads.write(ticket, chunks, sync, delete)

    async def _collect(self, threads: DiskThread, settle: Settle) -> None:
        """Take in what the disk threads finish, as they finish it."""
        async for note in threads.finished():
            generation = self._pending.pop(note.ticket, None)
            self._tell_flushers()
            if len(self._pending) == BATCHES_AT_ONCE - 1:
                self._wake()  # a place for another batch
            if generation != self._generation:
                continue  # a batch from before a failure
            if note.error is not None:
                self._fail(note.error, settle)
                continue
            self._gather.live.deleted(note.deleted)
            if note.synced:
                self._synced = max(self._synced, note.ticket)
            self._advance(settle)

    def _advance(self, settle: Settle) -> None:
        """Settle every batch written and, if it needed one, synced: all
        batches before the oldest still on its way, and all those a finished
        sync covers."""
        written = min(self._pending) - 1 if self._pending else self._batch - 1
        point = max(written, self._synced)
        if point > self._durable:
            self._durable = point
            settle(point, True)
            self._tell_flushers()
            if self._compact_upto is not None:
                self._wake()  # the compaction waits for its rotation

    def _fail(self, exc: OSError, settle: Settle) -> None:
        """Stop recording; every SUBMIT waiting on the disk is refused."""
        self._state = _State.FAILED
        self._generation += 1
        self._retry_at = self._clock() + self.config.retry_after_ms / 1000
        self._gather.take()
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
        self._durable = self._synced = self._batch - 1
        self._tell_flushers()
        self._wake()  # the writing task may sleep; it has a retry to time

    # -- after a failure -------------------------------------------------------

    async def _resume(self, export: Export) -> None:
        """Write the broker's state as a snapshot in place of every segment;
        records made meanwhile go to the log segment after it."""
        if self._compaction is not None:
            await self._compaction.wait()
        while self._pending and self._running:
            await self._next_settle()  # late batches of before the failure
        gather = self._gather
        if self._threads is not None:
            self._threads.reset()
        now_ms = gather.now_ms()
        tasks = [from_restored(task, gather.ms, now_ms) for task in export()]
        snapshot_id = gather.segment + 1
        live = Liveness()
        live.start_compaction(snapshot_id)
        gather.restart(live, snapshot_id + 1, write_header=True)
        self._state = _State.RESUMING
        try:
            sizes, size = await anyio.to_thread.run_sync(
                self._rewrite, snapshot_id, tasks, gather.last_task_id, now_ms
            )
        except OSError as exc:
            logger.warning("journal %s: still cannot write (%s)", self._directory, exc)
            self._state = _State.FAILED
            self._retry_at = self._clock() + self.config.retry_after_ms / 1000
            gather.take()
            return
        live.install_snapshot(snapshot_id, sizes, size)
        self._state = _State.WRITING
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
        live = self._gather.live
        if upto is not None and self._durable >= self._rotation_ticket:
            self._compact_upto = None
            self._compaction = anyio.Event()
            group.start_soon(self._compact, upto)
        elif (
            upto is None
            and self._compaction is None
            and self._clock() >= self._compact_hold
            and live.should_compact(self.config.compact_min, self.config.compact_below)
        ):
            self._compact_upto = self._gather.segment
            self._rotation_ticket = self._batch
            self._gather.rotate(urgent=True)

    async def _compact(self, upto: int) -> None:
        live = self._gather.live
        keep = live.start_compaction(upto)
        before = live.total
        started = time.monotonic()
        now_ms = self._gather.now_ms()
        try:
            sizes, size = await anyio.to_thread.run_sync(
                compact_segments, self._files, self._directory, upto, keep, now_ms
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
        if live is not self._gather.live:
            return  # a resume replaced everything meanwhile
        live.install_snapshot(upto, sizes, size)
        logger.info(
            "journal %s: compacted into a snapshot of %d tasks (%d bytes) in %.2f s; "
            "%d bytes of journal, was %d",
            self._directory,
            len(sizes),
            size,
            time.monotonic() - started,
            live.total,
            before,
        )

    # -- the directory ---------------------------------------------------------

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
