"""The bodies of the producer and worker processes.

Each process connects, waits at the start barrier with every other one,
does its part, and sends one report (or the traceback of what went wrong)
back to the driver on the results queue.
"""

from __future__ import annotations

import time
import traceback
from collections.abc import MutableSequence
from dataclasses import dataclass
from multiprocessing.queues import Queue
from multiprocessing.synchronize import Barrier, Event
from typing import Any

from ._measure import STAMP_SIZE, ProducerReport, Recorder, own_cpu_seconds, stamped
from ._runner import Runner, Submitter, WorkerContext
from ._servers import Address

__all__ = ["START_TIMEOUT_S", "ProducerPlan", "producer_main", "worker_main"]

# How long every process may take to connect before the run is abandoned.
START_TIMEOUT_S = 30.0


@dataclass(frozen=True)
class ProducerPlan:
    """What one producer submits."""

    tasks: int
    payload_size: int
    interval_ns: int
    """0 to submit as fast as the system accepts; else one submit per interval."""
    offset_ns: int
    """When the first paced submit is due, after the start."""
    max_seconds: float
    """Stop submitting after this long even if tasks remain."""


class _Start:
    """This process's side of the start barrier.

    A process that fails before the start breaks the barrier, so the others
    stop waiting; one that fails after it leaves the barrier alone, so the
    error the driver reports is its own and not a broken barrier elsewhere.
    """

    def __init__(self, barrier: Barrier) -> None:
        self._barrier = barrier
        self._passed = False

    def wait(self) -> None:
        self._barrier.wait(START_TIMEOUT_S)
        self._passed = True

    def failed(self, results: Queue[Any], who: str) -> None:
        if not self._passed:
            self._barrier.abort()
        results.put(("error", who, traceback.format_exc()))


def producer_main(
    runner: Runner,
    address: Address,
    plan: ProducerPlan,
    barrier: Barrier,
    results: Queue[Any],
    index: int,
) -> None:
    """Connect, wait for the start, submit the plan, report."""
    start = _Start(barrier)
    try:
        submitter = runner.open_producer(address)
        try:
            start.wait()
            report = _produce(submitter, plan, runner.window)
        finally:
            submitter.close()
        results.put(("producer", index, report))
    except BaseException:
        start.failed(results, f"{runner.label} producer {index}")


def worker_main(
    runner: Runner,
    address: Address,
    progress: MutableSequence[int],
    barrier: Barrier,
    stop: Event,
    results: Queue[Any],
    index: int,
) -> None:
    """Connect, wait for the start, work until stopped, report."""
    start = _Start(barrier)
    try:
        recorder = Recorder(progress, index)
        context = WorkerContext(recorder=recorder, ready=start.wait, stop=stop)
        runner.run_worker(address, context)
        results.put(("worker", index, recorder.report()))
    except BaseException:
        start.failed(results, f"{runner.label} worker {index}")


def _produce(submitter: Submitter, plan: ProducerPlan, window: int) -> ProducerReport:
    padding = bytes(plan.payload_size - STAMP_SIZE)
    start = time.monotonic_ns()
    deadline = start + int(plan.max_seconds * 1e9)
    if plan.interval_ns:
        first, count = _paced(
            submitter, plan, padding, start + plan.offset_ns, deadline
        )
    elif window > 1:
        first, count = start, _batched(submitter, plan.tasks, window, padding, deadline)
    else:
        first, count = start, _one_at_a_time(submitter, plan.tasks, padding, deadline)
    return ProducerReport(
        count=count,
        first_submit_ns=first,
        last_accept_ns=time.monotonic_ns(),
        retries=submitter.retries,
        cpu_s=own_cpu_seconds(),
    )


def _one_at_a_time(
    submitter: Submitter, tasks: int, padding: bytes, deadline: int
) -> int:
    for count in range(tasks):
        now = time.monotonic_ns()
        if now >= deadline:
            return count
        submitter.submit(stamped(now, padding))
    return tasks


def _batched(
    submitter: Submitter, tasks: int, window: int, padding: bytes, deadline: int
) -> int:
    count = 0
    while count < tasks:
        now = time.monotonic_ns()
        if now >= deadline:
            break
        size = min(window, tasks - count)
        submitter.submit_many([stamped(now, padding)] * size)
        count += size
    return count


def _paced(
    submitter: Submitter, plan: ProducerPlan, padding: bytes, due: int, deadline: int
) -> tuple[int, int]:
    """Submit one task per interval; stamp each with the time it was due.

    Stamping the due time rather than the send time means a producer held
    up by a slow reply still charges the delay to the system, instead of
    quietly sending later and measuring less.
    """
    first = due
    for count in range(plan.tasks):
        now = time.monotonic_ns()
        if now >= deadline:
            return first, count
        if due > now:
            time.sleep((due - now) / 1e9)
        submitter.submit(stamped(due, padding))
        due += plan.interval_ns
    return first, plan.tasks
