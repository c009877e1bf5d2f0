"""The journal's disk thread, and the socket pair that wakes the event loop
when it has finished a batch.

Batches are written and synced one at a time, in the order they were handed
over, on one thread, so the loop never waits for the disk; each ends in one
:class:`Finished` note, which the loop collects with
:meth:`DiskThread.finished`. Only ``anyio.wait_readable`` is needed on the
loop side, so this works on asyncio and trio alike.

One thread, not more: each batch costs the thread a wake-up and a turn with
the GIL, and on the two-core machine this was measured on, syncs running
side by side on more threads cost twice the context switches per batch and
did not raise throughput. Group commit does the sharing instead: what
gathers while a batch is on the disk goes out together in the next one.

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

__all__ = ["DiskThread", "Finished"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Finished:
    """A batch's write (and sync, if it had one) is over."""

    ticket: int
    synced: bool
    deleted: list[int]
    error: OSError | None = None


@dataclass(frozen=True, slots=True)
class _Batch:
    ticket: int
    chunks: list[Chunk]
    sync: bool
    delete: list[int]


class DiskThread:
    """A thread doing one journal's blocking writes and syncs.

    :param writer: appends to the segment files; only this thread uses it.
    :param files: the file system door, for the syncs.
    """

    def __init__(self, writer: SegmentWriter, files: JournalFiles) -> None:
        self._writer = writer
        self._files = files
        self._batches: queue.SimpleQueue[_Batch | None] = queue.SimpleQueue()
        self._finished: deque[Finished] = deque()
        self._broken: OSError | None = None
        self._wake_read, self._wake_write = socket.socketpair()
        self._wake_read.setblocking(False)
        self._wake_write.setblocking(False)
        self._thread = threading.Thread(
            target=self._run, name="quicx-journal", daemon=True
        )
        self._thread.start()

    # -- on the loop -----------------------------------------------------------

    def write(
        self, ticket: int, chunks: list[Chunk], sync: bool, delete: Iterable[int]
    ) -> None:
        """Hand over a batch; its :class:`Finished` note comes later."""
        self._batches.put(_Batch(ticket, chunks, sync, list(delete)))

    async def finished(self) -> AsyncIterator[Finished]:
        """The notes of finished batches, as they come, until cancelled."""
        while True:
            while self._finished:
                yield self._finished.popleft()
            await anyio.wait_readable(self._wake_read)
            with contextlib.suppress(BlockingIOError):
                self._wake_read.recv(4096)

    def reset(self) -> None:
        """Accept batches again after a failure; call it with none pending."""
        self._broken = None

    def stop(self) -> None:
        """Let the thread end once the batches handed over are done."""
        self._batches.put(None)

    def join(self) -> None:
        """Wait for the thread to end (after :meth:`stop`); blocks."""
        self._thread.join()
        self._wake_read.close()
        self._wake_write.close()

    # -- on the thread ---------------------------------------------------------

    def _run(self) -> None:
        while (batch := self._batches.get()) is not None:
            self._finished.append(self._do(batch))
            with contextlib.suppress(BlockingIOError, OSError):
                self._wake_write.send(b"\0")

    def _do(self, batch: _Batch) -> Finished:
        if self._broken is not None:
            failure = OSError(errno.EIO, f"an earlier write failed: {self._broken}")
            return Finished(batch.ticket, False, [], failure)
        try:
            deleted = self._writer.append(batch.chunks, batch.delete)
            if batch.sync:
                self._writer.sync()
        except Exception as exc:  # a bug must not leave SUBMITs waiting
            self._broken = _as_os_error(exc)
            return Finished(batch.ticket, False, [], self._broken)
        return Finished(batch.ticket, batch.sync, deleted)


def _as_os_error(exc: Exception) -> OSError:
    """``exc`` if it is an OSError; otherwise it is logged, with its
    traceback, and stands as an I/O error."""
    if isinstance(exc, OSError):
        return exc
    logger.error("journal: unexpected error in the disk thread", exc_info=exc)
    return OSError(errno.EIO, f"unexpected error in the disk thread: {exc!r}")
