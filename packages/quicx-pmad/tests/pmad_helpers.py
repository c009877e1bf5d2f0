"""Small arenas, stats checks and child-process bodies for the pmad tests."""

from __future__ import annotations

from multiprocessing.connection import Connection

from quicx_pmad import Arena, ArenaStats, NotOwner

SMALL_CLASSES = (16, 32, 64, 256, 1024)
SMALL_SLAB = 4096


def small_arena(slabs: int = 8, *, shared: str | None = None) -> Arena:
    """Return an arena of `slabs` 4 KiB slabs with five small classes.

    The first page holds the arena header and slab map.
    """
    return Arena(
        4096 + slabs * SMALL_SLAB,
        size_classes=SMALL_CLASSES,
        slab_size=SMALL_SLAB,
        shared=shared,
    )


def check_stats_add_up(stats: ArenaStats, slab_size: int) -> None:
    """Assert the relations every ArenaStats must satisfy."""
    assert stats.used + stats.free + stats.overhead == stats.capacity
    assert stats.overhead > 0
    assert stats.used == sum(c.live_blocks * c.class_size for c in stats.classes)
    assert stats.live_blocks == sum(c.live_blocks for c in stats.classes)
    assert stats.free_slabs + sum(c.slabs for c in stats.classes) == stats.slabs
    free_blocks = sum(c.free_blocks * c.class_size for c in stats.classes)
    assert stats.free == stats.free_slabs * slab_size + free_blocks
    assert all(c.free_blocks >= 0 and c.live_blocks >= 0 for c in stats.classes)
    assert stats.requested <= stats.used
    assert stats.high_water >= stats.used
    if stats.used:
        assert stats.fragmentation == 1 - stats.requested / stats.used
    else:
        assert stats.fragmentation == 0.0


def read_in_child(name: str, handles: list[tuple[int, int]], conn: Connection) -> None:
    """Attach to the shared arena `name` and send back what the handles hold.

    Also writes b"child" into the first block, and reports whether the
    attached arena refused to allocate.
    """
    arena = Arena.attach(name)
    try:
        contents = [bytes(arena.view(handle, n)) for handle, n in handles]
        arena.view(handles[0][0], 5)[:] = b"child"
        try:
            arena.alloc(8)
        except NotOwner:
            refused = True
        else:
            refused = False
        conn.send((contents, refused))
    finally:
        arena.close()
        conn.close()
