"""The blocking producer: submit tasks over a plain socket, failing over."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Sequence
from typing import TypeVar

from ._address import DEFAULT_ADDRESS, addresses_of
from ._batch import SubmitBatch
from ._errors import (
    BatchIncomplete,
    QuicxError,
    RetryableError,
    Unreachable,
)
from ._events import Accepted, Closed, Refused
from ._protocol import (
    ProducerConnection,
    check_payload,
    submit_message,
    submit_settings,
)
from ._retry import RetryBudget, RetryPolicy
from ._socket_link import SocketClient, SocketLink

__all__ = ["Producer"]

logger = logging.getLogger(__name__)

T = TypeVar("T")
Link = SocketLink[ProducerConnection]


class Producer(SocketClient[ProducerConnection]):
    """Submit tasks to one Quicx daemon, or to the first of several that answers.

    A producer keeps one connection open and moves to the next address when
    that daemon cannot be reached or is draining. Each call blocks until the
    daemon answered. What is retried, and what never is, is decided by
    ``retry`` (see :class:`RetryPolicy`). Not thread-safe: use one producer
    per thread.

    :param addresses: ``host:port`` of a daemon, or a list of them.
    :param timeout: seconds to wait for an answer before giving up on the
        connection (raising :class:`ConnectionLost`); None waits for ever.
    :param connect_timeout: seconds to wait for a TCP connection.
    :param retry: the retry budget of each call.
    :param window: most SUBMITs ``submit_many`` keeps unanswered at once.
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

    def submit(
        self,
        payload: bytes,
        queue: str = "default",
        priority: int = 100,
        delay: float = 0.0,
        ttr: float | None = None,
        max_attempts: int | None = None,
    ) -> int:
        """Queue one task and return its id once the daemon accepted it.

        :param payload: the task's bytes; the daemon never looks inside.
        :param queue: the queue's name, 1..255 bytes of UTF-8.
        :param priority: lower runs first; equal priorities run in order.
        :param delay: seconds to hold the task back.
        :param ttr: seconds a worker may hold the task without a TOUCH;
            None takes the daemon's default.
        :param max_attempts: deliveries before the task is dead-lettered;
            None takes the daemon's default.
        :raises ValueError: when an argument cannot be sent.
        :raises ServerError: when the daemon refused the task for good, or a
            retryable refusal outlasted the retry budget.
        :raises Unreachable: when no daemon could be reached within the budget.
        :raises ConnectionLost: when the connection broke before the answer
            came; the task may have been accepted, so it is not retried.
        """
        settings = submit_settings(
            queue=queue,
            priority=priority,
            delay=delay,
            ttr=ttr,
            max_attempts=max_attempts,
        )
        data = check_payload(payload)

        def attempt() -> int:
            link = self._connected()
            link.conn.submit_payload(settings, data)
            link.send()
            while True:
                for event in link.receive():
                    if isinstance(event, Accepted):
                        return event.task_id
                    if isinstance(event, Refused):
                        raise event.error
                    if isinstance(event, Closed):
                        self.close()
                        raise event.error

        return self._retrying(attempt)

    def submit_many(
        self,
        payloads: Iterable[bytes],
        queue: str = "default",
        priority: int = 100,
        delay: float = 0.0,
        ttr: float | None = None,
        max_attempts: int | None = None,
    ) -> list[int]:
        """Queue many tasks with the same settings, pipelined, and return their ids.

        SUBMITs go out in batches of up to ``window`` unanswered ones, so the
        whole call costs a few round trips rather than one per task. Ids come
        back in the order of ``payloads``. Refusals are retried as in
        :meth:`submit`; a retried task may run after ones that followed it.

        :raises BatchIncomplete: when a payload was refused for good or the
            connection broke; it holds the ids of those accepted.
        :raises ValueError: when the shared settings cannot be sent.
        """
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
            budget=RetryBudget(self._retry, time.monotonic()),
        )
        try:
            self._run_batch(batch)
        except QuicxError as exc:
            raise BatchIncomplete(batch.task_ids, exc) from exc
        return batch.result()

    def _run_batch(self, batch: SubmitBatch) -> None:
        budget = RetryBudget(self._retry, time.monotonic())
        while not batch.finished:
            if batch.should_move():
                self._rotate()
            try:
                link = self._link if batch.in_flight else self._connected()
            except Unreachable as exc:
                time.sleep(budget.pause_after(exc, time.monotonic()))
                continue
            assert link is not None
            for message in batch.take(time.monotonic()):
                link.conn.submit(message)
            link.send()
            if not batch.in_flight:
                retry_at = batch.next_retry_at()
                if retry_at is not None:
                    time.sleep(max(0.0, retry_at - time.monotonic()))
                continue
            for event in link.receive():
                if isinstance(event, Closed):
                    self.close()
                    raise event.error
                assert isinstance(event, Accepted | Refused)
                batch.answered(event, time.monotonic())

    def _retrying(self, attempt: Callable[[], T]) -> T:
        budget: RetryBudget | None = None
        while True:
            try:
                return attempt()
            except (RetryableError, Unreachable) as exc:
                now = time.monotonic()
                if budget is None:
                    budget = RetryBudget(
                        self._retry, now, addresses=len(self.addresses)
                    )
                pause, move = budget.next_try(exc, now)
                if move:
                    self._rotate()
                logger.debug("retrying in %.3f s after %s", pause, exc)
                time.sleep(pause)

    def _connected(self) -> Link:
        """The open link, after reading what arrived while idle, or a new one."""
        if self._link is not None and self._link.usable():
            return self._link
        self.close()
        reason = "no address"
        for _ in self.addresses:
            conn = ProducerConnection(self.addresses[self._index])
            try:
                self._link = SocketLink.open(
                    conn, connect_timeout=self._connect_timeout, timeout=self._timeout
                )
            except OSError as exc:
                reason = str(exc)
                logger.debug("cannot connect to %s: %s", conn.address, exc)
                self._index = (self._index + 1) % len(self.addresses)
                continue
            return self._link
        raise Unreachable(self.addresses, reason)

    def _rotate(self) -> None:
        """Leave the current daemon for the next address."""
        self.close()
        self._index = (self._index + 1) % len(self.addresses)
