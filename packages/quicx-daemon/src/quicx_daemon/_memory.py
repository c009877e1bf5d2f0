"""The payload arena, shaped for the daemon's payload limit."""

from __future__ import annotations

from quicx_pmad import Arena, default_size_classes

__all__ = ["make_arena"]


def make_arena(capacity: int, max_payload: int) -> Arena:
    """Return an arena of ``capacity`` bytes whose largest class holds
    ``max_payload``, with slabs just large enough for one such block.

    :raises ValueError: the capacity cannot hold even one slab; the message
        says which limit was broken.
    """
    largest = max(64, -(-max_payload // 64) * 64)
    return Arena(
        capacity,
        size_classes=default_size_classes(largest),
        slab_size=_slab_size(largest),
    )


def _slab_size(largest: int) -> int:
    """Return a slab size, a multiple of 64 KiB, that holds one block of the
    largest class and the slab's metadata.

    The metadata grows with the slab (two bytes of generation per 64-byte
    slot, four bytes of size per block), so the headroom is a sixteenth of
    the block plus 64 KiB; small slabs keep many of them in a small arena.
    """
    step = 64 << 10
    return -(-(largest + largest // 16 + step) // step) * step
