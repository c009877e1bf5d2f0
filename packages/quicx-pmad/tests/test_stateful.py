"""A random walk over alloc, store, write, read and free, checked at every step.

The model is the list of live blocks with the bytes each should hold. The
invariants: no two live blocks overlap, every live block holds what was last
written to it, the stats add up, and freeing everything restores the arena
to its starting state.
"""

from __future__ import annotations

from itertools import pairwise

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    consumes,
    invariant,
    precondition,
    rule,
)
from pmad_helpers import SMALL_CLASSES, SMALL_SLAB, check_stats_add_up, small_arena
from quicx_pmad import ArenaFull, Block, DoubleFree, StaleHandle

SIZES = st.integers(min_value=1, max_value=SMALL_CLASSES[-1])


class ArenaMachine(RuleBasedStateMachine):
    """Drives one small arena against a dict model of its live blocks."""

    blocks = Bundle("blocks")

    def __init__(self) -> None:
        super().__init__()
        self.arena = small_arena(slabs=4)
        self.start = self.arena.stats()
        self.contents: dict[int, bytes] = {}
        self.capacity: dict[int, int] = {}
        self.freed: list[int] = []
        self.stamp = 0

    def _fill(self, n: int) -> bytes:
        """Return `n` bytes that differ from every earlier fill."""
        self.stamp += 1
        return (self.stamp.to_bytes(4, "little") * (n // 4 + 1))[:n]

    def _added(self, block: Block, data: bytes) -> Block:
        assert block.handle not in self.contents
        self.contents[block.handle] = data
        self.capacity[block.handle] = block.capacity
        return block

    @rule(target=blocks, n=SIZES)
    def alloc(self, n: int) -> Block:
        before = self.arena.stats()
        try:
            block = self.arena.alloc(n)
        except ArenaFull:
            assert self.arena.stats() == before
            return None  # type: ignore[return-value]
        assert block.size == n
        assert block.capacity >= n
        data = self._fill(n)
        block.view[:] = data
        return self._added(block, data)

    @rule(target=blocks, n=SIZES)
    def store(self, n: int) -> Block:
        data = self._fill(n)
        try:
            block = self.arena.store(data)
        except ArenaFull:
            return None  # type: ignore[return-value]
        return self._added(block, data)

    @rule(block=blocks, cut=st.floats(min_value=0, max_value=1))
    def write(self, block: Block | None, cut: float) -> None:
        if block is None or block.handle not in self.contents:
            return
        data = self._fill(block.size)
        start = int(cut * block.size)
        self.arena.view(block.handle, block.size)[start:] = data[start:]
        old = self.contents[block.handle]
        self.contents[block.handle] = old[:start] + data[start:]

    @rule(block=blocks)
    def read(self, block: Block | None) -> None:
        if block is not None and block.handle in self.contents:
            assert bytes(block.view) == self.contents[block.handle]

    @rule(block=consumes(blocks), by_handle=st.booleans())
    def free(self, block: Block | None, by_handle: bool) -> None:
        if block is None or block.handle not in self.contents:
            return
        self.arena.free(block.handle if by_handle else block)
        del self.contents[block.handle]
        self.freed.append(block.handle)

    @precondition(lambda self: bool(self.freed))
    @rule(pick=st.integers(min_value=0))
    def free_again(self, pick: int) -> None:
        handle = self.freed[pick % len(self.freed)]
        if handle in self.contents:  # reissued: same slot, same generation
            return
        before = self.arena.stats()
        try:
            self.arena.free(handle)
        except (DoubleFree, StaleHandle):
            pass
        else:
            raise AssertionError("a freed handle was accepted")
        assert self.arena.stats() == before

    @invariant()
    def no_two_live_blocks_overlap(self) -> None:
        spans = []
        for handle in self.contents:
            capacity = self.capacity[handle]
            offset = self.arena._offset_of(handle, capacity)
            spans.append((offset, offset + capacity))
        spans.sort()
        for (_, end), (start, _) in pairwise(spans):
            assert end <= start

    @invariant()
    def live_blocks_hold_what_was_written(self) -> None:
        for handle, data in self.contents.items():
            assert bytes(self.arena.view(handle, len(data))) == data

    @invariant()
    def stats_add_up(self) -> None:
        stats = self.arena.stats()
        check_stats_add_up(stats, SMALL_SLAB)
        assert stats.live_blocks == len(self.contents)
        assert stats.requested == sum(len(d) for d in self.contents.values())

    def teardown(self) -> None:
        for handle in list(self.contents):
            self.arena.free(handle)
        end = self.arena.stats()
        assert end.free == self.start.free
        assert end.free_slabs == end.slabs
        assert (end.used, end.requested, end.live_blocks) == (0, 0, 0)
        self.arena.close()


ArenaMachine.TestCase.settings = settings(
    max_examples=100,
    stateful_step_count=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
TestArena = ArenaMachine.TestCase
