"""What ``Arena.stats()`` returns: a frozen snapshot, one field per figure."""

from __future__ import annotations

from dataclasses import dataclass

from ._layout import Geometry

__all__ = ["ArenaStats", "ClassStats", "snapshot"]


@dataclass(frozen=True, slots=True)
class ClassStats:
    """The state of one size class."""

    class_size: int
    """Bytes in each block of this class."""
    slabs: int
    """Slabs holding this class's blocks (its empty spare is not counted)."""
    live_blocks: int
    """Blocks allocated and not yet freed."""
    free_blocks: int
    """Blocks of this class's slabs that are free for reuse."""


@dataclass(frozen=True, slots=True)
class ArenaStats:
    """A snapshot of an arena.

    ``used + free + overhead == capacity`` always holds.
    """

    capacity: int
    """Bytes reserved for the arena, metadata included; never exceeded."""
    used: int
    """Bytes held by live blocks, counted at their class size."""
    free: int
    """Bytes that can still hold blocks: whole free slabs plus the free blocks
    of slabs in use."""
    overhead: int
    """The rest: arena header, per-slab metadata and slab tails too small for a
    block."""
    requested: int
    """Bytes asked for by the live blocks (the sum of their ``size``)."""
    live_blocks: int
    """Blocks allocated and not yet freed."""
    high_water: int
    """The most bytes ever held by slabs assigned to size classes: the peak
    footprint, which is what an arena's capacity has to cover."""
    fragmentation: float
    """Internal fragmentation: ``1 - requested / used``, 0.0 when nothing is
    used."""
    slabs: int
    """Slabs in the arena."""
    free_slabs: int
    """Slabs holding no block: the shared pool plus the spares (each class
    keeps at most one empty slab, which any class takes when the pool is
    empty)."""
    classes: tuple[ClassStats, ...]
    """One entry per size class, smallest first."""


def snapshot(
    geometry: Geometry, slabs: list[int], live: list[int], requested: int, high: int
) -> ArenaStats:
    """Return the stats of an arena from its census.

    :param slabs: slabs per class code, code 0 counting the empty ones.
    :param live: live blocks per class code.
    """
    g = geometry
    classes = tuple(
        ClassStats(
            class_size=g.sizes[code],
            slabs=slabs[code],
            live_blocks=live[code],
            free_blocks=slabs[code] * g.per_slab[code] - live[code],
        )
        for code in range(1, len(g.sizes))
    )
    used = sum(c.live_blocks * c.class_size for c in classes)
    free = slabs[0] * g.slab_size
    free += sum(c.free_blocks * c.class_size for c in classes)
    return ArenaStats(
        capacity=g.capacity,
        used=used,
        free=free,
        overhead=g.capacity - used - free,
        requested=requested,
        live_blocks=sum(live),
        high_water=high,
        fragmentation=1 - requested / used if used else 0.0,
        slabs=g.slabs,
        free_slabs=slabs[0],
        classes=classes,
    )
