"""The bytes under an arena: an anonymous map or a named shared segment.

Shared segments are opened with POSIX ``shm_open`` directly rather than
through ``multiprocessing.shared_memory``: that class registers every
*attach* with the resource tracker, which then unlinks the segment when the
attaching process exits and warns about a leak. Here only the creator
registers the segment (so a crashed creator still leaves nothing behind) and
only the creator unlinks it.
"""

from __future__ import annotations

import mmap
import os
from contextlib import suppress
from importlib import import_module
from multiprocessing import resource_tracker
from typing import Protocol, cast

__all__ = ["Memory"]

_TRACKER_KIND = "shared_memory"
# Commit every page when mapping (Linux); elsewhere pages commit on first use.
_POPULATE: int = getattr(mmap, "MAP_POPULATE", 0)


class _ShmModule(Protocol):
    def shm_open(self, path: str, flags: int, mode: int = 0o777) -> int: ...

    def shm_unlink(self, path: str) -> None: ...


def _shm() -> _ShmModule:
    """Return the stdlib's POSIX shared-memory module.

    :raises NotImplementedError: on platforms without POSIX shared memory.
    """
    try:
        return cast(_ShmModule, import_module("_posixshmem"))
    except ImportError:  # pragma: no cover - Windows
        raise NotImplementedError("shared arenas need POSIX shared memory") from None


def _segment_path(name: str) -> str:
    """Return the shm_open path of a segment name (one leading slash)."""
    if not name or "/" in name:
        raise ValueError(f"shared arena names are non-empty, without '/': {name!r}")
    return "/" + name


class Memory:
    """An arena's mapped bytes and how to give them back.

    :ivar view: a writable byte view of the whole mapping.
    :ivar name: the segment name, or None for an anonymous map.
    """

    def __init__(self, mapping: mmap.mmap, name: str | None, owner: bool) -> None:
        self._mapping: mmap.mmap | None = mapping
        self.view = memoryview(mapping)
        self.name = name
        self._unlink_pid = os.getpid() if owner and name is not None else None

    @classmethod
    def anonymous(cls, size: int, *, populate: bool) -> Memory:
        """Return ``size`` bytes of private anonymous memory, zero-filled.

        With ``populate`` the pages are committed now (MAP_POPULATE where the
        platform has it), so no allocation later pays for a page fault.
        """
        flags = mmap.MAP_PRIVATE | (_POPULATE if populate else 0)
        return cls(mmap.mmap(-1, size, flags=flags), None, owner=True)

    @classmethod
    def create_shared(cls, name: str, size: int, *, populate: bool) -> Memory:
        """Return a new named segment of ``size`` zero bytes.

        ``populate`` commits the pages now, as for :meth:`anonymous`.

        :raises FileExistsError: a segment of that name exists already.
        """
        path = _segment_path(name)
        shm = _shm()
        fd = shm.shm_open(path, os.O_CREAT | os.O_EXCL | os.O_RDWR, mode=0o600)
        try:
            os.ftruncate(fd, size)
            flags = mmap.MAP_SHARED | (_POPULATE if populate else 0)
            mapping = mmap.mmap(fd, size, flags=flags)
        except BaseException:
            shm.shm_unlink(path)
            raise
        finally:
            os.close(fd)
        resource_tracker.register(path, _TRACKER_KIND)
        return cls(mapping, name, owner=True)

    @classmethod
    def attach_shared(cls, name: str) -> Memory:
        """Return the existing segment ``name``, mapped read-write.

        :raises FileNotFoundError: no segment has that name.
        """
        fd = _shm().shm_open(_segment_path(name), os.O_RDWR, mode=0o600)
        try:
            mapping = mmap.mmap(fd, os.fstat(fd).st_size)
        finally:
            os.close(fd)
        return cls(mapping, name, owner=False)

    def close(self) -> None:
        """Unmap the memory, and unlink the segment if this process created it.

        Views derived from ``view`` and still alive keep the mapping alive:
        it is then unmapped when the last of them is released or collected.
        Calling close again does nothing.
        """
        mapping, self._mapping = self._mapping, None
        if mapping is None:
            return
        # A view or mapping still exported (live block views) cannot be
        # closed now; the mapping is then unmapped when the last one goes.
        with suppress(BufferError):
            self.view.release()
        with suppress(BufferError):
            mapping.close()
        if self._unlink_pid == os.getpid() and self.name is not None:
            path = _segment_path(self.name)
            _shm().shm_unlink(path)
            resource_tracker.unregister(path, _TRACKER_KIND)
