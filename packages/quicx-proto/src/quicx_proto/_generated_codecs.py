# Generated from spec/quicx.ksy by spec/codegen/generate.py; do not edit.
"""Construct codecs for the Quicx frame header and every message body.

To change this file, change spec/quicx.ksy, then run
``python spec/codegen/generate.py`` from the repository root.
"""

from __future__ import annotations

from typing import Any

from construct import Const, Int8ub, Int16ub, Int32ub, Int64ub, PrefixedArray, Struct

from quicx_proto._constructs import Blob, BodyCodec, End, Text, Valid
from quicx_proto._generated_messages import (
    Done,
    Error,
    ErrorCode,
    Failed,
    Heartbeat,
    MsgType,
    Ok,
    Peers,
    Percentiles,
    Pong,
    QueueStats,
    Ready,
    SizeClassStats,
    StatsReply,
    StatsRequest,
    Submit,
    Task,
    Touch,
    Wait,
)

__all__ = ["BODIES", "HEADER"]


HEADER = Struct(
    "magic" / Const(b"QX"),
    "version" / Valid(Int8ub, {1}),
    "msg_type" / Valid(Int8ub, MsgType),
    "len_body" / Int32ub,
)

PERCENTILES = Struct(
    "count" / Int64ub,
    "p50_us" / Int64ub,
    "p90_us" / Int64ub,
    "p99_us" / Int64ub,
    "p999_us" / Int64ub,
    "max_us" / Int64ub,
)


def _percentiles_to_dict(message: Percentiles) -> dict[str, Any]:
    """The fields of a Percentiles as its codec builds them."""
    return {
        "count": message.count,
        "p50_us": message.p50_us,
        "p90_us": message.p90_us,
        "p99_us": message.p99_us,
        "p999_us": message.p999_us,
        "max_us": message.max_us,
    }


def _percentiles_from_dict(fields: Any) -> Percentiles:
    """A Percentiles from what its codec parsed."""
    return Percentiles(
        count=fields["count"],
        p50_us=fields["p50_us"],
        p90_us=fields["p90_us"],
        p99_us=fields["p99_us"],
        p999_us=fields["p999_us"],
        max_us=fields["max_us"],
    )


QUEUE_STATS = Struct(
    "name" / Text(Int8ub),
    "depth" / Int32ub,
    "delayed" / Int32ub,
    "in_flight" / Int32ub,
    "dead" / Int32ub,
    "oldest_age_ms" / Int64ub,
)


def _queue_stats_to_dict(message: QueueStats) -> dict[str, Any]:
    """The fields of a QueueStats as its codec builds them."""
    return {
        "name": message.name,
        "depth": message.depth,
        "delayed": message.delayed,
        "in_flight": message.in_flight,
        "dead": message.dead,
        "oldest_age_ms": message.oldest_age_ms,
    }


def _queue_stats_from_dict(fields: Any) -> QueueStats:
    """A QueueStats from what its codec parsed."""
    return QueueStats(
        name=fields["name"],
        depth=fields["depth"],
        delayed=fields["delayed"],
        in_flight=fields["in_flight"],
        dead=fields["dead"],
        oldest_age_ms=fields["oldest_age_ms"],
    )


SIZE_CLASS_STATS = Struct(
    "class_size" / Int32ub,
    "slabs" / Int32ub,
    "live_blocks" / Int32ub,
    "free_blocks" / Int32ub,
)


def _size_class_stats_to_dict(message: SizeClassStats) -> dict[str, Any]:
    """The fields of a SizeClassStats as its codec builds them."""
    return {
        "class_size": message.class_size,
        "slabs": message.slabs,
        "live_blocks": message.live_blocks,
        "free_blocks": message.free_blocks,
    }


def _size_class_stats_from_dict(fields: Any) -> SizeClassStats:
    """A SizeClassStats from what its codec parsed."""
    return SizeClassStats(
        class_size=fields["class_size"],
        slabs=fields["slabs"],
        live_blocks=fields["live_blocks"],
        free_blocks=fields["free_blocks"],
    )


SUBMIT = Struct(
    "priority" / Int32ub,
    "delay_ms" / Int32ub,
    "ttr_ms" / Int32ub,
    "max_attempts" / Int16ub,
    "queue" / Text(Int8ub),
    "payload" / Blob(Int32ub),
    End(),
)


def _submit_to_dict(message: Submit) -> dict[str, Any]:
    """The fields of a Submit as its codec builds them."""
    return {
        "priority": message.priority,
        "delay_ms": message.delay_ms,
        "ttr_ms": message.ttr_ms,
        "max_attempts": message.max_attempts,
        "queue": message.queue,
        "payload": message.payload,
    }


def _submit_from_dict(fields: Any) -> Submit:
    """A Submit from what its codec parsed."""
    return Submit(
        priority=fields["priority"],
        delay_ms=fields["delay_ms"],
        ttr_ms=fields["ttr_ms"],
        max_attempts=fields["max_attempts"],
        queue=fields["queue"],
        payload=fields["payload"],
    )


OK = Struct(
    "task_id" / Int64ub,
    End(),
)


def _ok_to_dict(message: Ok) -> dict[str, Any]:
    """The fields of a Ok as its codec builds them."""
    return {
        "task_id": message.task_id,
    }


def _ok_from_dict(fields: Any) -> Ok:
    """A Ok from what its codec parsed."""
    return Ok(
        task_id=fields["task_id"],
    )


ERROR = Struct(
    "code" / Valid(Int16ub, ErrorCode),
    "retry_after_ms" / Int32ub,
    "task_id" / Int64ub,
    "message" / Text(Int16ub),
    End(),
)


def _error_to_dict(message: Error) -> dict[str, Any]:
    """The fields of a Error as its codec builds them."""
    return {
        "code": message.code,
        "retry_after_ms": message.retry_after_ms,
        "task_id": message.task_id,
        "message": message.message,
    }


def _error_from_dict(fields: Any) -> Error:
    """A Error from what its codec parsed."""
    return Error(
        code=ErrorCode(fields["code"]),
        retry_after_ms=fields["retry_after_ms"],
        task_id=fields["task_id"],
        message=fields["message"],
    )


READY = Struct(
    "credit" / Int32ub,
    "queues" / PrefixedArray(Int8ub, Text(Int8ub)),
    End(),
)


def _ready_to_dict(message: Ready) -> dict[str, Any]:
    """The fields of a Ready as its codec builds them."""
    return {
        "credit": message.credit,
        "queues": message.queues,
    }


def _ready_from_dict(fields: Any) -> Ready:
    """A Ready from what its codec parsed."""
    return Ready(
        credit=fields["credit"],
        queues=tuple(fields["queues"]),
    )


TASK = Struct(
    "task_id" / Int64ub,
    "attempt" / Int16ub,
    "ttr_ms" / Int32ub,
    "queue" / Text(Int8ub),
    "payload" / Blob(Int32ub),
    End(),
)


def _task_to_dict(message: Task) -> dict[str, Any]:
    """The fields of a Task as its codec builds them."""
    return {
        "task_id": message.task_id,
        "attempt": message.attempt,
        "ttr_ms": message.ttr_ms,
        "queue": message.queue,
        "payload": message.payload,
    }


def _task_from_dict(fields: Any) -> Task:
    """A Task from what its codec parsed."""
    return Task(
        task_id=fields["task_id"],
        attempt=fields["attempt"],
        ttr_ms=fields["ttr_ms"],
        queue=fields["queue"],
        payload=fields["payload"],
    )


WAIT = Struct(
    End(),
)


def _wait_to_dict(message: Wait) -> dict[str, Any]:
    """The fields of a Wait as its codec builds them."""
    return {}


def _wait_from_dict(fields: Any) -> Wait:
    """A Wait from what its codec parsed."""
    return Wait()


TOUCH = Struct(
    "task_id" / Int64ub,
    End(),
)


def _touch_to_dict(message: Touch) -> dict[str, Any]:
    """The fields of a Touch as its codec builds them."""
    return {
        "task_id": message.task_id,
    }


def _touch_from_dict(fields: Any) -> Touch:
    """A Touch from what its codec parsed."""
    return Touch(
        task_id=fields["task_id"],
    )


DONE = Struct(
    "task_id" / Int64ub,
    "result" / Blob(Int32ub),
    End(),
)


def _done_to_dict(message: Done) -> dict[str, Any]:
    """The fields of a Done as its codec builds them."""
    return {
        "task_id": message.task_id,
        "result": message.result,
    }


def _done_from_dict(fields: Any) -> Done:
    """A Done from what its codec parsed."""
    return Done(
        task_id=fields["task_id"],
        result=fields["result"],
    )


FAILED = Struct(
    "task_id" / Int64ub,
    "retry" / Valid(Int8ub, range(0, 2)),
    "reason" / Text(Int16ub),
    End(),
)


def _failed_to_dict(message: Failed) -> dict[str, Any]:
    """The fields of a Failed as its codec builds them."""
    return {
        "task_id": message.task_id,
        "retry": int(message.retry),
        "reason": message.reason,
    }


def _failed_from_dict(fields: Any) -> Failed:
    """A Failed from what its codec parsed."""
    return Failed(
        task_id=fields["task_id"],
        retry=bool(fields["retry"]),
        reason=fields["reason"],
    )


HEARTBEAT = Struct(
    "token" / Int64ub,
    End(),
)


def _heartbeat_to_dict(message: Heartbeat) -> dict[str, Any]:
    """The fields of a Heartbeat as its codec builds them."""
    return {
        "token": message.token,
    }


def _heartbeat_from_dict(fields: Any) -> Heartbeat:
    """A Heartbeat from what its codec parsed."""
    return Heartbeat(
        token=fields["token"],
    )


PONG = Struct(
    "token" / Int64ub,
    End(),
)


def _pong_to_dict(message: Pong) -> dict[str, Any]:
    """The fields of a Pong as its codec builds them."""
    return {
        "token": message.token,
    }


def _pong_from_dict(fields: Any) -> Pong:
    """A Pong from what its codec parsed."""
    return Pong(
        token=fields["token"],
    )


STATS_REQUEST = Struct(
    End(),
)


def _stats_request_to_dict(message: StatsRequest) -> dict[str, Any]:
    """The fields of a StatsRequest as its codec builds them."""
    return {}


def _stats_request_from_dict(fields: Any) -> StatsRequest:
    """A StatsRequest from what its codec parsed."""
    return StatsRequest()


STATS_REPLY = Struct(
    "node_id" / Int16ub,
    "uptime_ms" / Int64ub,
    "total_submitted" / Int64ub,
    "total_completed" / Int64ub,
    "total_failed" / Int64ub,
    "total_retried" / Int64ub,
    "total_dead" / Int64ub,
    "total_lost_leases" / Int64ub,
    "current_producers" / Int32ub,
    "current_workers" / Int32ub,
    "current_monitors" / Int32ub,
    "wait_time" / PERCENTILES,
    "run_time" / PERCENTILES,
    "arena_capacity" / Int64ub,
    "arena_used" / Int64ub,
    "journal_bytes" / Int64ub,
    "journal_live_ppm" / Int32ub,
    "size_classes" / PrefixedArray(Int8ub, SIZE_CLASS_STATS),
    "queues" / PrefixedArray(Int16ub, QUEUE_STATS),
    End(),
)


def _stats_reply_to_dict(message: StatsReply) -> dict[str, Any]:
    """The fields of a StatsReply as its codec builds them."""
    return {
        "node_id": message.node_id,
        "uptime_ms": message.uptime_ms,
        "total_submitted": message.total_submitted,
        "total_completed": message.total_completed,
        "total_failed": message.total_failed,
        "total_retried": message.total_retried,
        "total_dead": message.total_dead,
        "total_lost_leases": message.total_lost_leases,
        "current_producers": message.current_producers,
        "current_workers": message.current_workers,
        "current_monitors": message.current_monitors,
        "wait_time": _percentiles_to_dict(message.wait_time),
        "run_time": _percentiles_to_dict(message.run_time),
        "arena_capacity": message.arena_capacity,
        "arena_used": message.arena_used,
        "journal_bytes": message.journal_bytes,
        "journal_live_ppm": message.journal_live_ppm,
        "size_classes": [
            _size_class_stats_to_dict(item) for item in message.size_classes
        ],
        "queues": [_queue_stats_to_dict(item) for item in message.queues],
    }


def _stats_reply_from_dict(fields: Any) -> StatsReply:
    """A StatsReply from what its codec parsed."""
    return StatsReply(
        node_id=fields["node_id"],
        uptime_ms=fields["uptime_ms"],
        total_submitted=fields["total_submitted"],
        total_completed=fields["total_completed"],
        total_failed=fields["total_failed"],
        total_retried=fields["total_retried"],
        total_dead=fields["total_dead"],
        total_lost_leases=fields["total_lost_leases"],
        current_producers=fields["current_producers"],
        current_workers=fields["current_workers"],
        current_monitors=fields["current_monitors"],
        wait_time=_percentiles_from_dict(fields["wait_time"]),
        run_time=_percentiles_from_dict(fields["run_time"]),
        arena_capacity=fields["arena_capacity"],
        arena_used=fields["arena_used"],
        journal_bytes=fields["journal_bytes"],
        journal_live_ppm=fields["journal_live_ppm"],
        size_classes=tuple(
            _size_class_stats_from_dict(item) for item in fields["size_classes"]
        ),
        queues=tuple(_queue_stats_from_dict(item) for item in fields["queues"]),
    )


PEERS = Struct(
    "addresses" / PrefixedArray(Int8ub, Text(Int8ub)),
    End(),
)


def _peers_to_dict(message: Peers) -> dict[str, Any]:
    """The fields of a Peers as its codec builds them."""
    return {
        "addresses": message.addresses,
    }


def _peers_from_dict(fields: Any) -> Peers:
    """A Peers from what its codec parsed."""
    return Peers(
        addresses=tuple(fields["addresses"]),
    )


BODIES = (
    BodyCodec(
        MsgType.SUBMIT,
        Submit,
        SUBMIT,
        _submit_to_dict,
        _submit_from_dict,
    ),
    BodyCodec(
        MsgType.OK,
        Ok,
        OK,
        _ok_to_dict,
        _ok_from_dict,
    ),
    BodyCodec(
        MsgType.ERROR,
        Error,
        ERROR,
        _error_to_dict,
        _error_from_dict,
    ),
    BodyCodec(
        MsgType.READY,
        Ready,
        READY,
        _ready_to_dict,
        _ready_from_dict,
    ),
    BodyCodec(
        MsgType.TASK,
        Task,
        TASK,
        _task_to_dict,
        _task_from_dict,
    ),
    BodyCodec(
        MsgType.WAIT,
        Wait,
        WAIT,
        _wait_to_dict,
        _wait_from_dict,
    ),
    BodyCodec(
        MsgType.TOUCH,
        Touch,
        TOUCH,
        _touch_to_dict,
        _touch_from_dict,
    ),
    BodyCodec(
        MsgType.DONE,
        Done,
        DONE,
        _done_to_dict,
        _done_from_dict,
    ),
    BodyCodec(
        MsgType.FAILED,
        Failed,
        FAILED,
        _failed_to_dict,
        _failed_from_dict,
    ),
    BodyCodec(
        MsgType.HEARTBEAT,
        Heartbeat,
        HEARTBEAT,
        _heartbeat_to_dict,
        _heartbeat_from_dict,
    ),
    BodyCodec(
        MsgType.PONG,
        Pong,
        PONG,
        _pong_to_dict,
        _pong_from_dict,
    ),
    BodyCodec(
        MsgType.STATS_REQUEST,
        StatsRequest,
        STATS_REQUEST,
        _stats_request_to_dict,
        _stats_request_from_dict,
    ),
    BodyCodec(
        MsgType.STATS_REPLY,
        StatsReply,
        STATS_REPLY,
        _stats_reply_to_dict,
        _stats_reply_from_dict,
    ),
    BodyCodec(
        MsgType.PEERS,
        Peers,
        PEERS,
        _peers_to_dict,
        _peers_from_dict,
    ),
)
"""The codec of every message body, in message type order."""
