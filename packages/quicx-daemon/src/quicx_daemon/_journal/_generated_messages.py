# Generated from spec/journal.ksy by spec/codegen/generate.py; do not edit.
"""Enums, constants and record classes of the Quicx journal.

To change this file, change spec/journal.ksy, then run
``python spec/codegen/generate.py`` from the repository root.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import TypeAlias

from quicx_proto._validation import (
    check_blob,
    check_bool,
    check_enum,
    check_text,
    check_uint,
)

__all__ = [
    "HEADER_SIZE",
    "JOURNAL_VERSION",
    "SEGMENT_HEADER_SIZE",
    "RecordBody",
    "RecordType",
    "SegmentHeader",
    "SegmentKind",
    "SnapshotState",
    "TaskDeadLettered",
    "TaskDispatched",
    "TaskDone",
    "TaskEvicted",
    "TaskFailed",
    "TaskRequeued",
    "TaskSnapshot",
    "TaskSubmitted",
    "TaskTouched",
]

HEADER_SIZE = 9
"""Bytes in the fixed header that starts every record."""

SEGMENT_HEADER_SIZE = 30
"""Bytes in the fixed header that starts every segment file."""

JOURNAL_VERSION = 1
"""The version byte of every segment this package reads and writes."""


class SegmentKind(enum.IntEnum):
    """The spec's segment_kind enum."""

    LOG = 1
    """Events in the order they happened."""
    SNAPSHOT = 2
    """One task_snapshot per live task; replaces every segment with a lower id."""


class RecordType(enum.IntEnum):
    """Which record a record's body holds (the spec's record_type enum)."""

    SUBMITTED = 1
    """See type task_submitted."""
    DISPATCHED = 2
    """See type task_dispatched."""
    TOUCHED = 3
    """See type task_touched."""
    DONE = 4
    """See type task_done."""
    FAILED = 5
    """See type task_failed."""
    REQUEUED = 6
    """See type task_requeued."""
    DEAD_LETTERED = 7
    """See type task_dead_lettered."""
    EVICTED = 8
    """See type task_evicted."""
    SNAPSHOT = 9
    """See type task_snapshot."""


class SnapshotState(enum.IntEnum):
    """The spec's snapshot_state enum."""

    QUEUED = 1
    """Waiting in its queue, ready or delayed until ready_ms."""
    LEASED = 2
    """Held by a worker; after a restart it goes back to its queue with a lost lease
    counted.
    """
    DEAD = 3
    """A dead letter."""


@dataclass(frozen=True, slots=True, kw_only=True)
class SegmentHeader:
    """The 30 bytes that start every segment file."""

    version: int
    """Journal format version. It changes only when these bytes change incompatibly;
    this file describes version 1.
    """
    kind: SegmentKind
    """Whether the segment is a log of events or a snapshot of tasks."""
    segment_id: int
    """The segment's id, the same number as in its file name."""
    last_task_id: int
    """The highest task id the daemon had handed out when it started this segment, so
    that the task id sequence goes on after a restart even when every record naming that
    id is gone.
    """
    created_ms: int
    """When the segment was started."""

    def __post_init__(self) -> None:
        check_uint("SegmentHeader.version", self.version, 8)
        check_enum("SegmentHeader.kind", self.kind, SegmentKind)
        check_uint("SegmentHeader.segment_id", self.segment_id, 64)
        check_uint("SegmentHeader.last_task_id", self.last_task_id, 64)
        check_uint("SegmentHeader.created_ms", self.created_ms, 64)


@dataclass(frozen=True, slots=True, kw_only=True)
class TaskSubmitted:
    """A SUBMIT was accepted. The daemon answers OK only once this record is written,
    and synced under the fsync policy "always".
    """

    task_id: int
    """The new task's id, as sent in OK."""
    at_ms: int
    """When the daemon accepted the task."""
    ready_ms: int
    """When the task may first be dispatched, at_ms plus its delay."""
    priority: int
    """Lower runs first, as in SUBMIT."""
    ttr_ms: int
    """Time-to-run with the daemon's default applied; never 0."""
    max_attempts: int
    """Attempt limit with the daemon's default applied; never 0."""
    queue: str
    """The task's queue."""
    payload: bytes
    """The task's bytes."""

    def __post_init__(self) -> None:
        check_uint("TaskSubmitted.task_id", self.task_id, 64)
        check_uint("TaskSubmitted.at_ms", self.at_ms, 64)
        check_uint("TaskSubmitted.ready_ms", self.ready_ms, 64)
        check_uint("TaskSubmitted.priority", self.priority, 32)
        check_uint("TaskSubmitted.ttr_ms", self.ttr_ms, 32)
        check_uint("TaskSubmitted.max_attempts", self.max_attempts, 16)
        check_text("TaskSubmitted.queue", self.queue, 255)
        check_blob("TaskSubmitted.payload", self.payload, 4294967295)


@dataclass(frozen=True, slots=True, kw_only=True)
class TaskDispatched:
    """A worker was sent the task and holds a lease on it."""

    task_id: int
    """The task."""
    at_ms: int
    """When the TASK was sent."""
    attempt: int
    """The attempt number the TASK carried, 1 on the first delivery."""

    def __post_init__(self) -> None:
        check_uint("TaskDispatched.task_id", self.task_id, 64)
        check_uint("TaskDispatched.at_ms", self.at_ms, 64)
        check_uint("TaskDispatched.attempt", self.attempt, 16)


@dataclass(frozen=True, slots=True, kw_only=True)
class TaskTouched:
    """The worker holding the task restarted its lease with TOUCH. Recovery does not
    need it: a lease does not outlive the daemon.
    """

    task_id: int
    """The task."""
    at_ms: int
    """When the TOUCH was handled."""

    def __post_init__(self) -> None:
        check_uint("TaskTouched.task_id", self.task_id, 64)
        check_uint("TaskTouched.at_ms", self.at_ms, 64)


@dataclass(frozen=True, slots=True, kw_only=True)
class TaskDone:
    """The worker finished the task; it is gone."""

    task_id: int
    """The task."""
    at_ms: int
    """When the DONE was handled."""

    def __post_init__(self) -> None:
        check_uint("TaskDone.task_id", self.task_id, 64)
        check_uint("TaskDone.at_ms", self.at_ms, 64)


@dataclass(frozen=True, slots=True, kw_only=True)
class TaskFailed:
    """The worker reported the task failed. A requeued or dead_lettered record for the
    same task follows.
    """

    task_id: int
    """The task."""
    at_ms: int
    """When the FAILED was handled."""
    retry: bool
    """1 when the worker asked for another attempt, 0 otherwise."""
    reason: str
    """The reason the worker gave."""

    def __post_init__(self) -> None:
        check_uint("TaskFailed.task_id", self.task_id, 64)
        check_uint("TaskFailed.at_ms", self.at_ms, 64)
        check_bool("TaskFailed.retry", self.retry)
        check_text("TaskFailed.reason", self.reason, 65535)


@dataclass(frozen=True, slots=True, kw_only=True)
class TaskRequeued:
    """The task went back to its queue, at once or after a backoff, after a FAILED with
    retry or a lost lease. A requeued record that does not follow a failed record of the
    same task records a lost lease.
    """

    task_id: int
    """The task."""
    at_ms: int
    """When it was put back."""
    attempts: int
    """Deliveries so far; the next TASK carries attempts + 1."""
    ready_ms: int
    """When it may be dispatched again."""
    reason: str
    """Why it was put back."""

    def __post_init__(self) -> None:
        check_uint("TaskRequeued.task_id", self.task_id, 64)
        check_uint("TaskRequeued.at_ms", self.at_ms, 64)
        check_uint("TaskRequeued.attempts", self.attempts, 16)
        check_uint("TaskRequeued.ready_ms", self.ready_ms, 64)
        check_text("TaskRequeued.reason", self.reason, 65535)


@dataclass(frozen=True, slots=True, kw_only=True)
class TaskDeadLettered:
    """The task will not run again; it is kept as a dead letter with its payload. Like
    requeued, it records a lost lease when it does not follow a failed record of the
    same task.
    """

    task_id: int
    """The task."""
    at_ms: int
    """When it was dead-lettered."""
    reason: str
    """Why."""

    def __post_init__(self) -> None:
        check_uint("TaskDeadLettered.task_id", self.task_id, 64)
        check_uint("TaskDeadLettered.at_ms", self.at_ms, 64)
        check_text("TaskDeadLettered.reason", self.reason, 65535)


@dataclass(frozen=True, slots=True, kw_only=True)
class TaskEvicted:
    """A dead letter was dropped to keep the dead-letter list bounded; it is gone."""

    task_id: int
    """The task."""
    at_ms: int
    """When it was dropped."""

    def __post_init__(self) -> None:
        check_uint("TaskEvicted.task_id", self.task_id, 64)
        check_uint("TaskEvicted.at_ms", self.at_ms, 64)


@dataclass(frozen=True, slots=True, kw_only=True)
class TaskSnapshot:
    """A task's whole state, written by compaction and at start into snapshot segments;
    it stands for every earlier record of the task. Dead letters come first, oldest
    first, so their order survives.
    """

    task_id: int
    """The task."""
    at_ms: int
    """The time the state was taken."""
    state: SnapshotState
    """Where the task was."""
    priority: int
    """Lower runs first."""
    ttr_ms: int
    """Time-to-run; never 0."""
    max_attempts: int
    """Attempt limit; never 0."""
    attempts: int
    """Deliveries so far."""
    lost_leases: int
    """Leases lost so far; from the second on, a lost lease waits a backoff."""
    ready_ms: int
    """For a queued task, when it may be dispatched; 0 otherwise."""
    reason: str
    """For a dead letter, why it died; empty otherwise."""
    queue: str
    """The task's queue."""
    payload: bytes
    """The task's bytes."""

    def __post_init__(self) -> None:
        check_uint("TaskSnapshot.task_id", self.task_id, 64)
        check_uint("TaskSnapshot.at_ms", self.at_ms, 64)
        check_enum("TaskSnapshot.state", self.state, SnapshotState)
        check_uint("TaskSnapshot.priority", self.priority, 32)
        check_uint("TaskSnapshot.ttr_ms", self.ttr_ms, 32)
        check_uint("TaskSnapshot.max_attempts", self.max_attempts, 16)
        check_uint("TaskSnapshot.attempts", self.attempts, 16)
        check_uint("TaskSnapshot.lost_leases", self.lost_leases, 16)
        check_uint("TaskSnapshot.ready_ms", self.ready_ms, 64)
        check_text("TaskSnapshot.reason", self.reason, 65535)
        check_text("TaskSnapshot.queue", self.queue, 255)
        check_blob("TaskSnapshot.payload", self.payload, 4294967295)


RecordBody: TypeAlias = (
    TaskSubmitted
    | TaskDispatched
    | TaskTouched
    | TaskDone
    | TaskFailed
    | TaskRequeued
    | TaskDeadLettered
    | TaskEvicted
    | TaskSnapshot
)
"""Any journal record body: what the codecs in BODIES build and parse."""
