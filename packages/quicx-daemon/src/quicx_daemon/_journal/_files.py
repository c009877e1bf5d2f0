"""The journal's only door to the file system.

Every call the journal makes on files goes through one :class:`JournalFiles`
object, so a test can hand the daemon a subclass that fails on cue (a full
disk, an I/O error) the way beanstalkd's tests swap its allocator. The
methods are thin: each is one or two ``os`` calls, and each raises the
``OSError`` the system gave.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from pathlib import Path

__all__ = ["JournalFiles"]

LOCK_NAME = "lock"


class JournalFiles:
    """Files of a journal directory, as plain descriptors."""

    def make_dir(self, directory: Path) -> None:
        """Create the directory (and its parents) if it is missing."""
        directory.mkdir(parents=True, exist_ok=True)

    def lock(self, directory: Path) -> int:
        """Lock the directory for this process; return the lock's descriptor.

        :raises BlockingIOError: another process holds the lock.
        """
        fd = os.open(
            directory / LOCK_NAME, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644
        )
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            raise
        return fd

    def names(self, directory: Path) -> list[str]:
        """The names in the directory."""
        return os.listdir(directory)

    def read(self, path: Path, size: int = -1) -> bytes:
        """The file's first ``size`` bytes, or all of it."""
        with path.open("rb") as stream:
            return stream.read(size)

    def create(self, path: Path) -> int:
        """Create a new file for appending; fail if it exists."""
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_APPEND | os.O_CLOEXEC
        return os.open(path, flags, 0o644)

    def open_append(self, path: Path) -> int:
        """Open an existing file for appending."""
        return os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CLOEXEC)

    def write(self, fd: int, data: bytes | bytearray | memoryview) -> None:
        """Write all of ``data``, however many calls it takes."""
        view = memoryview(data)
        while view:
            written = os.write(fd, view)
            view = view[written:]

    def sync(self, fd: int) -> None:
        """Wait until the file's data is on disk."""
        os.fdatasync(fd)

    def truncate(self, fd: int, size: int) -> None:
        """Cut the file to ``size`` bytes."""
        os.ftruncate(fd, size)

    def close(self, fd: int) -> None:
        os.close(fd)

    def replace(self, source: Path, target: Path) -> None:
        """Rename ``source`` to ``target``, replacing it, in one step."""
        os.replace(source, target)

    def unlink(self, path: Path) -> None:
        """Delete a file; one that is already gone is no error."""
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)

    def sync_dir(self, directory: Path) -> None:
        """Wait until the directory's entries (creations, renames, deletions)
        are on disk."""
        fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
