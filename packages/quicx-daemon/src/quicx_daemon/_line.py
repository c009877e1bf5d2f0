"""The line of workers with free credit, kept per queue.

A worker joins the back of the line when its free credit goes from 0 to
above 0, leaves it when it is sent a TASK (and joins the back again at once
if it still has free credit), and keeps its place otherwise. Each queue lists
the workers in line that serve it, in line order, so the first one listed is
the worker of that queue that has waited longest.
"""

from __future__ import annotations

from ._records import QueueRecord, WorkerRecord

__all__ = ["best_queue", "enter_line", "join_line", "leave_line"]


def join_line(worker: WorkerRecord, place: int) -> None:
    """Put the worker at the back of the line; ``place`` must be the highest yet."""
    worker.idle = True
    worker.line = place
    for record in worker.queues:
        record.idle[worker.conn] = worker


def leave_line(worker: WorkerRecord) -> None:
    """Take the worker out of the line and out of its queues' lists."""
    worker.idle = False
    for record in worker.queues:
        del record.idle[worker.conn]


def enter_line(record: QueueRecord, worker: WorkerRecord) -> None:
    """List a worker already in line in one more queue, at its place."""
    idle = record.idle
    if not idle or next(reversed(idle.values())).line < worker.line:
        idle[worker.conn] = worker
        return
    # Rare: a READY added this queue for a worker already in line.
    ordered = sorted([*idle.values(), worker], key=_place)
    idle.clear()
    for each in ordered:
        idle[each.conn] = each


def best_queue(worker: WorkerRecord) -> QueueRecord | None:
    """The worker's queue whose head task runs first, if any has one."""
    best: QueueRecord | None = None
    for record in worker.queues:
        # Heads compare by (priority, seq); seq is unique across queues.
        if record.ready and (best is None or record.ready[0] < best.ready[0]):
            best = record
    return best


def _place(worker: WorkerRecord) -> int:
    return worker.line
