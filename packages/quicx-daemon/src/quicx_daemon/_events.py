"""Task events: one frozen record for every change in a task's life.

The broker emits exactly one event per state change, through one hook, so a
journal can record a task's history without knowing how the broker is built.
Every event carries the broker clock's time ``at`` (seconds) and the task id.
Events carry no behaviour; do not subclass them.

A task's life, in events::

    Submitted -> [Requeued ->] Dispatched -> [Touched ...] -> Done
                                          \\-> Failed -> Requeued | DeadLettered
                                          \\-> (lease lost) Requeued | DeadLettered
    DeadLettered -> Evicted   (when the dead-letter list is over its bound)
    Submitted -> Withdrawn    (held for a journal that could not record it)
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "DeadLettered",
    "Dispatched",
    "Done",
    "Evicted",
    "Failed",
    "Requeued",
    "Submitted",
    "TaskEvent",
    "Touched",
    "Withdrawn",
]


@dataclass(frozen=True, slots=True, kw_only=True)
class Submitted:
    """A SUBMIT was accepted; the payload is in the arena."""

    at: float
    task_id: int
    queue: str
    priority: int
    ready_at: float
    """When the task may first be dispatched (``at`` plus its delay)."""
    ttr: float
    max_attempts: int
    payload: memoryview
    """The stored payload; valid only during the hook call."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Dispatched:
    """A worker was sent the task and holds a lease on it."""

    at: float
    task_id: int
    worker: int
    """The connection id of the worker."""
    attempt: int
    lease_deadline: float


@dataclass(frozen=True, slots=True, kw_only=True)
class Touched:
    """The worker holding the task restarted its lease."""

    at: float
    task_id: int
    worker: int
    lease_deadline: float


@dataclass(frozen=True, slots=True, kw_only=True)
class Done:
    """The worker finished the task; its payload is freed and it is gone."""

    at: float
    task_id: int
    worker: int
    result_size: int


@dataclass(frozen=True, slots=True, kw_only=True)
class Failed:
    """The worker reported the task failed; Requeued or DeadLettered follows."""

    at: float
    task_id: int
    worker: int
    retry: bool
    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Requeued:
    """The task goes back to its queue, at once or after a backoff."""

    at: float
    task_id: int
    attempts: int
    """Deliveries so far; the next TASK carries attempts + 1."""
    ready_at: float
    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class DeadLettered:
    """The task will not run again; it is kept with its payload and reason."""

    at: float
    task_id: int
    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Evicted:
    """A dead letter was dropped to keep the list bounded; payload freed."""

    at: float
    task_id: int


@dataclass(frozen=True, slots=True, kw_only=True)
class Withdrawn:
    """A held task was dropped before it ran: its SUBMIT was refused after all."""

    at: float
    task_id: int


TaskEvent = (
    Submitted
    | Dispatched
    | Touched
    | Done
    | Failed
    | Requeued
    | DeadLettered
    | Evicted
    | Withdrawn
)
