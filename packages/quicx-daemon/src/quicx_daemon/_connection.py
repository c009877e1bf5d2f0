"""One peer's connection: its role, decoder, send buffer and liveness.

The role table below is the whole of the protocol's connection state machine
(spec/PROTOCOL.md, section 4): a frame type that is not listed for the
connection's role gets ERROR not_allowed_for_role and the connection closes.
"""

from __future__ import annotations

import enum

import anyio
from anyio.abc import SocketStream
from quicx_proto import (
    Done,
    Failed,
    FrameDecoder,
    Heartbeat,
    Message,
    Pong,
    Ready,
    StatsRequest,
    Submit,
    Touch,
)

__all__ = ["ALLOWED", "CLOSE_FLUSH_TIMEOUT", "DECIDES", "Connection", "Role"]

CLOSE_FLUSH_TIMEOUT = 2.0


class Role(enum.Enum):
    """A connection's state; NEW until a deciding frame arrives."""

    NEW = "new"
    PRODUCER = "producer"
    WORKER = "worker"
    MONITOR = "monitor"


_ANY_ROLE: frozenset[type[Message]] = frozenset({StatsRequest, Heartbeat, Pong})

ALLOWED: dict[Role, frozenset[type[Message]]] = {
    Role.NEW: _ANY_ROLE | {Submit, Ready},
    Role.PRODUCER: _ANY_ROLE | {Submit},
    Role.WORKER: _ANY_ROLE | {Ready, Touch, Done, Failed},
    Role.MONITOR: _ANY_ROLE,
}
"""The frame types each role may send."""

DECIDES: dict[type[Message], Role] = {
    Submit: Role.PRODUCER,
    Ready: Role.WORKER,
    StatsRequest: Role.MONITOR,
}
"""The frame types that give a NEW connection its role."""


class Connection:
    """The server's state for one accepted TCP connection.

    Frames for the peer are appended to :attr:`out`; the connection's writer
    task sends whatever has gathered there in one write each time it is woken,
    so the frames produced by one read go out together.
    """

    __slots__ = (
        "beats",
        "closing",
        "decoder",
        "id",
        "last_heard",
        "out",
        "peer",
        "read_scope",
        "reason",
        "role",
        "scope",
        "sending",
        "stream",
        "wakeup",
    )

    def __init__(
        self, conn_id: int, stream: SocketStream, peer: str, max_frame_body: int
    ) -> None:
        self.id = conn_id
        self.stream = stream
        self.peer = peer
        self.role = Role.NEW
        self.decoder = FrameDecoder(max_frame_body)
        self.out = bytearray()
        self.wakeup = anyio.Event()
        self.closing = False  # flush what is queued, then close
        self.sending = False  # the writer is waiting for a write to finish
        self.reason = "connection closed"  # why a worker's leases are lost
        self.last_heard = 0.0
        self.beats = 0  # HEARTBEATs sent since the peer was last heard
        self.scope = anyio.CancelScope()  # the whole connection
        self.read_scope = anyio.CancelScope()  # only its reader

    def close_after_flush(self) -> None:
        """Stop reading, send what is queued, then close.

        A peer that does not read gets :data:`CLOSE_FLUSH_TIMEOUT` seconds to
        take the last frames; then the connection is closed regardless.
        """
        self.closing = True
        self.read_scope.cancel()
        self.wakeup.set()
        deadline = anyio.current_time() + CLOSE_FLUSH_TIMEOUT
        self.scope.deadline = min(self.scope.deadline, deadline)
