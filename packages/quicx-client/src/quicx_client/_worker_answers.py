"""What both worker engines do the same way around a handler call.

A handler's outcome becomes a DONE or a FAILED, a TASK becomes the
:class:`Task` a handler sees, and a new lease may need its first TOUCH
before the engine's timer would look again. The event-loop engine
(:mod:`._worker_core`) and the thread engine (:mod:`._worker_threads`) call
these, so a handler behaves the same under :class:`AsyncWorker` and
:class:`Worker`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import partial

import quicx_proto

from ._errors import PermanentError
from ._task import Task
from ._worker_protocol import WorkerConnection

__all__ = [
    "TOUCH_SHARE",
    "answer_error",
    "answer_result",
    "describe",
    "pause",
    "task_of",
    "touch_is_urgent",
]

logger = logging.getLogger(__name__)

TOUCH_SHARE = 0.5
"""A held task is touched once this share of its time-to-run has passed."""

Answer = Callable[[], bool]


def task_of(message: quicx_proto.Task, touch: Callable[[], None]) -> Task:
    """The handler's view of a TASK; ``touch`` restarts its lease."""
    return Task(
        id=message.task_id,
        queue=message.queue,
        payload=message.payload,
        attempt=message.attempt,
        ttr=message.ttr_ms / 1000,
        _touch=touch,
    )


def answer_result(conn: WorkerConnection, task_id: int, result: object) -> Answer:
    """The call that answers a handler's return value: DONE, or FAILED when
    the handler returned something other than bytes or None."""
    if result is None or isinstance(result, bytes):
        return partial(conn.done, task_id, result or b"")
    kind = type(result).__name__
    return partial(conn.failed, task_id, f"handler returned {kind}, not bytes")


def answer_error(conn: WorkerConnection, task_id: int, error: Exception) -> Answer:
    """The call that answers a handler's exception: FAILED, retried unless the
    exception is a :class:`PermanentError`."""
    if isinstance(error, PermanentError):
        return partial(conn.failed, task_id, describe(error), retry=False)
    logger.info("task %d failed: %s", task_id, describe(error))
    return partial(conn.failed, task_id, describe(error))


def pause(conn: WorkerConnection) -> bool:
    """Queue READY with credit 0: no more tasks, the ones held stay held."""
    conn.ready(credit=0)
    return True


def touch_is_urgent(message: quicx_proto.Task, auto_touch: bool, nap: float) -> bool:
    """Whether a new task's first TOUCH falls due before a timer that sleeps
    ``nap`` seconds would wake on its own."""
    return auto_touch and message.ttr_ms / 1000 * TOUCH_SHARE < nap


def describe(exc: BaseException) -> str:
    """An exception as a FAILED reason: its type, and its text when it has one."""
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
