"""A connection over an anyio stream: the daemon's link on trio.

One task reads and hands each chunk to the owner; a second task writes
whatever gathered in the connection's send buffer, in one write per wake-up.
On asyncio the daemon uses ``_protocol_link`` instead, which does the same
with the event loop's callbacks and no tasks.
"""

from __future__ import annotations

import logging
import socket
from typing import cast

import anyio
from anyio.abc import SocketAttribute, SocketStream

from ._connection import CLOSE_FLUSH_TIMEOUT, Connection, LinkOwner

__all__ = ["READ_SIZE", "StreamLink", "peer_name"]

logger = logging.getLogger(__name__)

READ_SIZE = 256 << 10
_GONE = (anyio.BrokenResourceError, anyio.ClosedResourceError, anyio.EndOfStream)


class StreamLink:
    """One accepted stream; :meth:`run` serves it until it closes."""

    def __init__(self, owner: LinkOwner, stream: SocketStream) -> None:
        self._owner = owner
        self._stream = stream
        self._conn: Connection | None = None
        self._wakeup = anyio.Event()
        self._sending = False  # the writer is waiting for a write to finish
        self._scope = anyio.CancelScope()  # the whole connection
        self._read_scope = anyio.CancelScope()  # only its reader

    async def run(self) -> None:
        """Read and write until the connection ends, then tell the owner."""
        sock = self.socket()
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        try:
            address = self._stream.extra(SocketAttribute.remote_address, None)
        except OSError:  # the peer is gone already
            address = None
        conn = self._conn = self._owner.connection_opened(self, peer_name(address))
        try:
            with self._scope:
                async with anyio.create_task_group() as group:
                    group.start_soon(self._write_loop, conn)
                    with self._read_scope:
                        await self._read_loop(conn)
                    conn.close_after_flush()
        finally:
            self._owner.connection_closed(conn)
            with anyio.CancelScope(shield=True):
                await self._stream.aclose()

    def flush_soon(self) -> None:
        """Wake the writer; drop the peer if it lets too much pile up.

        Only what gathers while an earlier write is still under way counts:
        a burst of TASKs is bounded by the worker's credit, not by this.
        """
        conn = self._conn
        assert conn is not None
        limit = self._owner.max_send_buffer
        if self._sending and len(conn.out) > limit and not conn.closing:
            logger.warning(
                "dropping %s: it reads too slowly (%d bytes waiting to be sent)",
                conn.peer,
                len(conn.out),
            )
            conn.closing = True
            conn.reason = "connection dropped as a slow reader"
            self._scope.cancel()
            return
        self._wakeup.set()

    def close_after_flush(self) -> None:
        self._read_scope.cancel()
        self._wakeup.set()
        deadline = anyio.current_time() + CLOSE_FLUSH_TIMEOUT
        self._scope.deadline = min(self._scope.deadline, deadline)

    def socket(self) -> socket.socket:
        return self._stream.extra(SocketAttribute.raw_socket)

    async def _read_loop(self, conn: Connection) -> None:
        receive = self._stream.receive
        while True:
            try:
                data = await receive(READ_SIZE)
            except _GONE:
                return
            if not self._owner.data_received(conn, data):
                return

    async def _write_loop(self, conn: Connection) -> None:
        try:
            while True:
                await self._wakeup.wait()
                self._wakeup = anyio.Event()
                if conn.out:
                    # Swap buffers so handlers append to a fresh one while
                    # this one is sent; anyio's streams take any bytes-like.
                    data, conn.out = conn.out, bytearray()
                    self._sending = True
                    await self._stream.send(cast(bytes, data))
                    self._sending = False
                if conn.closing and not conn.out and self._owner.can_close(conn):
                    return
        except _GONE:
            conn.closing = True
            self._read_scope.cancel()


def peer_name(address: object) -> str:
    """``host:port`` of a remote socket address, for logs."""
    if isinstance(address, tuple) and len(address) >= 2:
        return f"{address[0]}:{address[1]}"
    return "unknown peer"
