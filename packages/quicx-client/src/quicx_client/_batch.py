"""The bookkeeping of one ``submit_many``: window, answers, retries, results.

Sans-IO, like the connections: the shell asks which SUBMITs to send now,
reports each answer as it arrives, and while the batch is not finished waits
either for answers or until the next retry is due. At most ``window`` SUBMITs
are unanswered at any time, which bounds what the daemon must buffer for us.
"""

from __future__ import annotations

import heapq
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import replace

from quicx_proto import Submit

from ._errors import BatchIncomplete, QuicxError, ShuttingDown
from ._events import Accepted, Refused
from ._retry import RetryBudget

__all__ = ["SubmitBatch"]


class SubmitBatch:
    """Track one pipelined batch of SUBMITs built from ``template``.

    :param payloads: the payloads, consumed lazily.
    :param template: a checked SUBMIT whose payload each payload replaces.
    :param window: most SUBMITs unanswered at once.
    :param budget: decides which refusals are retried, and when.
    """

    def __init__(
        self,
        payloads: Iterable[bytes],
        *,
        template: Submit,
        window: int,
        budget: RetryBudget,
    ) -> None:
        if window < 1:
            raise ValueError(f"window must be at least 1, not {window}")
        self.task_ids: list[int | None] = []
        self.error: Exception | None = None
        self._move = False
        self._payloads: Iterator[object] = iter(payloads)
        self._more = True
        self._template = template
        self._window = window
        self._budget = budget
        self._in_flight: deque[tuple[int, Submit]] = deque()
        self._retries: list[tuple[float, int, Submit]] = []

    @property
    def in_flight(self) -> int:
        """SUBMITs sent and not answered yet."""
        return len(self._in_flight)

    @property
    def finished(self) -> bool:
        """Nothing is in flight and nothing is left to send (or an error stopped it)."""
        if self._in_flight:
            return False
        return self.error is not None or not (self._more or self._retries)

    def next_retry_at(self) -> float | None:
        """When the earliest refused SUBMIT may be sent again."""
        return self._retries[0][0] if self._retries else None

    def result(self) -> list[int]:
        """The task ids in payload order, once finished.

        :raises BatchIncomplete: when a payload was refused for good.
        :raises TypeError: when a payload was not bytes.
        """
        if isinstance(self.error, QuicxError):
            raise BatchIncomplete(self.task_ids, self.error) from self.error
        if self.error is not None:
            raise self.error
        return [task_id for task_id in self.task_ids if task_id is not None]

    def should_move(self) -> bool:
        """True, once, when a daemon said it is draining and nothing is in flight.

        The shell then moves the rest of the batch to another daemon, if it
        has one.
        """
        if self._in_flight or not self._move:
            return False
        self._move = False
        return True

    def take(self, now: float) -> list[Submit]:
        """The SUBMITs to send now: retries that are due first, then new ones."""
        taken: list[Submit] = []
        room = self._window - len(self._in_flight)
        while self.error is None and room > len(taken):
            if self._retries and self._retries[0][0] <= now:
                _, index, message = heapq.heappop(self._retries)
            else:
                fresh = self._next_message() if self._more else None
                if fresh is None:
                    break
                index, message = len(self.task_ids), fresh
                self.task_ids.append(None)
            self._in_flight.append((index, message))
            taken.append(message)
        return taken

    def answered(self, event: Accepted | Refused, now: float) -> None:
        """Record the answer to the oldest SUBMIT in flight."""
        index, message = self._in_flight.popleft()
        if isinstance(event, Accepted):
            self.task_ids[index] = event.task_id
            return
        try:
            pause = self._budget.pause_after(event.error, now)
        except QuicxError as exc:
            self.error = self.error or exc
            return
        self._move = self._move or isinstance(event.error, ShuttingDown)
        heapq.heappush(self._retries, (now + pause, index, message))

    def _next_message(self) -> Submit | None:
        payload = next(self._payloads, None)
        if payload is None:
            self._more = False
            return None
        if not isinstance(payload, bytes | bytearray | memoryview):
            self.error = TypeError(
                f"payload must be bytes, not {type(payload).__name__}"
            )
            return None
        return replace(self._template, payload=bytes(payload))
