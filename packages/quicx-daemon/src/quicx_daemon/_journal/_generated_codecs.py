# Generated from spec/journal.ksy by spec/codegen/generate.py; do not edit.
"""Construct codecs for the journal's headers and every record body.

To change this file, change spec/journal.ksy, then run
``python spec/codegen/generate.py`` from the repository root.
"""

from __future__ import annotations

from typing import Any

from construct import Const, Int8ub, Int16ub, Int32ub, Int64ub, Struct
from quicx_proto._constructs import Blob, BodyCodec, End, Text, Valid

from quicx_daemon._journal._generated_messages import (
    RecordType,
    SegmentHeader,
    SegmentKind,
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

__all__ = ["BODIES", "RECORD_HEADER", "SEGMENT_HEADER"]


RECORD_HEADER = Struct(
    "crc32" / Int32ub,
    "len_body" / Int32ub,
    "record_type" / Valid(Int8ub, RecordType),
)

SEGMENT_HEADER = Struct(
    "magic" / Const(b"QXJL"),
    "version" / Valid(Int8ub, {1}),
    "kind" / Valid(Int8ub, SegmentKind),
    "segment_id" / Int64ub,
    "last_task_id" / Int64ub,
    "created_ms" / Int64ub,
)


def _segment_header_to_dict(message: SegmentHeader) -> dict[str, Any]:
    """The fields of a SegmentHeader as its codec builds them."""
    return {
        "version": message.version,
        "kind": message.kind,
        "segment_id": message.segment_id,
        "last_task_id": message.last_task_id,
        "created_ms": message.created_ms,
    }


def _segment_header_from_dict(fields: Any) -> SegmentHeader:
    """A SegmentHeader from what its codec parsed."""
    return SegmentHeader(
        version=fields["version"],
        kind=SegmentKind(fields["kind"]),
        segment_id=fields["segment_id"],
        last_task_id=fields["last_task_id"],
        created_ms=fields["created_ms"],
    )


TASK_SUBMITTED = Struct(
    "task_id" / Int64ub,
    "at_ms" / Int64ub,
    "ready_ms" / Int64ub,
    "priority" / Int32ub,
    "ttr_ms" / Int32ub,
    "max_attempts" / Int16ub,
    "queue" / Text(Int8ub),
    "payload" / Blob(Int32ub),
    End(),
)


def _task_submitted_to_dict(message: TaskSubmitted) -> dict[str, Any]:
    """The fields of a TaskSubmitted as its codec builds them."""
    return {
        "task_id": message.task_id,
        "at_ms": message.at_ms,
        "ready_ms": message.ready_ms,
        "priority": message.priority,
        "ttr_ms": message.ttr_ms,
        "max_attempts": message.max_attempts,
        "queue": message.queue,
        "payload": message.payload,
    }


def _task_submitted_from_dict(fields: Any) -> TaskSubmitted:
    """A TaskSubmitted from what its codec parsed."""
    return TaskSubmitted(
        task_id=fields["task_id"],
        at_ms=fields["at_ms"],
        ready_ms=fields["ready_ms"],
        priority=fields["priority"],
        ttr_ms=fields["ttr_ms"],
        max_attempts=fields["max_attempts"],
        queue=fields["queue"],
        payload=fields["payload"],
    )


TASK_DISPATCHED = Struct(
    "task_id" / Int64ub,
    "at_ms" / Int64ub,
    "attempt" / Int16ub,
    End(),
)


def _task_dispatched_to_dict(message: TaskDispatched) -> dict[str, Any]:
    """The fields of a TaskDispatched as its codec builds them."""
    return {
        "task_id": message.task_id,
        "at_ms": message.at_ms,
        "attempt": message.attempt,
    }


def _task_dispatched_from_dict(fields: Any) -> TaskDispatched:
    """A TaskDispatched from what its codec parsed."""
    return TaskDispatched(
        task_id=fields["task_id"],
        at_ms=fields["at_ms"],
        attempt=fields["attempt"],
    )


TASK_TOUCHED = Struct(
    "task_id" / Int64ub,
    "at_ms" / Int64ub,
    End(),
)


def _task_touched_to_dict(message: TaskTouched) -> dict[str, Any]:
    """The fields of a TaskTouched as its codec builds them."""
    return {
        "task_id": message.task_id,
        "at_ms": message.at_ms,
    }


def _task_touched_from_dict(fields: Any) -> TaskTouched:
    """A TaskTouched from what its codec parsed."""
    return TaskTouched(
        task_id=fields["task_id"],
        at_ms=fields["at_ms"],
    )


TASK_DONE = Struct(
    "task_id" / Int64ub,
    "at_ms" / Int64ub,
    End(),
)


def _task_done_to_dict(message: TaskDone) -> dict[str, Any]:
    """The fields of a TaskDone as its codec builds them."""
    return {
        "task_id": message.task_id,
        "at_ms": message.at_ms,
    }


def _task_done_from_dict(fields: Any) -> TaskDone:
    """A TaskDone from what its codec parsed."""
    return TaskDone(
        task_id=fields["task_id"],
        at_ms=fields["at_ms"],
    )


TASK_FAILED = Struct(
    "task_id" / Int64ub,
    "at_ms" / Int64ub,
    "retry" / Valid(Int8ub, range(0, 2)),
    "reason" / Text(Int16ub),
    End(),
)


def _task_failed_to_dict(message: TaskFailed) -> dict[str, Any]:
    """The fields of a TaskFailed as its codec builds them."""
    return {
        "task_id": message.task_id,
        "at_ms": message.at_ms,
        "retry": int(message.retry),
        "reason": message.reason,
    }


def _task_failed_from_dict(fields: Any) -> TaskFailed:
    """A TaskFailed from what its codec parsed."""
    return TaskFailed(
        task_id=fields["task_id"],
        at_ms=fields["at_ms"],
        retry=bool(fields["retry"]),
        reason=fields["reason"],
    )


TASK_REQUEUED = Struct(
    "task_id" / Int64ub,
    "at_ms" / Int64ub,
    "attempts" / Int16ub,
    "ready_ms" / Int64ub,
    "reason" / Text(Int16ub),
    End(),
)


def _task_requeued_to_dict(message: TaskRequeued) -> dict[str, Any]:
    """The fields of a TaskRequeued as its codec builds them."""
    return {
        "task_id": message.task_id,
        "at_ms": message.at_ms,
        "attempts": message.attempts,
        "ready_ms": message.ready_ms,
        "reason": message.reason,
    }


def _task_requeued_from_dict(fields: Any) -> TaskRequeued:
    """A TaskRequeued from what its codec parsed."""
    return TaskRequeued(
        task_id=fields["task_id"],
        at_ms=fields["at_ms"],
        attempts=fields["attempts"],
        ready_ms=fields["ready_ms"],
        reason=fields["reason"],
    )


TASK_DEAD_LETTERED = Struct(
    "task_id" / Int64ub,
    "at_ms" / Int64ub,
    "reason" / Text(Int16ub),
    End(),
)


def _task_dead_lettered_to_dict(message: TaskDeadLettered) -> dict[str, Any]:
    """The fields of a TaskDeadLettered as its codec builds them."""
    return {
        "task_id": message.task_id,
        "at_ms": message.at_ms,
        "reason": message.reason,
    }


def _task_dead_lettered_from_dict(fields: Any) -> TaskDeadLettered:
    """A TaskDeadLettered from what its codec parsed."""
    return TaskDeadLettered(
        task_id=fields["task_id"],
        at_ms=fields["at_ms"],
        reason=fields["reason"],
    )


TASK_EVICTED = Struct(
    "task_id" / Int64ub,
    "at_ms" / Int64ub,
    End(),
)


def _task_evicted_to_dict(message: TaskEvicted) -> dict[str, Any]:
    """The fields of a TaskEvicted as its codec builds them."""
    return {
        "task_id": message.task_id,
        "at_ms": message.at_ms,
    }


def _task_evicted_from_dict(fields: Any) -> TaskEvicted:
    """A TaskEvicted from what its codec parsed."""
    return TaskEvicted(
        task_id=fields["task_id"],
        at_ms=fields["at_ms"],
    )


TASK_SNAPSHOT = Struct(
    "task_id" / Int64ub,
    "at_ms" / Int64ub,
    "state" / Valid(Int8ub, SnapshotState),
    "priority" / Int32ub,
    "ttr_ms" / Int32ub,
    "max_attempts" / Int16ub,
    "attempts" / Int16ub,
    "lost_leases" / Int16ub,
    "ready_ms" / Int64ub,
    "reason" / Text(Int16ub),
    "queue" / Text(Int8ub),
    "payload" / Blob(Int32ub),
    End(),
)


def _task_snapshot_to_dict(message: TaskSnapshot) -> dict[str, Any]:
    """The fields of a TaskSnapshot as its codec builds them."""
    return {
        "task_id": message.task_id,
        "at_ms": message.at_ms,
        "state": message.state,
        "priority": message.priority,
        "ttr_ms": message.ttr_ms,
        "max_attempts": message.max_attempts,
        "attempts": message.attempts,
        "lost_leases": message.lost_leases,
        "ready_ms": message.ready_ms,
        "reason": message.reason,
        "queue": message.queue,
        "payload": message.payload,
    }


def _task_snapshot_from_dict(fields: Any) -> TaskSnapshot:
    """A TaskSnapshot from what its codec parsed."""
    return TaskSnapshot(
        task_id=fields["task_id"],
        at_ms=fields["at_ms"],
        state=SnapshotState(fields["state"]),
        priority=fields["priority"],
        ttr_ms=fields["ttr_ms"],
        max_attempts=fields["max_attempts"],
        attempts=fields["attempts"],
        lost_leases=fields["lost_leases"],
        ready_ms=fields["ready_ms"],
        reason=fields["reason"],
        queue=fields["queue"],
        payload=fields["payload"],
    )


BODIES = (
    BodyCodec(
        RecordType.SUBMITTED,
        TaskSubmitted,
        TASK_SUBMITTED,
        _task_submitted_to_dict,
        _task_submitted_from_dict,
    ),
    BodyCodec(
        RecordType.DISPATCHED,
        TaskDispatched,
        TASK_DISPATCHED,
        _task_dispatched_to_dict,
        _task_dispatched_from_dict,
    ),
    BodyCodec(
        RecordType.TOUCHED,
        TaskTouched,
        TASK_TOUCHED,
        _task_touched_to_dict,
        _task_touched_from_dict,
    ),
    BodyCodec(
        RecordType.DONE,
        TaskDone,
        TASK_DONE,
        _task_done_to_dict,
        _task_done_from_dict,
    ),
    BodyCodec(
        RecordType.FAILED,
        TaskFailed,
        TASK_FAILED,
        _task_failed_to_dict,
        _task_failed_from_dict,
    ),
    BodyCodec(
        RecordType.REQUEUED,
        TaskRequeued,
        TASK_REQUEUED,
        _task_requeued_to_dict,
        _task_requeued_from_dict,
    ),
    BodyCodec(
        RecordType.DEAD_LETTERED,
        TaskDeadLettered,
        TASK_DEAD_LETTERED,
        _task_dead_lettered_to_dict,
        _task_dead_lettered_from_dict,
    ),
    BodyCodec(
        RecordType.EVICTED,
        TaskEvicted,
        TASK_EVICTED,
        _task_evicted_to_dict,
        _task_evicted_from_dict,
    ),
    BodyCodec(
        RecordType.SNAPSHOT,
        TaskSnapshot,
        TASK_SNAPSHOT,
        _task_snapshot_to_dict,
        _task_snapshot_from_dict,
    ),
)
"""The codec of every message body, in message type order."""
