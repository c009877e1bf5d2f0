"""The broker's records: one per task, per queue and per worker.

They are plain slotted classes that only hold state; every rule that changes
them lives in the broker, so the records can be read top to bottom in one go.
"""

from __future__ import annotations

import enum
from collections import OrderedDict

from quicx_pmad import Block

__all__ = ["QueueRecord", "TaskRecord", "TaskState", "WorkerRecord"]


class TaskState(enum.Enum):
    """Where a live task is; a finished task has no record at all."""

    DELAYED = "delayed"
    """Waiting for its delay or a retry backoff; it has a timer."""
    READY = "ready"
    """In its queue's ready heap, waiting for a worker."""
    LEASED = "leased"
    """Held by a worker until DONE, FAILED or its lease deadline; has a timer."""
    DEAD = "dead"
    """In the dead-letter list, with its payload and reason."""
    HELD = "held"
    """Accepted but not yet recorded by the journal; not dispatched until
    committed, dropped if withdrawn."""


class TaskRecord:
    """One accepted task, from SUBMIT until DONE or dead-letter eviction."""

    __slots__ = (
        "attempts",
        "block",
        "deadline",
        "dispatched_at",
        "id",
        "lost_leases",
        "max_attempts",
        "priority",
        "queue",
        "ready_since",
        "reason",
        "seq",
        "size",
        "state",
        "timer",
        "ttr_ms",
        "worker",
    )

    def __init__(
        self,
        *,
        task_id: int,
        queue: QueueRecord,
        priority: int,
        ttr_ms: int,
        max_attempts: int,
        block: Block | None,
        size: int,
    ) -> None:
        self.id = task_id
        self.seq = task_id  # submit order; ties of priority break on it
        self.queue = queue
        self.priority = priority
        self.ttr_ms = ttr_ms
        self.max_attempts = max_attempts
        self.block = block  # None for an empty payload
        self.size = size
        self.attempts = 0  # deliveries so far
        self.lost_leases = 0
        self.state = TaskState.DELAYED
        self.deadline = 0.0  # ready time when DELAYED, lease end when LEASED
        self.timer = 0  # token of the task's live timer entry; 0 for none
        self.ready_since = 0.0
        self.dispatched_at = 0.0
        self.worker: WorkerRecord | None = None
        self.reason = ""


class QueueRecord:
    """A named queue: its ready tasks, its counters and its idle workers."""

    __slots__ = (
        "dead",
        "delayed",
        "held",
        "idle",
        "in_flight",
        "name",
        "ready",
        "ready_order",
        "subscribers",
    )

    def __init__(self, name: str) -> None:
        self.name = name
        # Ready tasks as a heap of (priority, seq, task): lowest priority
        # first, then submit order; seq is unique, so tasks never compare.
        self.ready: list[tuple[int, int, TaskRecord]] = []
        # The same tasks in the order they became ready, oldest first, for
        # the oldest task's age in STATS.
        self.ready_order: OrderedDict[int, TaskRecord] = OrderedDict()
        self.delayed = 0
        self.held = 0  # waiting for the journal
        self.in_flight = 0
        self.dead = 0
        # The workers in the line of those with free credit that serve this
        # queue, in line order: the one waiting longest first.
        self.idle: OrderedDict[int, WorkerRecord] = OrderedDict()
        self.subscribers = 0  # workers serving this queue, idle or not

    def waiting(self) -> int:
        """Tasks not yet dispatched: ready, delayed and held."""
        return len(self.ready) + self.delayed + self.held

    def is_unused(self) -> bool:
        """True when no task and no worker refers to this queue any more."""
        return not (
            self.ready
            or self.delayed
            or self.held
            or self.in_flight
            or self.dead
            or self.subscribers
        )


class WorkerRecord:
    """A connection that sent READY: its credit, queues and held tasks."""

    __slots__ = (
        "conn",
        "credit",
        "held",
        "idle",
        "line",
        "lost",
        "queues",
    )

    def __init__(self, conn: int) -> None:
        self.conn = conn
        self.credit = 0
        self.queues: tuple[QueueRecord, ...] = ()
        self.held: dict[int, TaskRecord] = {}
        self.idle = False  # in the line of workers with free credit
        self.line = 0  # place in that line; lower joined earlier
        # Ids of tasks whose lease this worker lost, most recent last, so a
        # late DONE gets lease_expired instead of unknown_task.
        self.lost: OrderedDict[int, None] = OrderedDict()

    @property
    def free(self) -> int:
        """Credit not used by held tasks; negative after a READY lowered it."""
        return self.credit - len(self.held)
