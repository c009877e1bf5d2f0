"""The handle format, and why a handle was refused.

A handle is an int of 64 bits::

    bits 48..63  arena id (random per arena, also in the arena header)
    bits 32..47  generation of the block position when it was allocated
    bits  0..31  location: slab << slot_bits | slot

A block position's generation (kept in its slab's metadata) is odd while a
block is live there and goes up by one at every alloc and free, so a handle
matches only the allocation that issued it: up to 32,768 reuses of the same
position, after which the 16-bit counter wraps. The arena id makes a handle
from another arena fail with 65,535 chances in 65,536, before any other check.
"""

from __future__ import annotations

from collections.abc import Callable

from ._errors import DoubleFree, ForeignHandle, HandleError, StaleHandle
from ._layout import Geometry

__all__ = ["ARENA_SHIFT", "GEN", "GEN_SHIFT", "LOCATION", "explain"]

ARENA_SHIFT = 48
GEN_SHIFT = 32
GEN = 0xFFFF
LOCATION = 0xFFFF_FFFF


def explain(
    handle: object,
    *,
    arena_id: int,
    geometry: Geometry,
    generation: Callable[[int, int], int],
    freeing: bool,
) -> Exception:
    """Return the error that says why ``handle`` names no live block.

    :param generation: returns the current generation of (slab, slot).
    :param freeing: the handle was given to ``free`` (a freed block is then
        a double free).
    """
    if type(handle) is not int:
        return TypeError(f"expected a Block or an int handle, got {handle!r}")
    if handle < 0 or handle >> ARENA_SHIFT != arena_id:
        return ForeignHandle(
            f"handle {handle:#x} is not from arena {arena_id:#06x}"
            f" (its arena id would be {handle >> ARENA_SHIFT & 0xFFFF:#06x})"
        )
    slab = (handle & LOCATION) >> geometry.slot_bits
    slot = handle & ((1 << geometry.slot_bits) - 1)
    wanted = handle >> GEN_SHIFT & GEN
    if slab >= geometry.slabs or slot >= geometry.gen_slots or not wanted & 1:
        return ForeignHandle(f"handle {handle:#x} names no block of this arena")
    current = generation(slab, slot)
    if current == wanted + 1 & GEN:
        kind: type[HandleError] = DoubleFree if freeing else StaleHandle
        return kind(f"block {handle:#x} was already freed")
    if current != wanted:
        return StaleHandle(f"block {handle:#x} was freed and its memory reused")
    return ForeignHandle(f"handle {handle:#x} names no live block of this arena")
