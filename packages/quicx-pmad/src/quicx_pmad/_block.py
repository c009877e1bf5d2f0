"""The handle object that ``Arena.alloc`` returns."""

from __future__ import annotations

from typing import final

__all__ = ["Block"]


@final
class Block:
    """One allocated block of an arena.

    The attributes are read-only by convention; changing them corrupts
    nothing in the arena but makes this object lie.

    :ivar handle: an int naming the block, valid in every process attached to
        the arena until the block is freed; fits in 64 unsigned bits.
    :ivar size: the number of bytes asked for.
    :ivar capacity: the size of the block's class (``>= size``).
    """

    __slots__ = ("_memory", "_offset", "capacity", "handle", "size")

    def __init__(
        self, handle: int, size: int, capacity: int, memory: memoryview, offset: int
    ) -> None:
        self.handle = handle
        self.size = size
        self.capacity = capacity
        self._memory = memory
        self._offset = offset

    @property
    def view(self) -> memoryview:
        """A writable memoryview of exactly ``size`` bytes of the block.

        A new view on each access. Do not use it after the block is freed:
        the memory then belongs to whoever allocates it next.
        """
        start = self._offset
        return self._memory[start : start + self.size]

    def __repr__(self) -> str:
        return (
            f"Block(handle={self.handle:#x}, size={self.size}, "
            f"capacity={self.capacity})"
        )
