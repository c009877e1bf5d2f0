"""What ``Arena.stats()`` returns: a frozen snapshot, one field per figure."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["ArenaStats", "ClassStats"]


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
