"""An arena shared by threads hands each block to exactly one of them."""

from __future__ import annotations

import random
import sys
import threading
from collections.abc import Iterator

import pytest
from pmad_helpers import SMALL_SLAB, check_stats_add_up, small_arena
from quicx_pmad import ArenaFull, Block

THREADS = 4
ROUNDS = 6000


@pytest.fixture
def frequent_switches() -> Iterator[None]:
    """Make the interpreter switch threads as often as it can."""
    old = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    yield
    sys.setswitchinterval(old)


def test_threads_never_share_a_block(frequent_switches: None) -> None:
    arena = small_arena(slabs=6)
    errors: list[str] = []
    start = threading.Barrier(THREADS)

    def worker(seed: int) -> None:
        try:
            churn(seed)
        except Exception as exc:  # reported below, with the others
            errors.append(f"thread {seed}: {exc!r}")

    def churn(seed: int) -> None:
        rng = random.Random(seed)
        mine: list[tuple[Block, bytes]] = []
        start.wait(timeout=30)
        for i in range(ROUNDS):
            if mine and (rng.random() < 0.45 or len(mine) > 40):
                block, data = mine.pop(rng.randrange(len(mine)))
                if bytes(block.view) != data:
                    errors.append(f"thread {seed}: block {block!r} was overwritten")
                arena.free(block)
                continue
            data = f"{seed}:{i}:".encode() * rng.randint(1, 30)
            try:
                mine.append((arena.store(data[:1024]), data[:1024]))
            except ArenaFull:
                continue
        for block, data in mine:
            if bytes(block.view) != data:
                errors.append(f"thread {seed}: block {block!r} was overwritten")
            arena.free(block)

    threads = [threading.Thread(target=worker, args=(s,)) for s in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)
    assert errors == []
    stats = arena.stats()
    check_stats_add_up(stats, SMALL_SLAB)
    assert (stats.used, stats.live_blocks, stats.requested) == (0, 0, 0)
    assert stats.free_slabs == stats.slabs
    arena.close()
