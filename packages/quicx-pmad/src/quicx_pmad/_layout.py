"""Where everything sits inside an arena's memory.

An arena is one contiguous region laid out as::

    header (64 bytes) | class table | slab map | padding | slab 0 | slab 1 | ...

The header names the format, the arena id and the geometry, so a process
that attaches rebuilds the same geometry from the bytes alone. The class
table holds each class size (u32). The slab map holds, per slab, the class
code it serves (u16; 0 means the slab is in the free pool). Each slab is::

    generations (u16 x gen_slots) | sizes (u32 x blocks) | blocks ...

The generation array has the same length whatever the slab's class, so the
generation of slot ``i`` survives the slab moving from class to class; that
is what makes stale handles detectable. The sizes array and the blocks depend
on the class. Class codes are 1-based so that zeroed memory means "no class";
the per-class tuples below carry a dummy entry at index 0 for the same reason.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from itertools import pairwise

__all__ = [
    "DEFAULT_SLAB_SIZE",
    "MAGIC",
    "Geometry",
    "class_table",
    "default_size_classes",
    "fitting_slab_size",
    "plan",
    "read_header",
    "write_header",
]

MAGIC = b"QXPMAD\x00\x01"
_HEADER = struct.Struct("<8sIIQQQII")
_HEADER_SIZE = 64
_PAGE = 4096
_BLOCK_ALIGN = 64
_MAX_CLASSES = 255
_LOCATION_BITS = 32

DEFAULT_SLAB_SIZE = (1 << 20) + (64 << 10)
"""1 MiB + 64 KiB: room for one 1 MiB block plus the slab's metadata."""


@dataclass(frozen=True, slots=True)
class Geometry:
    """The fixed shape of an arena, computed once from its parameters."""

    capacity: int
    slab_size: int
    sizes: tuple[int, ...]
    """Class size by class code; ``sizes[0] == 0`` stands for "no class"."""
    per_slab: tuple[int, ...]
    """Blocks per slab by class code; 0 for code 0."""
    block_start: tuple[int, ...]
    """Offset of the first block inside a slab, by class code."""
    gen_slots: int
    sizes_start: int
    slot_bits: int
    slabs: int
    classes_offset: int
    slabmap_offset: int
    data_offset: int

    def slab_base(self, slab: int) -> int:
        """Return the byte offset of ``slab`` in the arena."""
        return self.data_offset + slab * self.slab_size


def default_size_classes(largest: int = 1 << 20) -> tuple[int, ...]:
    """Return the default classes: 64 bytes up to ``largest``, 4 per doubling.

    Neighbouring classes differ by at most 25%, so a block wastes less than a
    fifth of itself to rounding.
    """
    classes: list[int] = []
    base = 64
    while base < largest:
        step = base // 4
        classes.extend(base + i * step for i in range(4))
        base *= 2
    return (*(c for c in classes if c < largest), largest)


def _align(n: int, to: int) -> int:
    """Return ``n`` rounded up to a multiple of ``to``."""
    return (n + to - 1) // to * to


def _check_classes(sizes: tuple[int, ...]) -> None:
    """Raise ValueError unless ``sizes`` is a usable list of class sizes."""
    if not 1 <= len(sizes) <= _MAX_CLASSES:
        raise ValueError(f"need 1..{_MAX_CLASSES} size classes, got {len(sizes)}")
    for size in sizes:
        if size < 8 or size % 8:
            raise ValueError(f"size classes must be multiples of 8, got {size}")
    if any(a >= b for a, b in pairwise(sizes)):
        raise ValueError(f"size classes must increase strictly, got {sizes}")


def _fit(slab_size: int, sizes_start: int, size: int) -> tuple[int, int]:
    """Return (blocks per slab, first block offset) for one class size.

    The blocks, their u32 size slots and the generation array all fit inside
    ``slab_size``; blocks start on a 64-byte boundary.
    """
    blocks = (slab_size - sizes_start) // (size + 4)
    while blocks > 0 and _align(sizes_start + 4 * blocks, 64) + blocks * size > (
        slab_size
    ):
        blocks -= 1
    return blocks, _align(sizes_start + 4 * blocks, _BLOCK_ALIGN)


def _count_slabs(capacity: int, slab_size: int, slabmap_offset: int) -> int:
    """Return how many slabs fit after the header, slab map and padding."""
    slabs = capacity // slab_size
    while (
        slabs > 0
        and _align(slabmap_offset + 2 * slabs, _PAGE) + (slabs * slab_size) > capacity
    ):
        slabs -= 1
    return slabs


def fitting_slab_size(size_classes: tuple[int, ...]) -> int:
    """Return the default slab size for these classes.

    That is :data:`DEFAULT_SLAB_SIZE`, or if the largest class does not fit
    in it with its metadata, the smallest multiple of 64 KiB that does.
    """
    _check_classes(size_classes)
    slab_size = DEFAULT_SLAB_SIZE
    step = 64 << 10
    while True:
        sizes_start = _align(2 * (slab_size // size_classes[0]), 8)
        if _fit(slab_size, sizes_start, size_classes[-1])[0] >= 1:
            return slab_size
        slab_size = (slab_size // step + 1) * step


def plan(capacity: int, size_classes: tuple[int, ...], slab_size: int) -> Geometry:
    """Return the geometry for these parameters, or raise ValueError.

    The message of each ValueError names the limit that was broken.
    """
    _check_classes(size_classes)
    if slab_size % 64 or slab_size < 256:
        raise ValueError(f"slab_size must be a multiple of 64, >= 256: {slab_size}")
    gen_slots = slab_size // size_classes[0]
    sizes_start = _align(2 * gen_slots, 8)
    fits = [_fit(slab_size, sizes_start, size) for size in size_classes]
    if fits[-1][0] < 1:
        raise ValueError(
            f"size class {size_classes[-1]} does not fit in a slab of "
            f"{slab_size} bytes with its metadata; use a larger slab_size"
        )
    classes_offset = _HEADER_SIZE
    slabmap_offset = _align(classes_offset + 4 * len(size_classes), 8)
    slabs = _count_slabs(capacity, slab_size, slabmap_offset)
    if slabs < 1:
        raise ValueError(
            f"capacity {capacity} holds no slab of {slab_size} bytes after "
            "the arena header; raise capacity or lower slab_size"
        )
    slot_bits = max(1, (gen_slots - 1).bit_length())
    if slabs > 1 << (_LOCATION_BITS - slot_bits):
        raise ValueError(
            f"{slabs} slabs do not fit in a handle (at most "
            f"{1 << (_LOCATION_BITS - slot_bits)}); use a larger slab_size"
        )
    return Geometry(
        capacity=capacity,
        slab_size=slab_size,
        sizes=(0, *size_classes),
        per_slab=(0, *(blocks for blocks, _ in fits)),
        block_start=(0, *(start for _, start in fits)),
        gen_slots=gen_slots,
        sizes_start=sizes_start,
        slot_bits=slot_bits,
        slabs=slabs,
        classes_offset=classes_offset,
        slabmap_offset=slabmap_offset,
        data_offset=_align(slabmap_offset + 2 * slabs, _PAGE),
    )


def class_table(sizes: tuple[int, ...]) -> bytes:
    """Return the class code of every size, indexed by the size rounded up to
    a multiple of 8 and divided by 8; ``sizes`` is by class code."""
    table = bytearray(1)  # size 0 has no class
    for code in range(1, len(sizes)):
        table += bytes([code]) * (sizes[code] // 8 - len(table) + 1)
    return bytes(table)


def write_header(memory: memoryview, geometry: Geometry, arena_id: int) -> None:
    """Write the header and class table that ``read_header`` reads back."""
    classes = geometry.sizes[1:]
    _HEADER.pack_into(
        memory,
        0,
        MAGIC,
        1,
        arena_id,
        geometry.capacity,
        geometry.slab_size,
        geometry.data_offset,
        len(classes),
        geometry.slabs,
    )
    struct.pack_into(f"<{len(classes)}I", memory, geometry.classes_offset, *classes)


def read_header(memory: memoryview) -> tuple[Geometry, int]:
    """Return (geometry, arena id) from an arena's header.

    :raises ValueError: the memory does not hold a quicx-pmad arena of this
        format, or its header disagrees with its size.
    """
    if len(memory) < _HEADER_SIZE:
        raise ValueError("segment too small to hold a quicx-pmad arena")
    fields = _HEADER.unpack_from(memory, 0)
    magic, version, arena_id, capacity, slab_size, data_offset, nclasses, slabs = fields
    if magic != MAGIC or version != 1:
        raise ValueError("segment does not hold a quicx-pmad arena (bad magic)")
    classes = struct.unpack_from(f"<{nclasses}I", memory, _HEADER_SIZE)
    geometry = plan(capacity, classes, slab_size)
    if (geometry.data_offset, geometry.slabs) != (data_offset, slabs):
        raise ValueError("quicx-pmad arena header is inconsistent")
    return geometry, arena_id
