"""Replaying records into task states: the pure half of recovery.

Records are applied in journal order, from the newest snapshot segment on.
Each task's state is what its latest records say. Two rules need care:

- A lost lease is not a record of its own. The broker writes a requeued or
  dead_lettered record when a lease is lost, and a failed record first when
  the worker reported a failure, so a requeued or dead_lettered record that
  does not follow a failed one counts a lost lease.
- Segments whose records are all dead are deleted, so the records of a task
  that ended may be partly gone: a dispatched or done record can name a task
  whose submitted record no longer exists. Such records are skipped.

A task that was leased when the journal stopped comes out ``LEASED``; the
broker decides what a lost lease does to it (:meth:`Broker.restore`).
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass

from .._records import TaskState
from .._restore import RestoredTask
from ._format import CorruptRecord, RecordSpan, SegmentScan, decode_body
from ._generated_messages import (
    HEADER_SIZE,
    RecordBody,
    RecordType,
    SnapshotState,
    TaskDeadLettered,
    TaskDispatched,
    TaskDone,
    TaskEvicted,
    TaskFailed,
    TaskRequeued,
    TaskSnapshot,
    TaskSubmitted,
    TaskTouched,
)

__all__ = [
    "ENDING",
    "RecoveredTask",
    "Replay",
    "ended_tasks",
    "from_restored",
    "to_restored",
]

ENDING = frozenset({RecordType.DONE, RecordType.EVICTED})
"""Record types after which a task is gone for good."""


@dataclass(slots=True, kw_only=True)
class RecoveredTask:
    """A task as the journal left it."""

    task_id: int
    queue: str
    priority: int
    ttr_ms: int
    max_attempts: int
    payload: bytes
    state: SnapshotState = SnapshotState.QUEUED
    ready_ms: int = 0
    """When a queued task may be dispatched, in wall-clock milliseconds."""
    attempts: int = 0
    lost_leases: int = 0
    reason: str = ""
    """Why a dead letter died."""

    def snapshot(self, at_ms: int) -> TaskSnapshot:
        """The task_snapshot record that stands for this task."""
        return TaskSnapshot(
            task_id=self.task_id,
            at_ms=at_ms,
            state=self.state,
            priority=self.priority,
            ttr_ms=self.ttr_ms,
            max_attempts=self.max_attempts,
            attempts=self.attempts,
            lost_leases=self.lost_leases,
            ready_ms=self.ready_ms if self.state is SnapshotState.QUEUED else 0,
            reason=self.reason if self.state is SnapshotState.DEAD else "",
            queue=self.queue,
            payload=self.payload,
        )


def ended_tasks(scan: SegmentScan) -> set[int]:
    """The ids of the tasks a segment's records end."""
    return {span.task_id for span in scan.records if span.record_type in ENDING}


class Replay:
    """Task states built by applying records in journal order."""

    def __init__(self) -> None:
        # Dead letters are moved to the end when they die, so iterating
        # gives them oldest death first.
        self.tasks: dict[int, RecoveredTask] = {}
        self.last_task_id = 0
        """The highest task id any record or segment header named."""
        self.records = 0
        """Records applied (skipped ones not counted)."""
        self._failing: set[int] = set()
        self._skipped: list[int] = []

    def apply_segment(
        self,
        data: bytes,
        scan: SegmentScan,
        *,
        skip: Collection[int] = (),
        only: Collection[int] | None = None,
        repair: bool = False,
    ) -> None:
        """Apply every record of one scanned segment.

        :param skip: task ids whose records are left out (tasks that end
            later in the journal, whose state is of no use).
        :param only: when given, only these tasks' records are applied.
        :param repair: leave out a record whose body does not decode, and
            note its offset for :meth:`take_skipped`, instead of raising.
        :raises CorruptRecord: a body with a matching CRC does not decode; the
            message gives its offset.
        """
        for span in scan.records:
            self.last_task_id = max(self.last_task_id, span.task_id)
            task_id = span.task_id
            if task_id in skip or (only is not None and task_id not in only):
                continue
            if span.record_type is RecordType.TOUCHED:
                continue
            try:
                body = _decode(data, span)
            except CorruptRecord:
                if not repair:
                    raise
                self._skipped.append(span.offset)
                continue
            self.apply(body)

    def take_skipped(self) -> list[int]:
        """Offsets of the records :meth:`apply_segment` left out since the
        last call."""
        skipped, self._skipped = self._skipped, []
        return skipped

    def apply(self, body: RecordBody) -> None:
        """Apply one record."""
        self.records += 1
        match body:
            case TaskSubmitted():
                self.tasks[body.task_id] = RecoveredTask(
                    task_id=body.task_id,
                    queue=body.queue,
                    priority=body.priority,
                    ttr_ms=body.ttr_ms,
                    max_attempts=body.max_attempts,
                    payload=body.payload,
                    ready_ms=body.ready_ms,
                )
            case TaskSnapshot():
                self.tasks.pop(body.task_id, None)
                self.tasks[body.task_id] = _from_snapshot(body)
            case TaskDispatched():
                if task := self.tasks.get(body.task_id):
                    task.state = SnapshotState.LEASED
                    task.attempts = body.attempt
                    self._failing.discard(body.task_id)
            case TaskFailed():
                if body.task_id in self.tasks:
                    self._failing.add(body.task_id)
            case TaskRequeued():
                if task := self._leave_lease(body.task_id):
                    task.state = SnapshotState.QUEUED
                    task.attempts = body.attempts
                    task.ready_ms = body.ready_ms
            case TaskDeadLettered():
                if task := self._leave_lease(body.task_id):
                    task.state = SnapshotState.DEAD
                    task.reason = body.reason
                    del self.tasks[body.task_id]
                    self.tasks[body.task_id] = task
            case TaskDone() | TaskEvicted():
                self.tasks.pop(body.task_id, None)
                self._failing.discard(body.task_id)
            case TaskTouched():
                pass

    def result(self) -> list[RecoveredTask]:
        """Live tasks: dead letters first, oldest death first, then the rest by id."""
        tasks = self.tasks.values()
        dead = [t for t in tasks if t.state is SnapshotState.DEAD]
        rest = sorted(
            (t for t in tasks if t.state is not SnapshotState.DEAD),
            key=lambda t: t.task_id,
        )
        return [*dead, *rest]

    def _leave_lease(self, task_id: int) -> RecoveredTask | None:
        """The task a requeued or dead_lettered record names, its lost lease
        counted unless a failed record came first."""
        task = self.tasks.get(task_id)
        if task is None:
            return None
        if task.state is SnapshotState.LEASED and task_id not in self._failing:
            task.lost_leases += 1
        self._failing.discard(task_id)
        return task


def _decode(data: bytes, span: RecordSpan) -> RecordBody:
    start = span.offset + HEADER_SIZE
    try:
        return decode_body(span.record_type, data[start : span.offset + span.size])
    except CorruptRecord as exc:
        raise CorruptRecord(f"record at offset {span.offset}: {exc}") from None


def _from_snapshot(body: TaskSnapshot) -> RecoveredTask:
    return RecoveredTask(
        task_id=body.task_id,
        queue=body.queue,
        priority=body.priority,
        ttr_ms=body.ttr_ms,
        max_attempts=body.max_attempts,
        payload=body.payload,
        state=body.state,
        ready_ms=body.ready_ms,
        attempts=body.attempts,
        lost_leases=body.lost_leases,
        reason=body.reason,
    )


def to_restored(task: RecoveredTask, clock_at: Callable[[int], float]) -> RestoredTask:
    """A recovered task as the broker takes it back; ``clock_at`` turns
    wall-clock milliseconds into broker time."""
    return RestoredTask(
        task_id=task.task_id,
        queue=task.queue,
        priority=task.priority,
        ttr_ms=task.ttr_ms,
        max_attempts=task.max_attempts,
        payload=task.payload,
        state=_BROKER_STATES[task.state],
        ready_at=clock_at(task.ready_ms),
        attempts=task.attempts,
        lost_leases=task.lost_leases,
        reason=task.reason,
    )


def from_restored(
    task: RestoredTask, ms: Callable[[float], int], now_ms: int
) -> RecoveredTask:
    """A task the broker exported, as a snapshot record holds it; ``ms`` turns
    broker time into wall-clock milliseconds."""
    delayed = task.state is TaskState.DELAYED
    return RecoveredTask(
        task_id=task.task_id,
        queue=task.queue,
        priority=task.priority,
        ttr_ms=task.ttr_ms,
        max_attempts=task.max_attempts,
        payload=task.payload,
        state=_SNAPSHOT_STATES.get(task.state, SnapshotState.QUEUED),
        ready_ms=ms(task.ready_at) if delayed else now_ms,
        attempts=task.attempts,
        lost_leases=task.lost_leases,
        reason=task.reason,
    )


_BROKER_STATES = {
    SnapshotState.QUEUED: TaskState.READY,
    SnapshotState.LEASED: TaskState.LEASED,
    SnapshotState.DEAD: TaskState.DEAD,
}
_SNAPSHOT_STATES = {
    TaskState.LEASED: SnapshotState.LEASED,
    TaskState.DEAD: SnapshotState.DEAD,
}
