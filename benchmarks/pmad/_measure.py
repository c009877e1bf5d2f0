"""The measurements: alloc+free pairs at a given live count, and churn latency.

Each function fills its own allocator, measures, and lets everything go
before it returns, so one run never holds two large live sets at once.
"""

from __future__ import annotations

import random
import resource
import statistics
import time
from collections.abc import Callable

from quicx_pmad import Arena

__all__ = [
    "ALLOCATORS",
    "ARENAS",
    "arena_for",
    "calibration_latency",
    "churn_latency",
    "plain_pairs",
    "pmad_pairs",
    "sizes",
    "timer_overhead_ns",
]

PAIR_BATCH = 500


def sizes(count: int, seed: int) -> list[int]:
    """Return `count` sizes, log-uniform from 16 bytes to 1 KiB."""
    rng = random.Random(seed)
    return [int(2 ** rng.uniform(4, 10)) for _ in range(count)]


def arena_for(live: int, name: str = "pmad") -> Arena:
    """Return an arena with room for `live` blocks of the size mix, and spare;
    without its lock for "pmad-nolock"."""
    return Arena(96 * 2**20 + live * 400, threadsafe=name != "pmad-nolock")


ALLOCATORS = ("pmad", "pmad-nolock", "bytearray", "bytes")
ARENAS = ("pmad", "pmad-nolock")


Loop = Callable[[list[int]], tuple[int, int]]


def _pmad_loop(arena: Arena) -> Loop:
    """Return a function that does alloc+free of each size on `arena` and
    returns the (wall, CPU) nanoseconds it took."""
    clock, cpu = time.perf_counter_ns, time.thread_time_ns
    alloc, free = arena.alloc, arena.free

    def loop(batch: list[int]) -> tuple[int, int]:
        start, start_cpu = clock(), cpu()
        for n in batch:
            free(alloc(n))
        return clock() - start, cpu() - start_cpu

    return loop


def _plain_loop(make: Callable[[int], object]) -> Loop:
    """Return a function that makes and drops make(n) for each size and
    returns the (wall, CPU) nanoseconds it took."""
    clock, cpu = time.perf_counter_ns, time.thread_time_ns

    def loop(batch: list[int]) -> tuple[int, int]:
        start, start_cpu = clock(), cpu()
        for n in batch:
            make(n)
        return clock() - start, cpu() - start_cpu

    return loop


def _medians(times: list[tuple[int, int]]) -> dict[str, float]:
    """Return the median wall and CPU ns per pair of batch timings, skipping
    the first batch (warm-up)."""
    return {
        "wall": statistics.median(t[0] for t in times[1:]) / PAIR_BATCH,
        "cpu": statistics.median(t[1] for t in times[1:]) / PAIR_BATCH,
    }


def pmad_pairs(
    lives: tuple[int, ...], pairs: int, seed: int
) -> dict[str, dict[int, dict[str, float]]]:
    """Return, per arena kind and live count, the median wall and CPU ns of an
    alloc+free pair.

    One arena per kind (locked or not) and live count, filled with that many
    blocks of the size mix; the timed batches go round all the arenas in
    turn, so machine noise falls on each alike.
    """
    keys = [(name, live) for name in ARENAS for live in lives]
    arenas = {key: arena_for(key[1], key[0]) for key in keys}
    held = {
        key: [arena.alloc(n).handle for n in sizes(key[1], seed)]
        for key, arena in arenas.items()
    }
    loops = {key: _pmad_loop(arena) for key, arena in arenas.items()}
    mix = sizes(pairs, seed + 1)
    times: dict[tuple[str, int], list[tuple[int, int]]] = {key: [] for key in keys}
    for i in range(0, pairs, PAIR_BATCH):
        for key, loop in loops.items():
            times[key].append(loop(mix[i : i + PAIR_BATCH]))
    held.clear()
    for arena in arenas.values():
        arena.close()
    return {
        name: {live: _medians(times[name, live]) for live in lives} for name in ARENAS
    }


def plain_pairs(
    name: str, lives: tuple[int, ...], pairs: int, seed: int
) -> dict[int, dict[str, float]]:
    """Return, per live count, the median wall and CPU ns of ``bytearray(n)``
    or ``bytes(n)`` made and dropped while that many objects of the size mix
    are alive."""
    make = bytearray if name == "bytearray" else bytes
    loop = _plain_loop(make)
    mix = sizes(pairs, seed + 1)
    result = {}
    for live in lives:
        held = [make(n) for n in sizes(live, seed)]
        times = [loop(mix[i : i + PAIR_BATCH]) for i in range(0, pairs, PAIR_BATCH)]
        result[live] = _medians(times)
        held.clear()
    return result


def timer_overhead_ns(samples: int = 100_000) -> float:
    """Return the median ns between two back-to-back perf_counter_ns calls."""
    clock = time.perf_counter_ns
    gaps = []
    for _ in range(samples):
        start = clock()
        gaps.append(clock() - start)
    return statistics.median(gaps)


def _percentiles(samples: list[int]) -> dict[str, float]:
    """Return p50, p99, p99.9 and max of `samples`, in ns."""
    ordered = sorted(samples)
    last = len(ordered) - 1
    return {
        "p50": ordered[last // 2],
        "p99": ordered[last * 99 // 100],
        "p99.9": ordered[last * 999 // 1000],
        "max": ordered[last],
        "count": len(ordered),
    }


def _switches() -> int:
    """Return how many times this process has been preempted so far."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_nivcsw


Churn = tuple[list[int], list[int], int]


def _churn_pmad(name: str, live: int, steps: list[int], rng: random.Random) -> Churn:
    """Return (alloc ns, free ns) samples of churn on an arena, and how many
    times the process was preempted meanwhile."""
    clock = time.perf_counter_ns
    arena = arena_for(live, name)
    alloc, free = arena.alloc, arena.free
    held = [alloc(n).handle for n in sizes(live, rng.randrange(1 << 30))]
    alloc_ns: list[int] = []
    free_ns: list[int] = []
    switches = _switches()
    for n in steps:
        if rng.random() < 0.5:
            start = clock()
            block = alloc(n)
            alloc_ns.append(clock() - start)
            held.append(block.handle)
            continue
        i = rng.randrange(len(held))
        held[i], held[-1] = held[-1], held[i]
        handle = held.pop()
        start = clock()
        free(handle)
        free_ns.append(clock() - start)
    switches = _switches() - switches
    arena.close()
    return alloc_ns, free_ns, switches


def _churn_plain(
    make: Callable[[int], object], live: int, steps: list[int], rng: random.Random
) -> Churn:
    """Return (alloc ns, free ns) samples of churn on bytearray or bytes, and
    how many times the process was preempted meanwhile.

    Freeing is dropping the last reference.
    """
    clock = time.perf_counter_ns
    held = [make(n) for n in sizes(live, rng.randrange(1 << 30))]
    alloc_ns: list[int] = []
    free_ns: list[int] = []
    switches = _switches()
    for n in steps:
        if rng.random() < 0.5:
            start = clock()
            obj = make(n)
            alloc_ns.append(clock() - start)
            held.append(obj)
            continue
        i = rng.randrange(len(held))
        held[i], held[-1] = held[-1], held[i]
        obj = held.pop()
        start = clock()
        del obj
        free_ns.append(clock() - start)
    return alloc_ns, free_ns, _switches() - switches


def _busy(count: int) -> int:
    """Return the sum of range(count): plain interpreter work, no allocation."""
    total = 0
    for i in range(count):
        total += i
    return total


def calibration_latency(samples: int, count: int = 25) -> dict[str, object]:
    """Return the latency percentiles (ns) of a fixed pure-Python loop timed
    like the churn operations.

    Its run time never changes, so its tail is the machine's own (other
    processes, the hypervisor, interrupts) at about 1 us per sample.
    """
    clock = time.perf_counter_ns
    times: list[int] = []
    switches = _switches()
    for _ in range(samples):
        start = clock()
        _busy(count)
        times.append(clock() - start)
    return {"loop": _percentiles(times), "preempted": _switches() - switches}


def churn_latency(name: str, live: int, ops: int, seed: int) -> dict[str, object]:
    """Return alloc and free latency percentiles (ns) under random churn.

    The allocator first holds `live` blocks; then each of `ops` steps is an
    alloc of a random size or a free of a random live block, half and half,
    each timed on its own (the timer's own cost is included). Also returns
    how often the process was preempted during the churn: on a busy machine,
    once that passes 0.1% of the samples, p99.9 measures the scheduler.
    """
    rng = random.Random(seed)
    steps = sizes(ops, seed + 2)
    if name in ARENAS:
        alloc_ns, free_ns, switches = _churn_pmad(name, live, steps, rng)
    else:
        make = bytearray if name == "bytearray" else bytes
        alloc_ns, free_ns, switches = _churn_plain(make, live, steps, rng)
    return {
        "alloc": _percentiles(alloc_ns),
        "free": _percentiles(free_ns),
        "preempted": switches,
    }
