"""The journal's disk threads: one that writes, a few that sync, and a
socket pair that wakes the event loop when they are done.

Writes go one at a time, in the order they were handed over, on one thread.
A write that wants a sync hands a duplicate of the file's descriptor to one
of the sync threads and goes on with the next write, so several syncs can be
under way together; a sync covers everything written before it. Each job
ends in one :class:`Finished` note, which the loop collects with
:meth:`DiskThreads.finished`. Only ``anyio.wait_readable`` is needed on the
loop side, so this works on asyncio and trio alike.

After a failed write every later write fails at once, until :meth:`reset`.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import queue
import socket
import threading
from collections import deque
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass

import anyio

from ._files import JournalFiles
from ._segments import Chunk, SegmentWriter

__all__ = ["DiskThreads", "Finished"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Finished:
    """A write (and its sync, if it had one) is over."""

    ticket: int
    synced: bool
    deleted: list[int]
    error: OSError | None = None


@dataclass(frozen=True, slots=True)
class _Write:
    ticket: int
    chunks: list[Chunk]
    sync: bool
    delete: list[int]


class DiskThreads:
    """Threads doing one journal's blocking writes and syncs.

    :param writer: appends to the segment files; only the write thread uses it.
    :param files: the file system door, for the syncs.
    :param syncs: how many sync threads.
    """

    def __init__(self, writer: SegmentWriter, files: JournalFiles, syncs: int) -> None:
        self._writer = writer
        self._files = files
        self._writes: queue.SimpleQueue[_Write | None] = queue.SimpleQueue()
        self._syncs: queue.SimpleQueue[tuple[int, int, list[int]] | None] = (
            queue.SimpleQueue()
        )
        self._finished: deque[Finished] = deque()
        self._broken: OSError | None = None
        self._wake_read, self._wake_write = socket.socketpair()
        self._wake_read.setblocking(False)
        self._wake_write.setblocking(False)
        self._threads = [threading.Thread(target=self._write_loop, daemon=True)]
        self._threads += [
            threading.Thread(target=self._sync_loop, daemon=True) for _ in range(syncs)
        ]
        for thread in self._threads:
            thread.start()

    # -- on the loop -----------------------------------------------------------

    def write(
        self, ticket: int, chunks: list[Chunk], sync: bool, delete: Iterable[int]
    ) -> None:
        """Hand over a batch; its :class:`Finished` note comes later."""
        self._writes.put(_Write(ticket, chunks, sync, list(delete)))

    async def finished(self) -> AsyncIterator[Finished]:
        """The notes of finished jobs, as they come, until cancelled."""
        while True:
            while self._finished:
                yield self._finished.popleft()
            await anyio.wait_readable(self._wake_read)
            with contextlib.suppress(BlockingIOError):
                self._wake_read.recv(4096)

    def reset(self) -> None:
        """Accept writes again after a failure; call it with no job pending."""
        self._broken = None

    def stop(self) -> None:
        """Let the threads end once the jobs handed over are done."""
        self._writes.put(None)

    def join(self) -> None:
        """Wait for the threads to end (after :meth:`stop`); blocks."""
        for thread in self._threads:
            thread.join()
        self._wake_read.close()
        self._wake_write.close()

    # -- on the threads --------------------------------------------------------

    def _write_loop(self) -> None:
        while (job := self._writes.get()) is not None:
            if self._broken is not None:
                failure = OSError(errno.EIO, f"an earlier write failed: {self._broken}")
                self._finish(Finished(job.ticket, False, [], failure))
                continue
            try:
                deleted, fd = self._writer.append(job.chunks, job.sync, job.delete)
            except Exception as exc:  # a bug must not leave SUBMITs waiting
                self._broken = _as_os_error(exc)
                self._finish(Finished(job.ticket, False, [], self._broken))
                continue
            if fd is None:
                self._finish(Finished(job.ticket, False, deleted))
            elif len(self._threads) == 1:
                self._sync(job.ticket, fd, deleted)
            else:
                self._syncs.put((job.ticket, fd, deleted))
        for _ in self._threads[1:]:
            self._syncs.put(None)

    def _sync_loop(self) -> None:
        while (job := self._syncs.get()) is not None:
            self._sync(*job)

    def _sync(self, ticket: int, fd: int, deleted: list[int]) -> None:
        try:
            self._files.sync(fd)
        except Exception as exc:
            self._finish(Finished(ticket, False, deleted, _as_os_error(exc)))
        else:
            self._finish(Finished(ticket, True, deleted))
        finally:
            with contextlib.suppress(OSError):
                self._files.close(fd)

    def _finish(self, note: Finished) -> None:
        self._finished.append(note)
        with contextlib.suppress(BlockingIOError, OSError):
            self._wake_write.send(b"\0")


def _as_os_error(exc: Exception) -> OSError:
    """``exc`` if it is an OSError; otherwise it is logged, with its
    traceback, and stands as an I/O error."""
    if isinstance(exc, OSError):
        return exc
    logger.error("journal: unexpected error in a disk thread", exc_info=exc)
    return OSError(errno.EIO, f"unexpected error in a disk thread: {exc!r}")
