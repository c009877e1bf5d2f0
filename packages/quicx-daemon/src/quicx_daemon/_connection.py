"""One peer's connection: its role, decoder, send buffer and liveness.

The role table below is the whole of the protocol's connection state machine
(spec/PROTOCOL.md, section 4): a frame type that is not listed for the
connection's role gets ERROR not_allowed_for_role and the connection closes.

A :class:`Connection` holds no socket. Its :class:`Link` moves the bytes:
``_protocol_link`` on asyncio, ``_stream_link`` on any other anyio backend.
Links call back into their :class:`LinkOwner`, the server.
"""

from __future__ import annotations

import enum
import socket
from typing import Protocol

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

__all__ = [
    "ALLOWED",
    "CLOSE_FLUSH_TIMEOUT",
    "DECIDES",
    "Connection",
    "Link",
    "LinkOwner",
    "Role",
]

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


class Link(Protocol):
    """What moves one connection's bytes: the server only calls these."""

    def flush_soon(self) -> None:
        """Send what is in the connection's :attr:`Connection.out` shortly,
        together with whatever else gathers there before then."""

    def close_after_flush(self) -> None:
        """Stop reading; send what is queued, then close.

        The owner's held replies are waited for too (see
        :meth:`LinkOwner.can_close`), but a peer that does not read gets
        :data:`CLOSE_FLUSH_TIMEOUT` seconds to take the last frames; then the
        connection is closed regardless.
        """

    def socket(self) -> socket.socket:
        """The connection's socket, for its options; do not read or write it."""


class LinkOwner(Protocol):
    """What a link calls back: the server."""

    max_send_buffer: int
    """Bytes queued for a slow reader before its connection is dropped."""

    def connection_opened(self, link: Link, peer: str) -> Connection:
        """A peer connected; returns the connection's state."""

    def data_received(self, conn: Connection, data: bytes) -> bool:
        """Bytes arrived; False when the connection is to stop reading."""

    def can_close(self, conn: Connection) -> bool:
        """False while replies for the connection are still held back."""

    def connection_closed(self, conn: Connection) -> None:
        """The connection is gone; called once, whatever ended it."""


class Connection:
    """The server's state for one accepted TCP connection.

    Frames for the peer are appended to :attr:`out`; the connection's link
    sends whatever has gathered there when it is flushed, so the frames
    produced by one read go out together.
    """

    __slots__ = (
        "beats",
        "closing",
        "decoder",
        "id",
        "last_heard",
        "link",
        "out",
        "peer",
        "reason",
        "role",
    )

    def __init__(
        self, conn_id: int, link: Link, peer: str, max_frame_body: int
    ) -> None:
        self.id = conn_id
        self.link = link
        self.peer = peer
        self.role = Role.NEW
        self.decoder = FrameDecoder(max_frame_body)
        self.out = bytearray()
        self.closing = False  # flush what is queued, then close
        self.reason = "connection closed"  # why a worker's leases are lost
        self.last_heard = 0.0
        self.beats = 0  # HEARTBEATs sent since the peer was last heard

    def close_after_flush(self) -> None:
        """Stop reading, send what is queued, then close (see :class:`Link`)."""
        if not self.closing:
            self.closing = True
            self.link.close_after_flush()
