# Generated from spec/quicx.ksy by spec/codegen/generate.py; do not edit.
"""``struct`` readers and writers for every flat message of Quicx.

construct's compiled codecs took about 10 us to encode and 12 us to decode
one SUBMIT, TASK or DONE on the project's loaded two-core machine
(benchmarks/results/codec.json), some 40 us of the daemon's time per task and
as much again in the clients. The functions below do the same work with one
``struct.Struct`` call per run of fixed-size fields, in about a tenth of the
time. They cover every message whose fields are integers, enums, flags, text,
bytes or lists of text; STATS_REPLY, with its nested records, has none and
goes through construct.

The readers are never the judge of a bad frame. Each one raises ValueError
or struct.error as soon as a body does not match its layout (short, too
long, a bad length, invalid UTF-8, a value outside its enum or range), and
the caller then decodes the same bytes with the construct codec, which
raises the ProtocolError with its code and field path, exactly as before.
Tests check that both codecs agree on every message and on arbitrary bodies.

Writers take the message's fields in the order of the .ksy and trust them to
be in range, as a message object's are once built. They append to ``out``
and never read it, so a caller can gather several frames into one write.

To change this file, change spec/quicx.ksy, then run
``python spec/codegen/generate.py`` from the repository root.
"""

from __future__ import annotations

import struct
from collections.abc import Callable, Sequence
from typing import Any

from quicx_proto._generated_messages import (
    Done,
    Error,
    ErrorCode,
    Failed,
    Heartbeat,
    MsgType,
    Ok,
    Peers,
    Pong,
    Ready,
    StatsRequest,
    Submit,
    Task,
    Touch,
    Wait,
)
from quicx_proto._structs import Buffer, expect_end, read_blob, read_flag, read_text

__all__ = [
    "HEADER",
    "MAGIC",
    "READERS",
    "VERSION",
    "WRITERS",
    "read_done",
    "read_error",
    "read_failed",
    "read_heartbeat",
    "read_ok",
    "read_peers",
    "read_pong",
    "read_ready",
    "read_stats_request",
    "read_submit",
    "read_task",
    "read_touch",
    "read_wait",
    "write_done",
    "write_error",
    "write_failed",
    "write_heartbeat",
    "write_ok",
    "write_peers",
    "write_pong",
    "write_ready",
    "write_stats_request",
    "write_submit",
    "write_task",
    "write_touch",
    "write_wait",
]

MAGIC = b"QX"
VERSION = 1
HEADER = struct.Struct(">2sBBI")
"""The frame header: magic, version, msg_type, len_body."""

_IIIHB = struct.Struct(">IIIHB")
_U4 = struct.Struct(">I")
_FRAME_IIIHB = struct.Struct(">2sBBIIIIHB")
_U8 = struct.Struct(">Q")
_FRAME_Q = struct.Struct(">2sBBIQ")
_HIQH = struct.Struct(">HIQH")
_FRAME_HIQH = struct.Struct(">2sBBIHIQH")
_IB = struct.Struct(">IB")
_U1 = struct.Struct(">B")
_FRAME_IB = struct.Struct(">2sBBIIB")
_QHIB = struct.Struct(">QHIB")
_FRAME_QHIB = struct.Struct(">2sBBIQHIB")
_FRAME = struct.Struct(">2sBBI")
_QI = struct.Struct(">QI")
_FRAME_QI = struct.Struct(">2sBBIQI")
_QBH = struct.Struct(">QBH")
_FRAME_QBH = struct.Struct(">2sBBIQBH")
_FRAME_B = struct.Struct(">2sBBIB")


def read_submit(body: Buffer) -> Submit:
    """The Submit in ``body``; see the module docstring for errors."""
    priority, delay_ms, ttr_ms, max_attempts, size = _IIIHB.unpack_from(body)
    queue = read_text(body, 15, size)
    at = 15 + size
    (size,) = _U4.unpack_from(body, at)
    at += 4
    payload = read_blob(body, at, size)
    at += size
    expect_end(body, at)
    return Submit(
        priority=priority,
        delay_ms=delay_ms,
        ttr_ms=ttr_ms,
        max_attempts=max_attempts,
        queue=queue,
        payload=payload,
    )


def write_submit(
    out: bytearray,
    priority: int,
    delay_ms: int,
    ttr_ms: int,
    max_attempts: int,
    queue: str,
    payload: Buffer,
) -> None:
    """Append the Submit frame of these fields to ``out``."""
    queue_data = queue.encode()
    size = 19 + len(queue_data) + len(payload)
    out += _FRAME_IIIHB.pack(
        MAGIC,
        VERSION,
        MsgType.SUBMIT,
        size,
        priority,
        delay_ms,
        ttr_ms,
        max_attempts,
        len(queue_data),
    )
    out += queue_data
    out += _U4.pack(len(payload))
    out += payload


def _write_submit_message(out: bytearray, message: Submit) -> None:
    write_submit(
        out,
        message.priority,
        message.delay_ms,
        message.ttr_ms,
        message.max_attempts,
        message.queue,
        message.payload,
    )


def read_ok(body: Buffer) -> Ok:
    """The Ok in ``body``; see the module docstring for errors."""
    (task_id,) = _U8.unpack_from(body)
    expect_end(body, 8)
    return Ok(task_id=task_id)


def write_ok(out: bytearray, task_id: int) -> None:
    """Append the Ok frame of these fields to ``out``."""
    size = 8
    out += _FRAME_Q.pack(MAGIC, VERSION, MsgType.OK, size, task_id)


def _write_ok_message(out: bytearray, message: Ok) -> None:
    write_ok(out, message.task_id)


def read_error(body: Buffer) -> Error:
    """The Error in ``body``; see the module docstring for errors."""
    code, retry_after_ms, task_id, size = _HIQH.unpack_from(body)
    message = read_text(body, 16, size)
    at = 16 + size
    expect_end(body, at)
    return Error(
        code=ErrorCode(code),
        retry_after_ms=retry_after_ms,
        task_id=task_id,
        message=message,
    )


def write_error(
    out: bytearray,
    code: ErrorCode,
    retry_after_ms: int,
    task_id: int,
    message: str,
) -> None:
    """Append the Error frame of these fields to ``out``."""
    message_data = message.encode()
    size = 16 + len(message_data)
    out += _FRAME_HIQH.pack(
        MAGIC,
        VERSION,
        MsgType.ERROR,
        size,
        code,
        retry_after_ms,
        task_id,
        len(message_data),
    )
    out += message_data


def _write_error_message(out: bytearray, message: Error) -> None:
    write_error(
        out,
        message.code,
        message.retry_after_ms,
        message.task_id,
        message.message,
    )


def read_ready(body: Buffer) -> Ready:
    """The Ready in ``body``; see the module docstring for errors."""
    credit, count = _IB.unpack_from(body)
    at = 5
    queues = []
    for _ in range(count):
        (size,) = _U1.unpack_from(body, at)
        queues.append(read_text(body, at + 1, size))
        at += 1 + size
    expect_end(body, at)
    return Ready(credit=credit, queues=tuple(queues))


def write_ready(out: bytearray, credit: int, queues: Sequence[str]) -> None:
    """Append the Ready frame of these fields to ``out``."""
    queues_data = [item.encode() for item in queues]
    size = 5 + sum(len(item) for item in queues_data) + 1 * len(queues_data)
    out += _FRAME_IB.pack(MAGIC, VERSION, MsgType.READY, size, credit, len(queues_data))
    for item in queues_data:
        out += _U1.pack(len(item))
        out += item


def _write_ready_message(out: bytearray, message: Ready) -> None:
    write_ready(out, message.credit, message.queues)


def read_task(body: Buffer) -> Task:
    """The Task in ``body``; see the module docstring for errors."""
    task_id, attempt, ttr_ms, size = _QHIB.unpack_from(body)
    queue = read_text(body, 15, size)
    at = 15 + size
    (size,) = _U4.unpack_from(body, at)
    at += 4
    payload = read_blob(body, at, size)
    at += size
    expect_end(body, at)
    return Task(
        task_id=task_id,
        attempt=attempt,
        ttr_ms=ttr_ms,
        queue=queue,
        payload=payload,
    )


def write_task(
    out: bytearray,
    task_id: int,
    attempt: int,
    ttr_ms: int,
    queue: str,
    payload: Buffer,
) -> None:
    """Append the Task frame of these fields to ``out``."""
    queue_data = queue.encode()
    size = 19 + len(queue_data) + len(payload)
    out += _FRAME_QHIB.pack(
        MAGIC,
        VERSION,
        MsgType.TASK,
        size,
        task_id,
        attempt,
        ttr_ms,
        len(queue_data),
    )
    out += queue_data
    out += _U4.pack(len(payload))
    out += payload


def _write_task_message(out: bytearray, message: Task) -> None:
    write_task(
        out,
        message.task_id,
        message.attempt,
        message.ttr_ms,
        message.queue,
        message.payload,
    )


def read_wait(body: Buffer) -> Wait:
    """The Wait in ``body``; see the module docstring for errors."""
    expect_end(body, 0)
    return Wait()


def write_wait(out: bytearray) -> None:
    """Append the Wait frame of these fields to ``out``."""
    size = 0
    out += _FRAME.pack(MAGIC, VERSION, MsgType.WAIT, size)


def _write_wait_message(out: bytearray, message: Wait) -> None:
    write_wait(out)


def read_touch(body: Buffer) -> Touch:
    """The Touch in ``body``; see the module docstring for errors."""
    (task_id,) = _U8.unpack_from(body)
    expect_end(body, 8)
    return Touch(task_id=task_id)


def write_touch(out: bytearray, task_id: int) -> None:
    """Append the Touch frame of these fields to ``out``."""
    size = 8
    out += _FRAME_Q.pack(MAGIC, VERSION, MsgType.TOUCH, size, task_id)


def _write_touch_message(out: bytearray, message: Touch) -> None:
    write_touch(out, message.task_id)


def read_done(body: Buffer) -> Done:
    """The Done in ``body``; see the module docstring for errors."""
    task_id, size = _QI.unpack_from(body)
    result = read_blob(body, 12, size)
    at = 12 + size
    expect_end(body, at)
    return Done(task_id=task_id, result=result)


def write_done(out: bytearray, task_id: int, result: Buffer) -> None:
    """Append the Done frame of these fields to ``out``."""
    size = 12 + len(result)
    out += _FRAME_QI.pack(MAGIC, VERSION, MsgType.DONE, size, task_id, len(result))
    out += result


def _write_done_message(out: bytearray, message: Done) -> None:
    write_done(out, message.task_id, message.result)


def read_failed(body: Buffer) -> Failed:
    """The Failed in ``body``; see the module docstring for errors."""
    task_id, retry, size = _QBH.unpack_from(body)
    reason = read_text(body, 11, size)
    at = 11 + size
    expect_end(body, at)
    return Failed(task_id=task_id, retry=read_flag(retry), reason=reason)


def write_failed(out: bytearray, task_id: int, retry: bool, reason: str) -> None:
    """Append the Failed frame of these fields to ``out``."""
    reason_data = reason.encode()
    size = 11 + len(reason_data)
    out += _FRAME_QBH.pack(
        MAGIC,
        VERSION,
        MsgType.FAILED,
        size,
        task_id,
        retry,
        len(reason_data),
    )
    out += reason_data


def _write_failed_message(out: bytearray, message: Failed) -> None:
    write_failed(out, message.task_id, message.retry, message.reason)


def read_heartbeat(body: Buffer) -> Heartbeat:
    """The Heartbeat in ``body``; see the module docstring for errors."""
    (token,) = _U8.unpack_from(body)
    expect_end(body, 8)
    return Heartbeat(token=token)


def write_heartbeat(out: bytearray, token: int) -> None:
    """Append the Heartbeat frame of these fields to ``out``."""
    size = 8
    out += _FRAME_Q.pack(MAGIC, VERSION, MsgType.HEARTBEAT, size, token)


def _write_heartbeat_message(out: bytearray, message: Heartbeat) -> None:
    write_heartbeat(out, message.token)


def read_pong(body: Buffer) -> Pong:
    """The Pong in ``body``; see the module docstring for errors."""
    (token,) = _U8.unpack_from(body)
    expect_end(body, 8)
    return Pong(token=token)


def write_pong(out: bytearray, token: int) -> None:
    """Append the Pong frame of these fields to ``out``."""
    size = 8
    out += _FRAME_Q.pack(MAGIC, VERSION, MsgType.PONG, size, token)


def _write_pong_message(out: bytearray, message: Pong) -> None:
    write_pong(out, message.token)


def read_stats_request(body: Buffer) -> StatsRequest:
    """The StatsRequest in ``body``; see the module docstring for errors."""
    expect_end(body, 0)
    return StatsRequest()


def write_stats_request(out: bytearray) -> None:
    """Append the StatsRequest frame of these fields to ``out``."""
    size = 0
    out += _FRAME.pack(MAGIC, VERSION, MsgType.STATS_REQUEST, size)


def _write_stats_request_message(out: bytearray, message: StatsRequest) -> None:
    write_stats_request(out)


def read_peers(body: Buffer) -> Peers:
    """The Peers in ``body``; see the module docstring for errors."""
    (count,) = _U1.unpack_from(body)
    at = 1
    addresses = []
    for _ in range(count):
        (size,) = _U1.unpack_from(body, at)
        addresses.append(read_text(body, at + 1, size))
        at += 1 + size
    expect_end(body, at)
    return Peers(addresses=tuple(addresses))


def write_peers(out: bytearray, addresses: Sequence[str]) -> None:
    """Append the Peers frame of these fields to ``out``."""
    addresses_data = [item.encode() for item in addresses]
    size = 1 + sum(len(item) for item in addresses_data) + 1 * len(addresses_data)
    out += _FRAME_B.pack(MAGIC, VERSION, MsgType.PEERS, size, len(addresses_data))
    for item in addresses_data:
        out += _U1.pack(len(item))
        out += item


def _write_peers_message(out: bytearray, message: Peers) -> None:
    write_peers(out, message.addresses)


READERS: dict[int, Callable[[Buffer], Any]] = {
    MsgType.SUBMIT: read_submit,
    MsgType.OK: read_ok,
    MsgType.ERROR: read_error,
    MsgType.READY: read_ready,
    MsgType.TASK: read_task,
    MsgType.WAIT: read_wait,
    MsgType.TOUCH: read_touch,
    MsgType.DONE: read_done,
    MsgType.FAILED: read_failed,
    MsgType.HEARTBEAT: read_heartbeat,
    MsgType.PONG: read_pong,
    MsgType.STATS_REQUEST: read_stats_request,
    MsgType.PEERS: read_peers,
}
"""Body readers by msg_type; a type missing here is decoded by construct."""

WRITERS: dict[type, Callable[[bytearray, Any], None]] = {
    Submit: _write_submit_message,
    Ok: _write_ok_message,
    Error: _write_error_message,
    Ready: _write_ready_message,
    Task: _write_task_message,
    Wait: _write_wait_message,
    Touch: _write_touch_message,
    Done: _write_done_message,
    Failed: _write_failed_message,
    Heartbeat: _write_heartbeat_message,
    Pong: _write_pong_message,
    StatsRequest: _write_stats_request_message,
    Peers: _write_peers_message,
}
"""Frame writers by message class; a class missing here is encoded by construct."""
