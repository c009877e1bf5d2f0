"""The frames on the daemon's hot path, written straight into a send buffer.

OK, WAIT and TASK go out for every task, so the daemon writes their bytes by
hand instead of building a message object and calling
:func:`quicx_proto.encode`: a TASK's payload is copied once, from its arena
block into the connection's send buffer. Tests check these bytes against
``encode`` so the two cannot drift apart; every other frame uses ``encode``.
"""

from __future__ import annotations

import struct

from quicx_proto import PROTOCOL_VERSION, MsgType, Wait, encode

__all__ = ["WAIT_FRAME", "write_ok", "write_task"]

# header: magic, version, type, len_body; then the fixed part of each body
_OK = struct.Struct(">2sBBIQ")
_TASK_HEAD = struct.Struct(">2sBBIQHIB")  # ... task_id, attempt, ttr_ms, len(queue)
_U4 = struct.Struct(">I")
_TASK_FIXED = 8 + 2 + 4 + 1 + 4  # body bytes besides the queue name and payload

WAIT_FRAME = encode(Wait())


def write_ok(out: bytearray, task_id: int) -> None:
    """Append an OK frame for ``task_id`` to ``out``."""
    out += _OK.pack(b"QX", PROTOCOL_VERSION, MsgType.OK, 8, task_id)


def write_task(
    out: bytearray,
    task_id: int,
    attempt: int,
    ttr_ms: int,
    queue: bytes,
    payload: memoryview,
) -> None:
    """Append a TASK frame to ``out``; ``queue`` is the UTF-8 queue name."""
    size = len(payload)
    out += _TASK_HEAD.pack(
        b"QX",
        PROTOCOL_VERSION,
        MsgType.TASK,
        _TASK_FIXED + len(queue) + size,
        task_id,
        attempt,
        ttr_ms,
        len(queue),
    )
    out += queue
    out += _U4.pack(size)
    out += payload
