"""Writing segment files: appending records, snapshots, deleting.

Everything here blocks, so the journal calls it from a worker thread (or at
start, before the daemon listens). A :class:`SegmentWriter` is used by one
thread at a time; the journal never has two calls to it in flight.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from ._files import JournalFiles
from ._format import (
    encode_body,
    encode_segment_header,
    segment_name,
    segment_number,
    write_record,
)
from ._generated_messages import SegmentKind
from ._recovery import RecoveredTask

__all__ = [
    "Chunk",
    "SegmentWriter",
    "delete_segments",
    "list_segments",
    "write_snapshot",
]

logger = logging.getLogger(__name__)

SNAPSHOT_WRITE = 1 << 20  # a snapshot is written in pieces of about this size
TEMPORARY_SUFFIX = ".tmp"


@dataclass(slots=True)
class Chunk:
    """Records bound for one segment, as gathered on the event loop."""

    segment_id: int
    header: bytes | None = None
    """The segment's header when this chunk starts the segment."""
    data: bytearray = field(default_factory=bytearray)


def list_segments(files: JournalFiles, directory: Path) -> list[int]:
    """The ids of the segment files in ``directory``, oldest first."""
    ids = (segment_number(name) for name in files.names(directory))
    return sorted(i for i in ids if i is not None)


class SegmentWriter:
    """Appends records to the newest segment file and starts new ones.

    One thread at a time may use it: the journal's disk thread
    (``_threads``), or the caller before that thread runs.
    """

    def __init__(self, files: JournalFiles, directory: Path) -> None:
        self._files = files
        self._directory = directory
        self._fd: int | None = None
        self._size = 0  # bytes written to the open segment
        self._good = 0  # of those, bytes known to be whole

    def start(self, segment_id: int, header: bytes) -> None:
        """Sync and close the open segment, then create the next one with its
        header, synced along with the directory entry."""
        self._close()
        path = self._directory / segment_name(segment_id)
        self._fd = self._files.create(path)
        self._size = self._good = 0
        self._files.write(self._fd, header)
        self._files.sync(self._fd)
        self._files.sync_dir(self._directory)
        self._size = self._good = len(header)

    def append(self, chunks: list[Chunk], delete: Iterable[int] = ()) -> list[int]:
        """Append the chunks in order, starting segments where they say, then
        delete segments; return the ids deleted.

        :raises OSError: a write or a segment start failed; what this call
            wrote is cut off again where the system allows.
        """
        try:
            for chunk in chunks:
                if chunk.header is not None:
                    self.start(chunk.segment_id, chunk.header)
                if chunk.data:
                    assert self._fd is not None, "records before any segment"
                    self._files.write(self._fd, chunk.data)
                    self._size += len(chunk.data)
        except OSError:
            self._cut()
            raise
        self._good = self._size
        return delete_segments(self._files, self._directory, delete)

    def sync(self) -> None:
        """Sync the open segment (earlier ones were synced when they closed).

        :raises OSError: the sync failed.
        """
        if self._fd is not None:
            self._files.sync(self._fd)

    def write(self, chunks: list[Chunk], sync: bool) -> None:
        """Append the chunks and, if asked, sync them.

        :raises OSError: a write, segment start or sync failed.
        """
        self.append(chunks)
        if sync:
            self.sync()

    def reset(self) -> None:
        """Let go of the open segment after a failure, without syncing it."""
        if self._fd is not None:
            with contextlib.suppress(OSError):
                self._files.close(self._fd)
            self._fd = None

    def close(self) -> None:
        """Sync and close the open segment."""
        self._close()

    def _close(self) -> None:
        if self._fd is not None:
            fd, self._fd = self._fd, None
            try:
                self._files.sync(fd)
            finally:
                self._files.close(fd)

    def _cut(self) -> None:
        """Cut the open segment back to its last whole record, if possible."""
        if self._fd is None:
            return
        try:
            self._files.truncate(self._fd, self._good)
        except OSError as exc:
            logger.error(
                "journal: could not cut a failed write back to %d bytes (%s); "
                "the next start reads it as a torn record",
                self._good,
                exc,
            )
        self._size = self._good


def write_snapshot(
    files: JournalFiles,
    directory: Path,
    segment_id: int,
    tasks: Iterable[RecoveredTask],
    last_task_id: int,
    now_ms: int,
) -> tuple[dict[int, int], int]:
    """Write snapshot segment ``segment_id`` holding ``tasks``, in place of any
    file of that name, in one rename; return each task's record size and the
    file's size.

    :raises OSError: the snapshot could not be written; nothing was replaced.
    """
    final = directory / segment_name(segment_id)
    temporary = final.with_name(final.name + TEMPORARY_SUFFIX)
    files.unlink(temporary)
    fd = files.create(temporary)
    sizes: dict[int, int] = {}
    out = bytearray(
        encode_segment_header(SegmentKind.SNAPSHOT, segment_id, last_task_id, now_ms)
    )
    size = 0
    try:
        for task in tasks:
            record_type, body = encode_body(task.snapshot(now_ms))
            sizes[task.task_id] = write_record(out, record_type, body)
            if len(out) >= SNAPSHOT_WRITE:
                files.write(fd, out)
                size += len(out)
                out = bytearray()
        files.write(fd, out)
        size += len(out)
        files.sync(fd)
    except BaseException:
        files.close(fd)
        files.unlink(temporary)
        raise
    files.close(fd)
    files.replace(temporary, final)
    files.sync_dir(directory)
    return sizes, size


def delete_segments(
    files: JournalFiles, directory: Path, segment_ids: Iterable[int]
) -> list[int]:
    """Delete segment files and sync the directory; return the ids deleted.

    A file that cannot be deleted is logged and left for a later try.
    """
    deleted = []
    for segment_id in segment_ids:
        try:
            files.unlink(directory / segment_name(segment_id))
        except OSError as exc:
            logger.warning("journal: could not delete segment %x: %s", segment_id, exc)
            continue
        deleted.append(segment_id)
    if deleted:
        try:
            files.sync_dir(directory)
        except OSError as exc:
            logger.warning("journal: could not sync %s: %s", directory, exc)
    return deleted
