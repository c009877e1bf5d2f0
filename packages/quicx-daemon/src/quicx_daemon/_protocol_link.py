"""A connection as an ``asyncio.Protocol``: the daemon's link on asyncio.

On asyncio (and uvloop) the daemon takes its connections off anyio's streams
and lets the event loop call it: ``data_received`` hands each chunk to the
server, and when the server is done with it, every connection it wrote to
(the reader's OKs, TASKs routed to workers) gets its frames in one
``transport.write``. Frames written outside a read (timers, heartbeats, the
journal) go out in one ``call_soon`` per turn of the loop. Writing at the
end of the read rather than with ``call_soon`` spares uvloop one more turn
of its loop, and one more epoll_wait, per read.

Why: an anyio stream costs two tasks per connection, an event per write, a
cancel scope and a checkpoint per send, and a pause and a resume of the
transport (two epoll_ctl calls) per receive. An echo of 100-byte frames on
uvloop measured 25-28 us of CPU per frame through anyio streams and 10 us
through a protocol, most of it the kernel's. Listening, timers and task
groups stay anyio; only the bytes of each connection move here.
"""

from __future__ import annotations

import asyncio
import logging
import socket
from typing import Any, cast

import anyio
from anyio.abc import SocketAttribute
from anyio.streams.stapled import MultiListener

from ._connection import CLOSE_FLUSH_TIMEOUT, Connection, LinkOwner
from ._stream_link import peer_name

__all__ = ["ProtocolLink", "on_asyncio", "serve_protocols"]

logger = logging.getLogger(__name__)


def on_asyncio() -> bool:
    """True when the running event loop is asyncio's (uvloop included)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


async def serve_protocols(owner: LinkOwner, listener: MultiListener[Any]) -> None:
    """Accept connections on the listener's sockets until cancelled.

    On the way out every open connection is aborted and its
    :meth:`LinkOwner.connection_closed` has run before this returns.
    """
    loop = asyncio.get_running_loop()
    links = _OpenLinks(loop)
    servers = [
        await loop.create_server(
            lambda: ProtocolLink(owner, loop, links),
            sock=each.extra(SocketAttribute.raw_socket),
        )
        for each in listener.listeners
    ]
    try:
        await anyio.sleep_forever()
    finally:
        for server in servers:
            server.close()
        with anyio.CancelScope(shield=True):
            await links.abort_all()


class _OpenLinks:
    """The links whose connection is open, and those with frames to send."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._links: set[ProtocolLink] = set()
        self._none_left: anyio.Event | None = None
        self._to_flush: list[ProtocolLink] = []
        self._flush_scheduled = False
        self.reading = False  # inside a data_received, which flushes at its end

    def flush_soon(self, link: ProtocolLink) -> None:
        """Send the link's frames at the end of this read, or of this turn."""
        self._to_flush.append(link)
        if not self.reading and not self._flush_scheduled:
            self._flush_scheduled = True
            self._loop.call_soon(self.flush)

    def flush(self) -> None:
        """Send the frames of every link that has some."""
        self._flush_scheduled = False
        links, self._to_flush = self._to_flush, []
        for link in links:
            link.flush()

    def add(self, link: ProtocolLink) -> None:
        self._links.add(link)

    def discard(self, link: ProtocolLink) -> None:
        self._links.discard(link)
        if not self._links and self._none_left is not None:
            self._none_left.set()

    async def abort_all(self) -> None:
        """Abort every link; return once each has told its owner it closed."""
        if not self._links:
            return
        self._none_left = anyio.Event()
        for link in list(self._links):
            link.abort()
        with anyio.move_on_after(CLOSE_FLUSH_TIMEOUT):
            await self._none_left.wait()


class ProtocolLink(asyncio.Protocol):
    """One accepted connection, served from the event loop's callbacks."""

    def __init__(
        self,
        owner: LinkOwner,
        loop: asyncio.AbstractEventLoop,
        links: _OpenLinks,
    ) -> None:
        self._owner = owner
        self._loop = loop
        self._links = links
        self._transport: asyncio.Transport | None = None
        self._conn: Connection | None = None
        self._flush_pending = False
        self._give_up: asyncio.TimerHandle | None = None

    # -- what the event loop calls -------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports are not asyncio.Transport subclasses, but have
        # every method of one.
        self._transport = cast(asyncio.Transport, transport)
        self._links.add(self)
        self.socket().setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        peer = peer_name(self._transport.get_extra_info("peername"))
        self._conn = self._owner.connection_opened(self, peer)

    def data_received(self, data: bytes) -> None:
        conn = self._conn
        assert conn is not None
        if conn.closing:
            return
        self._links.reading = True
        try:
            more = self._owner.data_received(conn, data)
        finally:
            self._links.reading = False
        self._links.flush()
        if not more:
            conn.close_after_flush()

    def eof_received(self) -> bool:
        assert self._conn is not None
        self._conn.close_after_flush()
        return True  # the transport stays open until close_after_flush closes it

    def connection_lost(self, exc: Exception | None) -> None:
        conn = self._conn
        assert conn is not None
        if self._give_up is not None:
            self._give_up.cancel()
        conn.closing = True
        self._links.discard(self)
        self._owner.connection_closed(conn)

    # -- what the server calls -----------------------------------------------------

    def flush_soon(self) -> None:
        if not self._flush_pending:
            self._flush_pending = True
            self._links.flush_soon(self)

    def close_after_flush(self) -> None:
        transport = self._transport
        assert transport is not None
        if transport.is_closing():
            return
        transport.pause_reading()
        self._give_up = self._loop.call_later(CLOSE_FLUSH_TIMEOUT, transport.abort)
        self.flush()

    def socket(self) -> socket.socket:
        assert self._transport is not None
        sock: socket.socket = self._transport.get_extra_info("socket")
        return sock

    def abort(self) -> None:
        """Close at once, dropping whatever is not sent yet."""
        assert self._transport is not None
        self._transport.abort()

    def flush(self) -> None:
        """Write what gathered; close if the connection is closing and may."""
        self._flush_pending = False
        conn, transport = self._conn, self._transport
        assert conn is not None
        assert transport is not None
        if transport.is_closing():
            conn.out.clear()  # too late for these frames
            return
        if conn.out:
            # Only what is still waiting from earlier writes counts as a slow
            # reader: a burst of TASKs is bounded by the worker's credit.
            waiting = transport.get_write_buffer_size()
            if waiting and waiting + len(conn.out) > self._owner.max_send_buffer:
                self._drop_slow_reader(conn, waiting + len(conn.out))
                return
            # The transport keeps the bytearray until sent; handlers append to
            # a fresh one meanwhile.
            data, conn.out = conn.out, bytearray()
            transport.write(data)
        if conn.closing and self._owner.can_close(conn):
            transport.close()  # after what is buffered has gone out

    def _drop_slow_reader(self, conn: Connection, waiting: int) -> None:
        logger.warning(
            "dropping %s: it reads too slowly (%d bytes waiting to be sent)",
            conn.peer,
            waiting,
        )
        conn.closing = True
        conn.reason = "connection dropped as a slow reader"
        conn.out.clear()
        self.abort()
