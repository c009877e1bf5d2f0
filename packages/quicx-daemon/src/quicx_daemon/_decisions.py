"""What the broker hands back: refusals, and frames to send to connections.

The broker never touches a socket. A request it turns down raises
:class:`Refused`, which the server answers with one ERROR frame on the same
connection. Frames meant for a connection (possibly another one than the
caller's) are queued as :data:`Outgoing` decisions that the server turns into
TASK and WAIT frames.
"""

from __future__ import annotations

from typing import NamedTuple

from quicx_proto import ErrorCode

__all__ = ["Outgoing", "Refused", "SendTask", "SendWait"]


class Refused(Exception):
    """The broker turned a request down; the peer gets ERROR with this code.

    Every refusal leaves the broker unchanged and keeps the connection open.
    """

    def __init__(
        self,
        code: ErrorCode,
        message: str,
        *,
        retry_after_ms: int = 0,
        task_id: int = 0,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.retry_after_ms = retry_after_ms
        self.task_id = task_id


class SendTask(NamedTuple):
    """Send TASK to the worker on connection ``conn``.

    ``payload`` is a view into the arena; it is valid until the next broker
    call, so the frame must be built before that. (A named tuple, not a
    frozen dataclass, because one is made per dispatch and builds in half
    the time.)
    """

    conn: int
    task_id: int
    attempt: int
    ttr_ms: int
    queue: str
    payload: memoryview


class SendWait(NamedTuple):
    """Send WAIT to the worker on connection ``conn``."""

    conn: int


Outgoing = SendTask | SendWait
