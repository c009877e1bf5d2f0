"""A bare Quicx peer over an anyio TCP stream, for tests that speak frames.

It sends messages or raw bytes and reads whole frames with a deadline, so a
test can check exactly which frames the daemon sends and when it closes.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio
from anyio.abc import SocketStream
from quicx_proto import FrameDecoder, Message, encode

__all__ = ["RawPeer", "connect"]

TIMEOUT = 5.0


class RawPeer:
    """One TCP connection to a daemon, speaking raw frames."""

    def __init__(self, stream: SocketStream) -> None:
        self.stream = stream
        self.decoder = FrameDecoder()
        self.pending: list[Message] = []

    async def send(self, *messages: Message) -> None:
        """Send the messages in one write."""
        await self.stream.send(b"".join(encode(m) for m in messages))

    async def send_raw(self, data: bytes) -> None:
        await self.stream.send(data)

    async def receive(self, count: int = 1, timeout: float = TIMEOUT) -> list[Message]:
        """The next ``count`` messages; fails if they do not come in time."""
        with anyio.fail_after(timeout):
            while len(self.pending) < count:
                self.pending += self.decoder.feed(await self.stream.receive())
        got, self.pending = self.pending[:count], self.pending[count:]
        return got

    async def receive_one(self, timeout: float = TIMEOUT) -> Message:
        return (await self.receive(1, timeout))[0]

    async def closed(self, timeout: float = TIMEOUT) -> bool:
        """Read until the daemon closes; True if it did, with no frames left."""
        with anyio.fail_after(timeout):
            while True:
                try:
                    self.pending += self.decoder.feed(await self.stream.receive())
                except (anyio.EndOfStream, anyio.BrokenResourceError):
                    return not self.pending

    async def quiet(self, seconds: float) -> bool:
        """True if nothing arrives for ``seconds``."""
        if self.pending:
            return False
        with anyio.move_on_after(seconds):
            self.pending += self.decoder.feed(await self.stream.receive())
        return not self.pending


@asynccontextmanager
async def connect(host: str, port: int) -> AsyncIterator[RawPeer]:
    """Open a connection as a :class:`RawPeer`; close it at exit."""
    stream = await anyio.connect_tcp(host, port)
    async with stream:
        yield RawPeer(stream)
