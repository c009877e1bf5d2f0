"""Shorthands for the frames scenarios send and expect, and their options.

Each expectation lists the fields spec/PROTOCOL.md fixes for it, such as
:func:`error`, which fills in the retry_after_ms and task_id section 5 gives a
code; the fields it leaves free (ERROR.message, timings) are left out.
"""

from __future__ import annotations

from quicx_proto import (
    Done,
    Error,
    ErrorCode,
    Failed,
    MsgType,
    Ok,
    Percentiles,
    QueueStats,
    Ready,
    StatsReply,
    Submit,
    Task,
)

from conformance.normalize import RETRY_AFTER_MS, VARIABLE_RETRY
from conformance.script import Like, Var, like

__all__ = [
    "DEFAULT_TTR_MS",
    "H1",
    "H2",
    "H3",
    "NEXT_TYPE",
    "NO_SUCH_TASK",
    "QUIET",
    "T1",
    "T2",
    "T3",
    "T4",
    "done",
    "error",
    "failed",
    "ok",
    "queue",
    "ready",
    "samples",
    "stats",
    "submit",
    "task",
]

QUIET = ("--heartbeat", "60")
DEFAULT_TTR_MS = 60_000
T1, T2, T3, T4 = Var("t1"), Var("t2"), Var("t3"), Var("t4")
H1, H2, H3 = Var("h1"), Var("h2"), Var("h3")
NO_SUCH_TASK = 0xFFFF_FFFF_FFFF  # node 0, a sequence no test reaches
NEXT_TYPE = max(MsgType) + 1  # the first message type the spec does not define


def submit(
    payload: bytes = b"",
    queue: str = "jobs",
    *,
    priority: int = 0,
    delay_ms: int = 0,
    ttr_ms: int = 0,
    max_attempts: int = 0,
) -> Submit:
    return Submit(
        priority=priority,
        delay_ms=delay_ms,
        ttr_ms=ttr_ms,
        max_attempts=max_attempts,
        queue=queue,
        payload=payload,
    )


def ok(task_id: Var) -> Like:
    return like(Ok, task_id=task_id)


def task(
    task_id: Var,
    payload: bytes = b"",
    queue: str = "jobs",
    *,
    attempt: int = 1,
    ttr_ms: int = DEFAULT_TTR_MS,
) -> Like:
    return like(
        Task,
        task_id=task_id,
        attempt=attempt,
        ttr_ms=ttr_ms,
        queue=queue,
        payload=payload,
    )


def error(code: ErrorCode, task_id: int | Var = 0) -> Like:
    """An ERROR with the retry_after_ms and task_id section 5 gives ``code``;
    a retry_after_ms that section 18 lets vary is left to the shape checks."""
    if code in VARIABLE_RETRY:
        return like(Error, code=code, task_id=task_id)
    return like(
        Error, code=code, retry_after_ms=RETRY_AFTER_MS.get(code, 0), task_id=task_id
    )


def ready(credit: int, *queues: str) -> Ready:
    return Ready(credit=credit, queues=queues or ("jobs",))


def done(task_id: Var, result: bytes = b"") -> Like:
    return like(Done, task_id=task_id, result=result)


def failed(task_id: Var, *, retry: bool, reason: str) -> Like:
    return like(Failed, task_id=task_id, retry=retry, reason=reason)


def queue(
    name: str, depth: int = 0, *, delayed: int = 0, in_flight: int = 0, dead: int = 0
) -> Like:
    return like(
        QueueStats,
        name=name,
        depth=depth,
        delayed=delayed,
        in_flight=in_flight,
        dead=dead,
    )


def stats(**fields: object) -> Like:
    return like(StatsReply, **fields)


def samples(count: int) -> Like:
    return like(Percentiles, count=count)
