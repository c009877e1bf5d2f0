"""``nox -s cluster``: three daemons behind HAProxy, checked end to end.

Starts three daemons on loopback, each given the group with ``--peers``,
HAProxy with ``examples/haproxy.cfg`` in front of them, worker processes that
know only HAProxy's address, and producer processes that submit through it.
Then it checks:

1. every task is run exactly once, and the tasks are spread over the three
   daemons (STATS of each shown);
2. with one daemon killed by SIGKILL while producers submit, producers carry
   on through HAProxy, every task a surviving daemon acknowledged is run
   exactly once, and the tasks lost with the killed daemon are counted;
3. with the killed daemon started again, the same workers serve it again and
   HAProxy sends it tasks, all run exactly once.

``--quick`` runs a tenth of the tasks. ``--bench`` measures throughput with
one, two and three daemons instead (docs/scaling.md). Run it as
``PYTHONPATH=tests python -m cluster`` in an environment with the packages.
"""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from .ledger import Tally, node_of, read_pairs, tally
from .processes import Daemon, Fleet, finish, poll
from .steps import (
    BATCH,
    idle,
    poll_states,
    produce_and_wait,
    say,
    show_stats,
    start,
    wait_for_workers,
)
from .throughput import bench

PHASE_PREFIXES = ("p1", "p2", "p3")
MID_BATCH_WAIT = 0.3
"""How long the kill waits to catch a daemon in the middle of a batch."""
SPREAD = 3.0
"""Seconds over which producers spread the tasks of check 2 at least, so
that the kill comes while they run."""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="cluster", description=__doc__)
    parser.add_argument("--tasks", type=int, default=30_000)
    parser.add_argument("--quick", action="store_true", help="a tenth of the tasks")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--producers", type=int, default=2)
    parser.add_argument("--bench", action="store_true", help="throughput, 1-3 daemons")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--keep", type=Path, help="keep logs and ledgers here")
    args = parser.parse_args(argv)
    if args.quick:
        args.tasks //= 10
    logging.basicConfig(level=logging.WARNING)
    began = time.monotonic()
    run = bench if args.bench else run_checks
    if args.keep is not None:
        args.keep.mkdir(parents=True)
        ok = run(args.keep, args)
    else:
        with tempfile.TemporaryDirectory(prefix="quicx-cluster-") as tmp:
            ok = run(Path(tmp), args)
    say(f"\nwall time {time.monotonic() - began:.1f} s: {'PASS' if ok else 'FAIL'}")
    return 0 if ok else 1


# -- the checks -------------------------------------------------------------------


def run_checks(workdir: Path, args: argparse.Namespace) -> bool:
    with Fleet(workdir) as fleet:
        daemons = start(fleet, 3, args)
        say(f"\n== 1. {args.tasks:,} tasks through HAProxy {fleet.balancer}")
        seconds = produce_and_wait(fleet, "p1", args.tasks, args.producers)
        say(f"all done in {seconds:.2f} s: {args.tasks / seconds:,.0f} tasks/s")
        show_stats(daemons)

        killed = daemons[1]
        say(f"\n== 2. node {killed.node_id} killed (SIGKILL) while producers submit")
        survivors = [daemon for daemon in daemons if daemon is not killed]
        counts = kill_mid_run(fleet, killed, survivors, args)
        show_stats(survivors)

        say(f"\n== 3. node {killed.node_id} started again")
        workers_before = fleet.workers_alive()
        come_back(fleet, killed, len(workers_before))
        # Small batches: many connections, so that round robin reaches it.
        tasks = args.tasks // 10
        batch = max(1, tasks // (args.producers * 6))
        produce_and_wait(fleet, "p3", tasks, args.producers, batch)
        show_stats(daemons)
        same_workers = fleet.workers_alive() == workers_before

        runs = Counter(read_pairs(fleet.stop_workers()))
        acked = {p: read_pairs(workdir.glob(f"{p}-*.acked")) for p in PHASE_PREFIXES}
    counts["tasks"] = args.tasks
    return verdicts(acked, runs, killed.node_id, counts, same_workers)


def kill_mid_run(
    fleet: Fleet, killed: Daemon, survivors: list[Daemon], args: argparse.Namespace
) -> dict[str, float]:
    """Kill one daemon once it took a third of its share, in the middle of a
    batch if that is seen soon; wait for the survivors to finish theirs."""
    base = killed.stats().total_submitted
    batch = min(BATCH, max(1, args.tasks // 60))  # 60 batches or more
    producers = fleet.produce("p2", args.tasks, args.producers, batch, SPREAD)
    given_up_at: list[float] = []

    def now_is_the_time() -> bool:
        taken = killed.stats().total_submitted - base
        if taken < args.tasks // 9:
            return False
        given_up_at[:] = given_up_at or [time.monotonic() + MID_BATCH_WAIT]
        return taken % batch != 0 or time.monotonic() > given_up_at[0]

    poll(now_is_the_time, "the daemon to kill took its first tasks")
    if all(producer.poll() is not None for producer in producers):
        raise RuntimeError("the producers finished before the kill")
    killed.kill()
    states = poll_states(fleet, lambda s: "DOWN" in s.get(f"quicx{killed.node_id}", ""))
    say(f"killed; HAProxy marked it down after {states:.1f} s")
    totals = finish(producers)
    say(
        f"producers done: {totals['acked']:,.0f} acknowledged, "
        f"batches cut short by the kill: {totals['broken_batches']:,.0f}, "
        f"SUBMITs left without an answer: {totals['unconfirmed']:,.0f} "
        "(sent again under the same key)"
    )
    poll(lambda: all(idle(daemon) for daemon in survivors), "survivors idle")
    return totals


def come_back(fleet: Fleet, daemon: Daemon, workers: int) -> None:
    """Start ``daemon`` again; wait until the workers and HAProxy find it."""
    daemon.start()
    found = wait_for_workers(daemon, workers)
    up = poll_states(fleet, lambda s: s.get(f"quicx{daemon.node_id}", "") == "UP")
    say(
        f"the {workers} running workers found it again after {found:.1f} s; "
        f"HAProxy marked it up after {found + up:.1f} s"
    )


# -- verdicts -----------------------------------------------------------------------


def verdicts(
    acked: dict[str, list[tuple[str, int]]],
    runs: Counter[tuple[str, int]],
    killed: int,
    counts: dict[str, float],
    same_workers: bool,
) -> bool:
    say("\n== verdicts")
    first = tally(acked["p1"], runs)
    one = first.exactly_once and len(first.by_node) == 3
    report("1", one, first, "tasks run exactly once, spread over 3 daemons")

    survived = [pair for pair in acked["p2"] if node_of(pair[1]) != killed]
    lost_side = [pair for pair in acked["p2"] if node_of(pair[1]) == killed]
    kept, lost = tally(survived, runs), tally(lost_side, runs)
    every_key = len({key for key, _ in acked["p2"]}) == counts["tasks"]
    two = kept.exactly_once and every_key
    report("2", two, kept, "acknowledged by a survivor: run exactly once")
    say(
        f"     node {killed}: {lost.acked:,} acknowledged before the kill, "
        f"{lost.once + lost.twice:,} run by a worker (their DONE may be lost), "
        f"{lost.never:,} LOST with it; {counts['unconfirmed']:,.0f} SUBMITs got "
        f"no answer, of which {lost.strays.get(killed, 0):,} ran anyway"
    )

    third = tally(acked["p3"], runs)
    three = same_workers and third.exactly_once and killed in third.by_node
    report("3", three, third, "after the restart, with the same workers")
    return one and two and three


def report(number: str, passed: bool, result: Tally, what: str) -> None:
    spread = ", ".join(f"node {n}: {c:,}" for n, c in result.by_node.items())
    say(
        f"{number}. {'PASS' if passed else 'FAIL'} {result.once:,} of "
        f"{result.acked:,} {what} ({spread}); run twice: {result.twice}, "
        f"never: {result.never}"
    )


if __name__ == "__main__":
    sys.exit(main())
