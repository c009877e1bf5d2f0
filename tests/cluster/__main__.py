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
import json
import logging
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from .ledger import Tally, node_of, read_pairs, tally
from .processes import Daemon, Fleet, finish, poll

RESULTS = Path(__file__).resolve().parents[2] / "benchmarks" / "results"
PHASE_PREFIXES = ("p1", "p2", "p3")
BATCH = 500
"""Tasks per producer connection; a batch lands on one daemon."""


def say(*parts: object) -> None:
    print(*parts, flush=True)  # noqa: T201


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


def start(fleet: Fleet, count: int, args: argparse.Namespace) -> list[Daemon]:
    """Daemons, HAProxy and workers, once every daemon has every worker."""
    daemons = fleet.start_daemons(count)
    fleet.start_haproxy()
    fleet.start_workers(args.workers, args.concurrency)
    for daemon in daemons:
        poll(
            lambda d=daemon: d.stats().current_workers >= args.workers,  # type: ignore[misc]
            f"workers on {daemon.address}",
        )
    say(
        f"{count} daemons ({', '.join(d.address for d in daemons)}) behind HAProxy "
        f"{fleet.balancer}; {args.workers} workers given only HAProxy's address "
        f"found all {count}"
    )
    return daemons


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


def kill_mid_run(
    fleet: Fleet, killed: Daemon, survivors: list[Daemon], args: argparse.Namespace
) -> dict[str, float]:
    """Kill one daemon in the middle of a batch, once it took a third of its
    share; wait for the survivors to finish theirs."""
    base = killed.stats().total_submitted
    tasks = args.tasks

    def mid_batch() -> bool:
        taken = killed.stats().total_submitted - base
        return taken >= tasks // 9 and taken % BATCH != 0

    producers = fleet.produce("p2", tasks, args.producers, BATCH)
    poll(mid_batch, "the daemon to kill in the middle of a batch")
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
    began = time.monotonic()
    poll(lambda: daemon.stats().current_workers >= workers, "workers back")
    found = time.monotonic() - began
    up = poll_states(fleet, lambda s: s.get(f"quicx{daemon.node_id}", "") == "UP")
    say(
        f"the {workers} running workers found it again after {found:.1f} s; "
        f"HAProxy marked it up after {found + up:.1f} s"
    )


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
        f"{lost.once + lost.twice:,} ran (their DONE may have died with it), "
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


# -- throughput ---------------------------------------------------------------------


def bench(workdir: Path, args: argparse.Namespace) -> bool:
    """Tasks per second through HAProxy with 1, 2 and 3 daemons."""
    rows = []
    for count in (1, 2, 3):
        (workdir / f"n{count}").mkdir()
        with Fleet(workdir / f"n{count}") as fleet:
            start(fleet, count, args)
            rates = []
            for run in range(args.repeats):
                seconds = produce_and_wait(fleet, f"b{run}", args.tasks, args.producers)
                rates.append(args.tasks / seconds)
                say(f"  run {run + 1}: {rates[-1]:,.0f} tasks/s")
        rows.append({"daemons": count, "tasks": args.tasks, "rates": rates})
    say("\ndaemons  tasks/s: min / median / max")
    for row in rows:
        rates = sorted(row["rates"])
        say(f"{row['daemons']:>7}  {rates[0]:,.0f} / {rates[len(rates) // 2]:,.0f}"
            f" / {rates[-1]:,.0f}")  # fmt: skip
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / "cluster-scaling.json"
    out.write_text(json.dumps({"args": vars(args), "rows": rows}, indent=2) + "\n")
    say(f"wrote {out}")
    return True


if __name__ == "__main__":
    sys.exit(main())
