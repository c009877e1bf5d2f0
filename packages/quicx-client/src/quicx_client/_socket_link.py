"""A blocking socket under a sans-IO connection: the sync clients' transport.

The sync producer and monitor use plain sockets rather than anyio's blocking
portal on purpose. A submit is one request and one answer; through a portal
each would hop to an event-loop thread and back, two thread switches per
call, while a plain socket does one ``sendall`` and one ``recv`` loop in the
caller's thread. Heartbeats need no background thread either: whatever the
daemon sent while the link sat idle is read (and PONGs answered) before the
next request, and a connection the daemon closed meanwhile is noticed then.
Right after an answer that look is skipped (see :data:`QUIET_AFTER_ANSWER`),
so back-to-back submits are one ``sendall`` and one ``recv`` each.
"""

from __future__ import annotations

import select
import socket
import time
from types import TracebackType
from typing import Generic, Self, TypeVar

from ._address import split_address
from ._errors import ConnectionLost, ProtocolViolation, QuicxError
from ._events import Closed, Event
from ._protocol import Connection

__all__ = ["SocketClient", "SocketLink", "open_socket"]

RECEIVE_SIZE = 256 * 1024
QUIET_AFTER_ANSWER = 0.5
"""Seconds after an answer in which the link is taken as usable without a
look. The daemon sends nothing unasked that soon (its first HEARTBEAT comes
after seconds of silence); a connection it closed in that moment is noticed
by the next request, which then fails as :class:`ConnectionLost`."""

C = TypeVar("C", bound=Connection)


class SocketLink(Generic[C]):
    """One connected TCP socket and the role connection that speaks over it."""

    def __init__(self, sock: socket.socket, conn: C) -> None:
        self.conn = conn
        self._sock = sock
        self._heard_at = -QUIET_AFTER_ANSWER  # monotonic time of the last read

    @classmethod
    def open(
        cls, conn: C, *, connect_timeout: float, timeout: float | None
    ) -> SocketLink[C]:
        """Connect to ``conn.address`` with TCP_NODELAY set.

        :param timeout: how long a later read may block, or None for ever.
        :raises OSError: when the connection cannot be made.
        """
        return cls(open_socket(conn.address, connect_timeout, timeout), conn)

    def send(self) -> None:
        """Write everything the connection has queued, in one ``sendall``.

        :raises ConnectionLost: when the write fails.
        """
        data = self.conn.data_to_send()
        if not data:
            return
        try:
            self._sock.sendall(data)
        except OSError as exc:
            raise self._lost(f"send failed: {exc}") from exc

    def receive(self) -> list[Event]:
        """Block for the next chunk from the daemon and return its events.

        PONGs owed to the daemon's heartbeats are sent at once.

        :raises ConnectionLost: when the read fails or times out.
        :raises ProtocolViolation: when the daemon sent something unacceptable.
        """
        try:
            data = self._sock.recv(RECEIVE_SIZE)
        except TimeoutError as exc:
            raise self._lost("no answer in time") from exc
        except OSError as exc:
            raise self._lost(f"receive failed: {exc}") from exc
        self._heard_at = time.monotonic()
        try:
            events = self.conn.receive_data(data)
        except ProtocolViolation:
            self._sock.close()
            raise
        if self.conn.wants_to_send:
            self.send()
        return events

    def usable(self) -> bool:
        """Handle what arrived while idle; False when the daemon is gone.

        Call it only with nothing in flight: any event other than the end of
        the connection is unexpected then.
        """
        if time.monotonic() - self._heard_at < QUIET_AFTER_ANSWER:
            return not self.conn.closed
        try:
            while not self.conn.closed and self._readable():
                if any(isinstance(event, Closed) for event in self.receive()):
                    break
        except QuicxError:
            pass
        return not self.conn.closed

    def close(self) -> None:
        """Close the socket; the connection object is left as it is."""
        self._sock.close()

    def _readable(self) -> bool:
        readable, _, _ = select.select([self._sock], [], [], 0)
        return bool(readable)

    def _lost(self, reason: str) -> ConnectionLost:
        self._sock.close()
        return self.conn.connection_lost(reason)


class SocketClient(Generic[C]):
    """What the blocking clients share: one link at a time, closed on exit."""

    _link: SocketLink[C] | None = None

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close the connection; a later call opens a new one."""
        if self._link is not None:
            self._link.close()
            self._link = None


def open_socket(
    address: str, connect_timeout: float, timeout: float | None
) -> socket.socket:
    """A TCP connection to ``address`` with TCP_NODELAY set, whose later
    reads and writes block for at most ``timeout`` (None: for ever).

    :raises OSError: when the connection cannot be made.
    """
    sock = socket.create_connection(split_address(address), timeout=connect_timeout)
    try:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.settimeout(timeout)
    except BaseException:
        sock.close()
        raise
    return sock
