"""The task a worker's handler receives."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

__all__ = ["Task"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Task:
    """One delivery of a task to a handler.

    The handler's return value (bytes or None) finishes the task as DONE; an
    exception finishes it as FAILED with the exception as the reason, retried
    unless the exception is a :class:`PermanentError`.
    """

    id: int
    """The task id the producer got back from ``submit``."""
    queue: str
    """The queue the task came from."""
    payload: bytes
    """The bytes the producer submitted."""
    attempt: int
    """1 on the first delivery, one more on each later one."""
    ttr: float
    """Seconds the worker may hold the task before its lease is lost."""
    _touch: Callable[[], None] = field(repr=False, compare=False)

    def touch(self) -> None:
        """Restart the task's lease, giving the handler another ``ttr`` seconds.

        Safe to call from any thread. Workers touch long tasks on their own
        unless made with ``auto_touch=False``. Does nothing once the task was
        answered or its connection lost; a refusal from the daemon (lease
        already expired) is logged by the worker, not raised here.
        """
        self._touch()
