"""An anyio stream under a request/reply connection: the async clients' transport.

A reader task, started in the owner's task group, feeds every chunk to the
sans-IO connection and hands each answer to the oldest waiting request, so
many coroutines can share one connection and their requests pipeline. The
reader also answers the daemon's heartbeats while the link sits idle.
"""

from __future__ import annotations

import socket
from collections import deque
from collections.abc import Callable
from types import TracebackType
from typing import Generic, Self, TypeVar

import anyio
from anyio.abc import SocketAttribute, SocketStream, TaskGroup

from ._address import split_address
from ._errors import QuicxError
from ._events import Accepted, Closed, Event, Refused, StatsReceived
from ._protocol import Connection

__all__ = ["AsyncClient", "AsyncLink", "Waiter", "connect_stream"]

C = TypeVar("C", bound=Connection)
Answer = Accepted | Refused | StatsReceived


async def connect_stream(address: str, timeout: float) -> SocketStream:
    """Open a TCP stream to ``address`` with TCP_NODELAY set.

    :raises OSError: when the connection cannot be made within ``timeout``.
    """
    host, port = split_address(address)
    try:
        with anyio.fail_after(timeout):
            stream = await anyio.connect_tcp(host, port)
    except TimeoutError as exc:
        raise OSError(f"no connection within {timeout} s") from exc
    sock = stream.extra(SocketAttribute.raw_socket)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return stream


class Waiter:
    """The answer to one request, once the reader has it."""

    __slots__ = ("_answer", "_done", "_error")

    def __init__(self) -> None:
        self._done = anyio.Event()
        self._answer: Answer | None = None
        self._error: QuicxError | None = None

    def resolve(self, answer: Answer) -> None:
        self._answer = answer
        self._done.set()

    def fail(self, error: QuicxError) -> None:
        self._error = error
        self._done.set()

    async def wait(self) -> Answer:
        """The answer; raises the link's error when the connection ended first."""
        await self._done.wait()
        if self._error is not None:
            raise self._error
        assert self._answer is not None
        return self._answer


class AsyncLink(Generic[C]):
    """One connected stream and the role connection that speaks over it."""

    def __init__(self, conn: C, stream: SocketStream) -> None:
        self.conn = conn
        self.failure: QuicxError | None = None
        self._stream = stream
        self._waiters: deque[Waiter] = deque()
        self._send_lock = anyio.Lock()

    @classmethod
    async def open(cls, conn: C, *, connect_timeout: float) -> AsyncLink[C]:
        """Connect to ``conn.address``; see :func:`connect_stream`."""
        return cls(conn, await connect_stream(conn.address, connect_timeout))

    @property
    def usable(self) -> bool:
        return self.failure is None and not self.conn.closed

    def enqueue(self, request: Callable[[], None]) -> Waiter:
        """Queue one request on the connection (not sent yet) and its waiter."""
        if self.failure is not None:
            raise self.failure
        request()
        waiter = Waiter()
        self._waiters.append(waiter)
        return waiter

    async def request(
        self, request: Callable[[], None], timeout: float | None
    ) -> Answer:
        """Queue, send and await one request.

        :raises ConnectionLost: when the connection ends or times out first.
        """
        waiter = self.enqueue(request)
        await self.flush()
        return await self.answer(waiter, timeout)

    async def answer(self, waiter: Waiter, timeout: float | None) -> Answer:
        """Wait for ``waiter``'s answer; a timeout breaks the connection."""
        with anyio.move_on_after(float("inf") if timeout is None else timeout):
            return await waiter.wait()
        error = self.conn.connection_lost(f"no answer within {timeout} s")
        await self._end(error)
        raise error

    async def flush(self) -> None:
        """Send everything queued on the connection, in one write."""
        async with self._send_lock:
            data = self.conn.data_to_send()
            if not data:
                return
            try:
                await self._stream.send(data)
            except (
                OSError,
                anyio.BrokenResourceError,
                anyio.ClosedResourceError,
            ) as exc:
                error = self.failure or self.conn.connection_lost(
                    f"send failed: {exc!r}"
                )
                await self._end(error)
                raise error from exc

    async def read_forever(self) -> None:
        """Resolve waiters as answers arrive, until the connection ends."""
        try:
            while not self.conn.closed:
                try:
                    chunk = await self._stream.receive()
                except anyio.EndOfStream:
                    chunk = b""
                for event in self.conn.receive_data(chunk):
                    self._dispatch(event)
                if self.conn.wants_to_send and not self.conn.closed:
                    await self.flush()
        except (OSError, anyio.BrokenResourceError, anyio.ClosedResourceError) as exc:
            await self._end(self.conn.connection_lost(f"receive failed: {exc!r}"))
        except QuicxError as exc:
            await self._end(exc)
        else:
            assert self.failure is not None
            await self._end(self.failure)

    async def aclose(self) -> None:
        """Close the stream; waiting requests fail with :class:`ConnectionLost`."""
        await self._end(self.conn.connection_lost("closed by the client"))

    def _dispatch(self, event: Event) -> None:
        if isinstance(event, Closed):
            self._fail_waiters(event.error)
        elif isinstance(event, Accepted | Refused | StatsReceived):
            self._waiters.popleft().resolve(event)

    async def _end(self, error: QuicxError) -> None:
        self._fail_waiters(error)
        with anyio.CancelScope(shield=True):
            await self._stream.aclose()

    def _fail_waiters(self, error: QuicxError) -> None:
        if self.failure is None:
            self.failure = error
        while self._waiters:
            self._waiters.popleft().fail(self.failure)


class AsyncClient(Generic[C]):
    """What the async clients share: ``async with``, and a task group in which
    each link's reader runs."""

    _link: AsyncLink[C] | None = None
    _tasks: TaskGroup | None = None

    async def __aenter__(self) -> Self:
        self._tasks = anyio.create_task_group()
        await self._tasks.__aenter__()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        assert self._tasks is not None
        await self.aclose()
        self._tasks.cancel_scope.cancel()
        await self._tasks.__aexit__(exc_type, exc, tb)
        self._tasks = None

    async def aclose(self) -> None:
        """Close the connection; a later call opens a new one."""
        if self._link is not None:
            link, self._link = self._link, None
            await link.aclose()

    def _adopt(self, link: AsyncLink[C]) -> AsyncLink[C]:
        """Make ``link`` the current one and start its reader."""
        assert self._tasks is not None
        self._tasks.start_soon(link.read_forever)
        self._link = link
        return link

    def _check_entered(self) -> None:
        if self._tasks is None:
            name = type(self).__name__
            raise RuntimeError(f"use {name} as `async with {name}(...)`")
