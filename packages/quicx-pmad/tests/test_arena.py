"""Arena behaviour: sizes, errors, exhaustion, the slab pool, close."""

from __future__ import annotations

from itertools import pairwise

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pmad_helpers import SMALL_CLASSES, SMALL_SLAB, check_stats_add_up, small_arena
from quicx_pmad import (
    DEFAULT_SLAB_SIZE,
    Arena,
    ArenaClosed,
    ArenaFull,
    Block,
    BlockSizeError,
    DoubleFree,
    ForeignHandle,
    StaleHandle,
    default_size_classes,
)
from quicx_pmad._layout import class_table


def fill(arena: Arena, n: int) -> list[Block]:
    """Return blocks of `n` bytes allocated until the arena is full."""
    blocks = []
    for _ in range(100_000):
        try:
            blocks.append(arena.alloc(n))
        except ArenaFull:
            return blocks
    raise AssertionError("the arena never filled up")


def test_alloc_gives_a_writable_view_of_exactly_n_bytes() -> None:
    with small_arena() as arena:
        block = arena.alloc(20)
        assert (block.size, block.capacity) == (20, 32)
        view = block.view
        assert len(view) == 20
        assert not view.readonly
        view[:] = b"x" * 20
        assert bytes(arena.view(block.handle, 20)) == b"x" * 20
        assert len(arena.view(block.handle, 32)) == 32


def test_store_copies_bytes_bytearray_and_any_buffer() -> None:
    with small_arena() as arena:
        assert bytes(arena.store(b"abc").view) == b"abc"
        assert bytes(arena.store(bytearray(b"defg")).view) == b"defg"
        words = memoryview(bytearray(range(8))).cast("I")
        block = arena.store(words)
        assert (block.size, bytes(block.view)) == (8, bytes(range(8)))


def test_each_size_gets_the_smallest_class_that_holds_it() -> None:
    with small_arena() as arena:
        for n, expected in [(1, 16), (16, 16), (17, 32), (64, 64), (65, 256)]:
            assert arena.alloc(n).capacity == expected
        assert arena.alloc(1024).capacity == 1024


@pytest.mark.parametrize("n", [0, -1, 1025, 10**12])
def test_sizes_out_of_range_name_the_limits(n: int) -> None:
    with small_arena() as arena:
        before = arena.stats()
        with pytest.raises(BlockSizeError, match=r"1\.\.1024 bytes") as info:
            arena.alloc(n)
        assert isinstance(info.value, ValueError)
        assert arena.stats() == before


def test_store_of_empty_data_is_refused() -> None:
    with small_arena() as arena, pytest.raises(BlockSizeError):
        arena.store(b"")


def test_a_full_arena_raises_and_is_left_exactly_as_it_was() -> None:
    with small_arena(slabs=2) as arena:
        blocks = fill(arena, 1024)
        assert len(blocks) == 2 * 3
        before = arena.stats()
        with pytest.raises(ArenaFull, match="arena full") as info:
            arena.alloc(1000)
        assert isinstance(info.value, MemoryError)
        assert (info.value.size, info.value.class_size) == (1000, 1024)
        with pytest.raises(ArenaFull):
            arena.alloc(5)
        assert arena.stats() == before
        check_stats_add_up(before, SMALL_SLAB)


def test_freeing_after_exhaustion_makes_room_again() -> None:
    with small_arena(slabs=2) as arena:
        blocks = fill(arena, 1024)
        arena.free(blocks.pop())
        again = arena.alloc(1024)
        assert again.capacity == 1024
        for block in [*blocks, again]:
            arena.free(block)
        stats = arena.stats()
        assert (stats.used, stats.live_blocks, stats.free_slabs) == (0, 0, 2)


def test_an_empty_slab_returns_to_the_pool_for_another_class() -> None:
    with small_arena(slabs=4) as arena:
        small = fill(arena, 16)
        assert arena.stats().free_slabs == 0
        with pytest.raises(ArenaFull):
            arena.alloc(1024)
        for block in small:
            arena.free(block)
        assert arena.stats().free_slabs == 4
        large = fill(arena, 1024)
        assert len(large) == 4 * 3


def test_freeing_one_block_puts_a_full_slab_back_in_service() -> None:
    with small_arena(slabs=1) as arena:
        blocks = fill(arena, 256)
        arena.free(blocks[5])
        assert arena.alloc(200).capacity == 256
        with pytest.raises(ArenaFull):
            arena.alloc(200)


def test_double_free_is_detected_by_block_and_by_handle() -> None:
    with small_arena() as arena:
        block = arena.alloc(10)
        arena.free(block)
        with pytest.raises(DoubleFree, match="already freed"):
            arena.free(block)
        with pytest.raises(DoubleFree):
            arena.free(block.handle)
        assert arena.stats().live_blocks == 0


def test_a_stale_handle_is_detected_after_its_memory_is_reused() -> None:
    with small_arena() as arena:
        old = arena.alloc(10)
        arena.free(old)
        new = arena.alloc(10)
        assert new.handle != old.handle
        with pytest.raises(StaleHandle, match="reused"):
            arena.free(old.handle)
        with pytest.raises(StaleHandle):
            arena.view(old.handle, 10)
        with pytest.raises(StaleHandle):
            _ = old.view
        assert arena.stats().live_blocks == 1


def test_a_stale_handle_stays_stale_when_its_slab_changes_class() -> None:
    with small_arena(slabs=1) as arena:
        old = arena.alloc(1024)
        arena.free(old)
        reused = [arena.alloc(16) for _ in range(50)]
        with pytest.raises(StaleHandle):
            arena.free(old.handle)
        for block in reused:
            arena.free(block)
        arena.alloc(1024)
        with pytest.raises(StaleHandle):
            arena.view(old.handle, 1)


def test_handles_from_another_arena_are_refused() -> None:
    with small_arena() as one, small_arena() as two:
        while two.arena_id == one.arena_id:  # 1 in 65536; make them differ
            two.close()
            two = small_arena()
        block = one.alloc(10)
        with pytest.raises(ForeignHandle, match="not from arena"):
            two.free(block.handle)
        with pytest.raises(ForeignHandle):
            two.view(block.handle, 1)
        two.close()


@pytest.mark.parametrize("handle", [-1, 0, 1 << 70, 12345])
def test_made_up_handles_are_refused(handle: int) -> None:
    with small_arena() as arena:
        arena.alloc(10)
        with pytest.raises(ForeignHandle):
            arena.free(handle)
        bogus = arena.arena_id << 48 | handle & 0xFFFF_FFFF_FFFF
        with pytest.raises((ForeignHandle, StaleHandle)):
            arena.free(bogus)
        assert arena.stats().live_blocks == 1


def test_a_forged_handle_to_a_free_block_is_refused() -> None:
    with small_arena() as arena:
        block = arena.alloc(10)
        arena.free(block)
        # The same position with the freed (even) generation it now has.
        forged = block.handle + (1 << 32)
        with pytest.raises(ForeignHandle):
            arena.free(forged)
        with pytest.raises(ForeignHandle):
            arena.view(forged, 1)
        assert arena.alloc(10).handle == block.handle + (2 << 32)
        assert arena.stats().live_blocks == 1


def test_non_int_handles_raise_type_error() -> None:
    with small_arena() as arena, pytest.raises(TypeError):
        arena.free("7")  # type: ignore[arg-type]


def test_view_size_is_bounded_by_the_class() -> None:
    with small_arena() as arena:
        block = arena.alloc(10)
        assert len(arena.view(block.handle, 0)) == 0
        with pytest.raises(BlockSizeError):
            arena.view(block.handle, 17)


def test_failure_hook_injects_arena_full_without_changing_anything() -> None:
    with small_arena() as arena:
        arena.alloc(8)
        before = arena.stats()
        arena.failure_hook = lambda n: n > 100
        with pytest.raises(ArenaFull):
            arena.alloc(200)
        with pytest.raises(ArenaFull):
            arena.store(b"y" * 101)
        assert arena.stats() == before
        assert arena.alloc(100).capacity == 256
        with pytest.raises(BlockSizeError):
            arena.alloc(0)
        arena.failure_hook = None
        assert arena.alloc(200).capacity == 256


def test_stats_count_bytes_blocks_and_fragmentation() -> None:
    with small_arena() as arena:
        arena.alloc(10)
        arena.alloc(30)
        stats = arena.stats()
        assert (stats.used, stats.requested, stats.live_blocks) == (48, 40, 2)
        assert stats.fragmentation == pytest.approx(1 - 40 / 48)
        assert stats.high_water == 2 * SMALL_SLAB
        by_size = {c.class_size: c for c in stats.classes}
        assert by_size[16].live_blocks == by_size[32].live_blocks == 1
        assert by_size[16].slabs == 1
        assert [c.class_size for c in stats.classes] == list(SMALL_CLASSES)
        check_stats_add_up(stats, SMALL_SLAB)


def test_closed_arena_refuses_everything() -> None:
    arena = small_arena()
    block = arena.alloc(10)
    arena.close()
    arena.close()
    assert arena.closed
    with pytest.raises(ArenaClosed):
        arena.alloc(10)
    with pytest.raises(ArenaClosed):
        arena.free(block)
    with pytest.raises(ArenaClosed):
        arena.view(block.handle, 1)
    with pytest.raises(ArenaClosed):
        arena.stats()
    arena.failure_hook = None
    with pytest.raises(ArenaClosed):
        arena.alloc(1)


def test_close_with_a_view_still_alive_defers_the_unmap() -> None:
    arena = small_arena()
    view = arena.store(b"kept").view
    arena.close()
    assert bytes(view) == b"kept"
    view.release()


def test_default_geometry_serves_one_mebibyte_payloads() -> None:
    classes = default_size_classes()
    assert classes[0] == 64
    assert classes[-1] == 1 << 20
    assert all(b <= a * 1.25 for a, b in pairwise(classes))
    with Arena(4 * DEFAULT_SLAB_SIZE) as arena:
        assert arena.max_size == 1 << 20
        block = arena.store(b"z" * (1 << 20))
        assert block.capacity == 1 << 20


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"capacity": 100}, "holds no slab"),
        ({"size_classes": (16, 12)}, "multiples of 8"),
        ({"size_classes": (32, 16)}, "increase strictly"),
        ({"size_classes": ()}, "size classes"),
        ({"slab_size": 1000}, "multiple of 64"),
        ({"slab_size": 4096, "size_classes": (16, 8192)}, "does not fit"),
        ({"capacity": 1 << 40, "slab_size": 4096}, "do not fit in a handle"),
    ],
)
def test_bad_parameters_say_which_limit(
    kwargs: dict[str, object], message: str
) -> None:
    params: dict[str, object] = {"capacity": 1 << 20, "slab_size": 4096}
    params["size_classes"] = (16, 64)
    params.update(kwargs)
    capacity = params.pop("capacity")
    with pytest.raises(ValueError, match=message):
        Arena(capacity, **params)  # type: ignore[arg-type]


def test_an_arena_without_populated_pages_works_the_same() -> None:
    arena = Arena(
        4096 + 4 * SMALL_SLAB,
        size_classes=SMALL_CLASSES,
        slab_size=SMALL_SLAB,
        populate=False,
    )
    with arena:
        block = arena.store(b"lazy")
        assert bytes(block.view) == b"lazy"
        arena.free(block)
        check_stats_add_up(arena.stats(), SMALL_SLAB)


@pytest.mark.parametrize("largest", [64, 1 << 20, 3 << 20, 16 << 20])
def test_the_default_slab_size_fits_the_largest_class(largest: int) -> None:
    classes = default_size_classes(largest)
    with Arena(20 << 20, size_classes=classes, populate=False) as arena:
        assert arena.slab_size >= DEFAULT_SLAB_SIZE
        assert arena.slab_size % (64 << 10) == 0
        assert arena.alloc(largest).capacity == largest


def test_an_arena_without_its_lock_behaves_the_same_in_one_thread() -> None:
    arena = Arena(
        4096 + 4 * SMALL_SLAB,
        size_classes=SMALL_CLASSES,
        slab_size=SMALL_SLAB,
        threadsafe=False,
    )
    with arena:
        blocks = fill(arena, 1024)
        assert len(blocks) == 4 * 3
        arena.failure_hook = lambda n: True
        arena.failure_hook = None
        for block in blocks:
            assert bytes(arena.view(block.handle, 4)) == bytes(block.view[:4])
            arena.free(block)
        with pytest.raises(DoubleFree):
            arena.free(blocks[0])
        check_stats_add_up(arena.stats(), SMALL_SLAB)
        assert arena.stats().free_slabs == 4


@given(n=st.integers(min_value=1, max_value=1 << 20))
def test_any_size_gets_the_smallest_default_class_that_holds_it(n: int) -> None:
    classes = default_size_classes()
    expected = min(c for c in classes if c >= n)
    table = class_table((0, *classes))
    assert (0, *classes)[table[(n + 7) >> 3]] == expected
