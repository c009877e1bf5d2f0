"""Throughput of the cluster run with one, two and three daemons.

The same driver as the checks: daemons with their group, HAProxy with the
shipped config, worker processes that know only HAProxy, producer processes
opening a connection per batch. A run submits the tasks and ends when every
daemon's STATS counts them done; it includes starting the producer
processes. Runs of the three sizes are interleaved, each on a fresh fleet,
so that a change in the machine's load spreads over all three.

Beside tasks per second, each run records the CPU time every kind of process
used (from /proc, so Linux only) and the load average before it: on a
machine with few cores that explains the figures better than they do.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
from pathlib import Path

from .processes import Fleet
from .steps import produce_and_wait, say, start

__all__ = ["bench"]

RESULTS = Path(__file__).resolve().parents[2] / "benchmarks" / "results"
SIZES = (1, 2, 3)
WARM_UP = 1_000


def bench(workdir: Path, args: argparse.Namespace) -> bool:
    """Tasks per second through HAProxy with 1, 2 and 3 daemons; write JSON."""
    runs: list[dict[str, object]] = []
    for repeat in range(args.repeats):
        for size in SIZES:
            where = workdir / f"r{repeat}-n{size}"
            where.mkdir()
            runs.append(_one_run(where, size, args))
            say(_describe(runs[-1]))
    _table(runs)
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / "cluster-scaling.json"
    settings = {k: v for k, v in vars(args).items() if k != "keep"}
    out.write_text(json.dumps({"settings": settings, "runs": runs}, indent=2) + "\n")
    say(f"wrote {out}")
    return True


def _one_run(workdir: Path, size: int, args: argparse.Namespace) -> dict[str, object]:
    with Fleet(workdir) as fleet:
        start(fleet, size, args)
        produce_and_wait(fleet, "warm", WARM_UP, args.producers)
        load = os.getloadavg()[0]
        cpu_before, children_before = fleet.cpu(), _children_cpu()
        seconds = produce_and_wait(fleet, "run", args.tasks, args.producers)
        cpu = {role: used - cpu_before[role] for role, used in fleet.cpu().items()}
        cpu["producers"] = _children_cpu() - children_before
    return {
        "daemons": size,
        "tasks": args.tasks,
        "seconds": round(seconds, 3),
        "tasks_per_s": round(args.tasks / seconds),
        "load_before": load,
        "cpu_seconds": {role: round(used, 3) for role, used in cpu.items()},
    }


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _describe(run: dict[str, object]) -> str:
    cpu = run["cpu_seconds"]
    assert isinstance(cpu, dict)
    busy = sum(cpu.values()) / float(str(run["seconds"]))
    return (
        f"  {run['daemons']} daemon(s): {run['tasks_per_s']:,} tasks/s, "
        f"{busy:.2f} cores busy with the cluster, load before {run['load_before']:.1f}"
    )


def _table(runs: list[dict[str, object]]) -> None:
    roles = ("daemons", "haproxy", "workers", "producers")
    say(
        "\ndaemons  tasks/s min / median / max  tasks per CPU-second  "
        f"CPU µs per task ({' / '.join(roles)})"
    )
    for size in SIZES:
        mine = [run for run in runs if run["daemons"] == size]
        rates = sorted(int(str(run["tasks_per_s"])) for run in mine)
        per_task = [
            statistics.median(_cpu_of(run, role) / _tasks(run) for run in mine) * 1e6
            for role in roles
        ]
        efficiency = statistics.median(
            _tasks(run) / sum(_cpu_of(run, role) for role in roles) for run in mine
        )
        say(
            f"{size:>7}  {rates[0]:>7,} / {statistics.median(rates):>6,.0f} / "
            f"{rates[-1]:>6,}  {efficiency:>20,.0f}  "
            + " / ".join(f"{used:.0f}" for used in per_task)
        )


def _tasks(run: dict[str, object]) -> int:
    return int(str(run["tasks"]))


def _cpu_of(run: dict[str, object], role: str) -> float:
    cpu = run["cpu_seconds"]
    assert isinstance(cpu, dict)
    return float(cpu[role])
