"""The payload arena, shaped for the daemon's payload limit."""

from __future__ import annotations

from quicx_pmad import Arena, default_size_classes

__all__ = ["make_arena"]


def make_arena(capacity: int, max_payload: int) -> Arena:
    """Return an arena of ``capacity`` bytes whose largest class holds
    ``max_payload``; quicx-pmad sizes the slabs so that one such block fits.

    :raises ValueError: the capacity cannot hold even one slab; the message
        says which limit was broken.
    """
    largest = max(64, -(-max_payload // 64) * 64)
    return Arena(
        capacity,
        size_classes=default_size_classes(largest),
        slab_size=None,
    )
