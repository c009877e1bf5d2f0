"""The few Quicx frames the raw runner and the echo limit exchange, by hand.

Built and read with ``struct`` rather than quicx-proto's codecs, following
spec/quicx.ksy, so the raw runner shows what the daemon and the protocol
cost with the cheapest client Python allows, and the echo limit moves frames
of exactly Quicx's sizes. :func:`check_against_codec` proves these bytes are
the ones quicx-proto's own encoder makes.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from dataclasses import dataclass

import quicx_proto as qp
from quicx_proto import PROTOCOL_VERSION, MsgType

__all__ = [
    "DONE",
    "ERROR",
    "HEARTBEAT",
    "OK",
    "PEERS",
    "READY",
    "SUBMIT",
    "TASK",
    "WAIT",
    "FrameBuffer",
    "TaskFrame",
    "check_against_codec",
    "done_frame",
    "error_of",
    "ok_frame",
    "pong_frame",
    "ready_frame",
    "submit_frame",
    "submit_payload_of",
    "task_frame",
    "task_id_of",
    "task_of",
]

# Plain ints, bound once, from quicx-proto's enum of the .ksy's types.
SUBMIT = int(MsgType.SUBMIT)
OK = int(MsgType.OK)
ERROR = int(MsgType.ERROR)
READY = int(MsgType.READY)
TASK = int(MsgType.TASK)
WAIT = int(MsgType.WAIT)
DONE = int(MsgType.DONE)
HEARTBEAT = int(MsgType.HEARTBEAT)
PONG = int(MsgType.PONG)
PEERS = int(MsgType.PEERS)

_HEADER = struct.Struct(">2sBBI")
_MAGIC = b"QX"
_VERSION = PROTOCOL_VERSION
_U8 = struct.Struct(">Q")
_SUBMIT_FIELDS = struct.Struct(">IIIH")  # priority, delay_ms, ttr_ms, max_attempts
_TASK_FIELDS = struct.Struct(">QHI")  # task_id, attempt, ttr_ms
_ERROR_FIELDS = struct.Struct(">HIQ")  # code, retry_after_ms, task_id
_BLOB_LEN = struct.Struct(">I")
_NO_RESULT = _BLOB_LEN.pack(0)


def _frame(msg_type: int, *body: bytes | memoryview) -> bytes:
    length = sum(len(part) for part in body)
    return b"".join((_HEADER.pack(_MAGIC, _VERSION, msg_type, length), *body))


def _str1(text: bytes) -> bytes:
    return bytes((len(text),)) + text


def submit_frame(queue: bytes, payload: bytes) -> bytes:
    """SUBMIT with priority 0, no delay and the daemon's default ttr and attempts."""
    fields = _SUBMIT_FIELDS.pack(0, 0, 0, 0)
    return _frame(SUBMIT, fields, _str1(queue), _BLOB_LEN.pack(len(payload)), payload)


def ok_frame(task_id: int) -> bytes:
    """OK carrying ``task_id``."""
    return _frame(OK, _U8.pack(task_id))


def ready_frame(credit: int, queue: bytes) -> bytes:
    """READY for one queue with ``credit``."""
    return _frame(READY, struct.pack(">IB", credit, 1), _str1(queue))


def task_frame(task_id: int, queue: bytes, payload: bytes | memoryview) -> bytes:
    """TASK, first attempt, 60 s lease."""
    fields = _TASK_FIELDS.pack(task_id, 1, 60_000)
    return _frame(TASK, fields, _str1(queue), _BLOB_LEN.pack(len(payload)), payload)


def done_frame(task_id: int) -> bytes:
    """DONE for ``task_id`` with an empty result."""
    return _frame(DONE, _U8.pack(task_id), _NO_RESULT)


def pong_frame(heartbeat_body: bytes) -> bytes:
    """The PONG answering a HEARTBEAT whose body (the token) is given."""
    return _frame(PONG, heartbeat_body)


def task_id_of(ok_body: memoryview) -> int:
    """The task id an OK body carries (also the first field of TASK and DONE)."""
    task_id: int = _U8.unpack_from(ok_body)[0]
    return task_id


@dataclass(frozen=True)
class TaskFrame:
    """What a worker needs from TASK."""

    task_id: int
    payload: memoryview


def task_of(body: memoryview) -> TaskFrame:
    """Read a TASK body."""
    task_id = _TASK_FIELDS.unpack_from(body)[0]
    at = _TASK_FIELDS.size
    at += 1 + body[at]
    size: int = _BLOB_LEN.unpack_from(body, at)[0]
    at += _BLOB_LEN.size
    return TaskFrame(task_id, body[at : at + size])


def submit_payload_of(body: memoryview) -> memoryview:
    """The payload of a SUBMIT body."""
    at = _SUBMIT_FIELDS.size
    at += 1 + body[at]
    return body[at + _BLOB_LEN.size :]


def error_of(body: memoryview) -> tuple[int, int, str]:
    """Read an ERROR body: code, retry_after_ms and message."""
    code, retry_after_ms, _ = _ERROR_FIELDS.unpack_from(body)
    at = _ERROR_FIELDS.size
    size = struct.unpack_from(">H", body, at)[0]
    message = bytes(body[at + 2 : at + 2 + size]).decode(errors="replace")
    return code, retry_after_ms, message


class FrameBuffer:
    """Bytes received so far, cut into whole frames as they complete."""

    def __init__(self) -> None:
        self._data = bytearray()

    def feed(self, data: bytes) -> None:
        """Add received bytes."""
        self._data += data

    def frames(self) -> Iterator[tuple[int, memoryview]]:
        """Yield (message type, body) for each whole frame, consuming them.

        :raises ValueError: when the bytes are not a Quicx frame.
        """
        data = bytes(self._data)
        view = memoryview(data)
        at = 0
        while len(data) - at >= _HEADER.size:
            magic, version, msg_type, length = _HEADER.unpack_from(data, at)
            if magic != _MAGIC or version != _VERSION:
                raise ValueError(f"not a Quicx v1 frame: {data[at : at + 8]!r}")
            end = at + _HEADER.size + length
            if end > len(data):
                break
            yield msg_type, view[at + _HEADER.size : end]
            at = end
        del self._data[:at]


def check_against_codec() -> None:
    """Compare these frames with quicx-proto's encoder.

    :raises AssertionError: when quicx-proto encodes any frame differently.
    """
    payload = b"\x01" * 100
    submit = qp.Submit(
        priority=0, delay_ms=0, ttr_ms=0, max_attempts=0, queue="q", payload=payload
    )
    task = qp.Task(task_id=7, attempt=1, ttr_ms=60_000, queue="q", payload=payload)
    pairs: list[tuple[bytes, qp.Message]] = [
        (submit_frame(b"q", payload), submit),
        (ok_frame(7), qp.Ok(task_id=7)),
        (ready_frame(3, b"q"), qp.Ready(credit=3, queues=("q",))),
        (task_frame(7, b"q", payload), task),
        (done_frame(7), qp.Done(task_id=7, result=b"")),
    ]
    for ours, message in pairs:
        assert ours == qp.encode(message), f"frame differs from quicx-proto: {message}"
