"""Tasks handed to and taken from the broker whole: restart and resume.

The broker knows nothing of files. A journal that recovered tasks hands them
to :meth:`Broker.restore` as :class:`RestoredTask` values, and a journal that
must rewrite the broker's state from memory takes them from
:meth:`Broker.export` in the same form. Times are on the broker's clock.
"""

from __future__ import annotations

from dataclasses import dataclass

from ._records import QueueRecord, TaskRecord, TaskState

__all__ = ["RestoredTask", "exported", "restored_record"]


@dataclass(frozen=True, slots=True, kw_only=True)
class RestoredTask:
    """One unfinished task, with everything needed to carry on with it."""

    task_id: int
    queue: str
    priority: int
    ttr_ms: int
    """Time-to-run, the default already applied."""
    max_attempts: int
    """Attempt limit, the default already applied."""
    payload: bytes
    state: TaskState
    """READY or DELAYED (queued: it waits for ``ready_at``), LEASED or DEAD."""
    ready_at: float = 0.0
    """When a queued task may be dispatched, on the broker clock."""
    attempts: int = 0
    """Deliveries so far."""
    lost_leases: int = 0
    reason: str = ""
    """Why a dead letter died."""


def restored_record(task: RestoredTask, queue: QueueRecord) -> TaskRecord:
    """A task record for ``task``, with no payload block and no state yet."""
    record = TaskRecord(
        task_id=task.task_id,
        queue=queue,
        priority=task.priority,
        ttr_ms=task.ttr_ms,
        max_attempts=task.max_attempts,
        block=None,
        size=len(task.payload),
    )
    record.attempts = task.attempts
    record.lost_leases = task.lost_leases
    return record


def exported(task: TaskRecord, payload: memoryview) -> RestoredTask:
    """``task`` as :meth:`Broker.restore` would take it back; copies the payload."""
    return RestoredTask(
        task_id=task.id,
        queue=task.queue.name,
        priority=task.priority,
        ttr_ms=task.ttr_ms,
        max_attempts=task.max_attempts,
        payload=bytes(payload),
        state=task.state,
        ready_at=task.deadline if task.state is TaskState.DELAYED else 0.0,
        attempts=task.attempts,
        lost_leases=task.lost_leases,
        reason=task.reason,
    )
