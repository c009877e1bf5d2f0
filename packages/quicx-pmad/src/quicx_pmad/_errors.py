"""The errors an arena raises, one class per condition.

Every class derives from :class:`ArenaError`, and also from the builtin that
fits the condition, so ``except MemoryError`` or ``except ValueError`` work
for callers who do not know this package.
"""

from __future__ import annotations

__all__ = [
    "ArenaClosed",
    "ArenaError",
    "ArenaFull",
    "BlockSizeError",
    "DoubleFree",
    "ForeignHandle",
    "HandleError",
    "NotOwner",
    "StaleHandle",
]


class ArenaError(Exception):
    """Base class of every error raised by quicx-pmad."""


class ArenaFull(ArenaError, MemoryError):
    """Raised by ``alloc`` and ``store`` when no block of the needed class is free.

    The arena is left exactly as it was; free some blocks and try again.

    :ivar size: the number of bytes asked for.
    :ivar class_size: the size class that had no free block.
    """

    def __init__(self, message: str, *, size: int, class_size: int) -> None:
        super().__init__(message)
        self.size = size
        self.class_size = class_size


class BlockSizeError(ArenaError, ValueError):
    """Raised when a size is 0 or less, or larger than the largest size class."""


class HandleError(ArenaError, ValueError):
    """Raised when a handle does not name a live block of this arena."""


class StaleHandle(HandleError):
    """Raised when a handle's block was freed (and maybe reused) since."""


class DoubleFree(StaleHandle):
    """Raised by ``free`` when the block was already freed."""


class ForeignHandle(HandleError):
    """Raised when a handle belongs to another arena or is not a handle at all."""


class ArenaClosed(ArenaError, ValueError):
    """Raised by any operation on an arena after ``close()``."""


class NotOwner(ArenaError, RuntimeError):
    """Raised when an attached arena is asked to allocate, free or report stats.

    Only the process that created a shared arena allocates and frees in it;
    attached processes read and write blocks by handle.
    """
