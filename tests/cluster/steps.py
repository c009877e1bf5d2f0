"""Steps shared by the checks and the throughput runs of the cluster run."""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

from .processes import Daemon, Fleet, finish, poll

__all__ = [
    "BATCH",
    "completed",
    "idle",
    "poll_states",
    "produce_and_wait",
    "say",
    "show_stats",
    "start",
    "wait_for_workers",
]

BATCH = 500
"""Tasks per producer connection; a batch lands on one daemon."""


def say(*parts: object) -> None:
    print(*parts, flush=True)  # noqa: T201


def start(fleet: Fleet, count: int, args: argparse.Namespace) -> list[Daemon]:
    """Daemons, HAProxy and workers, once every daemon has every worker."""
    daemons = fleet.start_daemons(count)
    fleet.start_haproxy()
    fleet.start_workers(args.workers, args.concurrency)
    for daemon in daemons:
        wait_for_workers(daemon, args.workers)
    say(
        f"{count} daemons ({', '.join(d.address for d in daemons)}) behind HAProxy "
        f"{fleet.balancer}; {args.workers} workers given only HAProxy's address "
        f"found all {count}"
    )
    return daemons


def wait_for_workers(daemon: Daemon, count: int) -> float:
    """Seconds until ``daemon`` has ``count`` worker connections or more."""
    return poll(
        lambda: daemon.stats().current_workers >= count, f"workers on {daemon.address}"
    )


def produce_and_wait(
    fleet: Fleet, prefix: str, count: int, producers: int, batch: int = BATCH
) -> float:
    """Submit ``count`` tasks through HAProxy; seconds until all are done."""
    began = time.monotonic()
    target = completed(fleet.daemons) + count
    totals = finish(fleet.produce(prefix, count, producers, batch))
    if totals["acked"] != count:
        raise RuntimeError(f"{totals['acked']} of {count} tasks acknowledged")
    poll(lambda: completed(fleet.daemons) >= target, f"{count} tasks done")
    return time.monotonic() - began


def poll_states(fleet: Fleet, condition: Callable[[dict[str, str]], bool]) -> float:
    """Seconds until HAProxy's server states meet ``condition``."""
    return poll(lambda: condition(fleet.server_states()), "HAProxy state")


def completed(daemons: list[Daemon]) -> int:
    return sum(daemon.stats().total_completed for daemon in daemons)


def idle(daemon: Daemon) -> bool:
    return not any(q.depth or q.delayed or q.in_flight for q in daemon.stats().queues)


def show_stats(daemons: list[Daemon]) -> None:
    say(f"{'node':>4} {'address':<16} {'submitted':>9} {'completed':>9} "
        f"{'retried':>7} {'lost leases':>11} {'workers':>7}")  # fmt: skip
    for daemon in daemons:
        s = daemon.stats()
        say(
            f"{s.node_id:>4} {daemon.address:<16} {s.total_submitted:>9,} "
            f"{s.total_completed:>9,} {s.total_retried:>7,} "
            f"{s.total_lost_leases:>11,} {s.current_workers:>7}"
        )
