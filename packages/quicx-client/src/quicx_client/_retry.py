"""When to try again: backoff with jitter, and the producers' retry budget.

Both are plain objects fed the current time, shared by the sync and async
shells, so what is retried and for how long is decided in one place.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass

from ._errors import QuicxError, RetryableError, ShuttingDown, Unreachable

__all__ = ["Backoff", "RetryBudget", "RetryPolicy"]


@dataclass(frozen=True, slots=True, kw_only=True)
class RetryPolicy:
    """How long a producer call keeps retrying what is safe to retry.

    A call is retried, within ``retry_for`` seconds of its start, when the
    daemon refused it with a retryable code (out of memory, queue full,
    shutting down, journal unavailable: after the daemon's retry-after hint)
    or when no connection could be opened (after a backoff with jitter).
    A request whose connection broke before its answer came is never retried,
    because the daemon may have accepted it.
    """

    retry_for: float = 30.0
    """Seconds a call may spend retrying; 0 turns retries off."""
    backoff_base: float = 0.05
    """First pause between connection attempts; it doubles each time."""
    backoff_cap: float = 2.0
    """Longest pause between connection attempts, before jitter."""

    def __post_init__(self) -> None:
        if self.retry_for < 0:
            raise ValueError("retry_for must not be negative")
        if not 0 < self.backoff_base <= self.backoff_cap:
            raise ValueError("backoff_base must be positive and at most backoff_cap")


class Backoff:
    """Pauses that double from ``base`` up to ``cap``, each scaled by [0.5, 1)."""

    def __init__(
        self,
        base: float,
        cap: float,
        *,
        rand: Callable[[], float] = random.random,
    ) -> None:
        self._base = base
        self._cap = cap
        self._rand = rand
        self._next = base

    def pause(self) -> float:
        """The next pause, in seconds; each call doubles the one after."""
        pause = self._next * (0.5 + self._rand() / 2)
        self._next = min(self._next * 2, self._cap)
        return pause

    def reset(self) -> None:
        """Start again from ``base``, after a success."""
        self._next = self._base


class RetryBudget:
    """One call's retries: which errors to retry, how long to pause, when to stop.

    :param now: the call's start time, from the clock the shell also passes in.
    :param addresses: how many daemons the caller can move between.
    """

    def __init__(self, policy: RetryPolicy, now: float, *, addresses: int = 1) -> None:
        self._deadline = now + policy.retry_for
        self._backoff = Backoff(policy.backoff_base, policy.backoff_cap)
        self._addresses = addresses
        self._moves = 0

    def next_try(self, error: QuicxError, now: float) -> tuple[float, bool]:
        """Like :meth:`pause_after`, and whether to move to the next address.

        A draining daemon is left for the next one at once; only after every
        address said it is draining does the caller wait for the hint.

        :returns: the pause in seconds, and True when the caller should move.
        :raises QuicxError: ``error`` itself, as :meth:`pause_after` does.
        """
        pause = self.pause_after(error, now)
        if not isinstance(error, ShuttingDown) or self._addresses < 2:
            return pause, False
        self._moves += 1
        return (0.0 if self._moves % self._addresses else pause), True

    def pause_after(self, error: QuicxError, now: float) -> float:
        """Seconds to wait before trying again after ``error``.

        :raises QuicxError: ``error`` itself, when it is not safe to retry or
            the pause would end past the budget.
        """
        if isinstance(error, RetryableError):
            pause = error.retry_after
        elif isinstance(error, Unreachable):
            pause = self._backoff.pause()
        else:
            raise error
        if now + pause > self._deadline:
            raise error
        return pause
