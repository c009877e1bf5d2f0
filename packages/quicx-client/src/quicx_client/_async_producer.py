"""The async producer: submit tasks over anyio, failing over between daemons."""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Awaitable, Callable, Iterable, Sequence
from functools import partial
from typing import TypeVar

import anyio

from ._address import DEFAULT_ADDRESS, addresses_of
from ._async_link import AsyncClient, AsyncLink, Waiter
from ._batch import SubmitBatch
from ._errors import BatchIncomplete, QuicxError, RetryableError, Unreachable
from ._events import Accepted, Refused
from ._protocol import (
    ProducerConnection,
    check_payload,
    submit_message,
    submit_settings,
)
from ._retry import RetryBudget, RetryPolicy

__all__ = ["AsyncProducer"]

logger = logging.getLogger(__name__)

T = TypeVar("T")
Link = AsyncLink[ProducerConnection]


class AsyncProducer(AsyncClient[ProducerConnection]):
    """Submit tasks from async code; use it as ``async with AsyncProducer(...)``.

    Same behaviour and arguments as :class:`Producer`, and safe to share
    between tasks of one event loop: concurrent submits are pipelined on one
    connection. A background task answers the daemon's heartbeats, so an
    idle producer keeps its connection.
    """

    def __init__(
        self,
        addresses: str | Sequence[str] = DEFAULT_ADDRESS,
        *,
        timeout: float | None = 30.0,
        connect_timeout: float = 5.0,
        retry: RetryPolicy | None = None,
        window: int = 256,
    ) -> None:
        self.addresses = addresses_of(addresses)
        self._timeout = timeout
        self._connect_timeout = connect_timeout
        self._retry = retry or RetryPolicy()
        self._window = window
        self._index = 0
        self._connecting: anyio.Lock | None = None

    async def submit(
        self,
        payload: bytes,
        queue: str = "default",
        priority: int = 100,
        delay: float = 0.0,
        ttr: float | None = None,
        max_attempts: int | None = None,
    ) -> int:
        """Queue one task and return its id; see :meth:`Producer.submit`."""
        settings = submit_settings(
            queue=queue,
            priority=priority,
            delay=delay,
            ttr=ttr,
            max_attempts=max_attempts,
        )
        data = check_payload(payload)

        async def attempt() -> int:
            link = await self._connected()
            answer = await link.request(
                partial(link.conn.submit_payload, settings, data), self._timeout
            )
            if isinstance(answer, Refused):
                raise answer.error
            assert isinstance(answer, Accepted)
            return answer.task_id

        return await self._retrying(attempt)

    async def submit_many(
        self,
        payloads: Iterable[bytes],
        queue: str = "default",
        priority: int = 100,
        delay: float = 0.0,
        ttr: float | None = None,
        max_attempts: int | None = None,
    ) -> list[int]:
        """Queue many tasks, pipelined; see :meth:`Producer.submit_many`."""
        template = submit_message(
            b"",
            queue=queue,
            priority=priority,
            delay=delay,
            ttr=ttr,
            max_attempts=max_attempts,
        )
        batch = SubmitBatch(
            payloads,
            template=template,
            window=self._window,
            budget=RetryBudget(self._retry, anyio.current_time()),
        )
        try:
            await self._run_batch(batch)
        except QuicxError as exc:
            raise BatchIncomplete(batch.task_ids, exc) from exc
        return batch.result()

    async def _run_batch(self, batch: SubmitBatch) -> None:
        budget = RetryBudget(self._retry, anyio.current_time())
        waiters: deque[Waiter] = deque()
        link: Link | None = None
        while not batch.finished:
            if batch.should_move():
                await self._rotate()
            if not waiters:
                try:
                    link = await self._connected()
                except Unreachable as exc:
                    await anyio.sleep(budget.pause_after(exc, anyio.current_time()))
                    continue
            assert link is not None
            for message in batch.take(anyio.current_time()):
                waiters.append(link.enqueue(partial(link.conn.submit, message)))
            await link.flush()
            if waiters:
                answer = await link.answer(waiters.popleft(), self._timeout)
                assert isinstance(answer, Accepted | Refused)
                batch.answered(answer, anyio.current_time())
            elif (retry_at := batch.next_retry_at()) is not None:
                await anyio.sleep(max(0.0, retry_at - anyio.current_time()))

    async def _retrying(self, attempt: Callable[[], Awaitable[T]]) -> T:
        budget: RetryBudget | None = None
        while True:
            try:
                return await attempt()
            except (RetryableError, Unreachable) as exc:
                now = anyio.current_time()
                if budget is None:
                    budget = RetryBudget(
                        self._retry, now, addresses=len(self.addresses)
                    )
                pause, move = budget.next_try(exc, now)
                if move:
                    await self._rotate()
                logger.debug("retrying in %.3f s after %s", pause, exc)
                await anyio.sleep(pause)

    async def _connected(self) -> Link:
        """The open link, or a new one to the first address that answers."""
        self._check_entered()
        if self._connecting is None:
            self._connecting = anyio.Lock()
        async with self._connecting:
            if self._link is not None and self._link.usable:
                return self._link
            self._link = None
            reason = "no address"
            for _ in self.addresses:
                conn = ProducerConnection(self.addresses[self._index])
                try:
                    link = await AsyncLink.open(
                        conn, connect_timeout=self._connect_timeout
                    )
                except OSError as exc:
                    reason = str(exc)
                    logger.debug("cannot connect to %s: %s", conn.address, exc)
                    self._index = (self._index + 1) % len(self.addresses)
                    continue
                return self._adopt(link)
            raise Unreachable(self.addresses, reason)

    async def _rotate(self) -> None:
        await self.aclose()
        self._index = (self._index + 1) % len(self.addresses)
