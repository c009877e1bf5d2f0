"""The handle object that ``Arena.alloc`` returns."""

from __future__ import annotations

from typing import TYPE_CHECKING, final

if TYPE_CHECKING:
    from ._arena import Arena

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
    :ivar arena: the arena the block belongs to.
    """

    __slots__ = ("arena", "capacity", "handle", "size")

    def __init__(self, handle: int, size: int, capacity: int, arena: Arena) -> None:
        self.handle = handle
        self.size = size
        self.capacity = capacity
        self.arena = arena

    @property
    def view(self) -> memoryview:
        """A writable memoryview of exactly ``size`` bytes of the block.

        A new view on each access; asking for it after the block is freed
        raises :class:`~quicx_pmad.StaleHandle`. A view taken earlier stays
        usable after the free, and must not be: the memory then belongs to
        whoever allocates it next.
        """
        return self.arena.view(self.handle, self.size)

    def __repr__(self) -> str:
        return (
            f"Block(handle={self.handle:#x}, size={self.size}, "
            f"capacity={self.capacity})"
        )
