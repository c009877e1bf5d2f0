"""One fixed example of every message type, for exhaustive corruption tests."""

from __future__ import annotations

from quicx_proto import (
    Done,
    Error,
    ErrorCode,
    Failed,
    Heartbeat,
    Message,
    Ok,
    Peers,
    Percentiles,
    Pong,
    QueueStats,
    Ready,
    SizeClassStats,
    StatsReply,
    StatsRequest,
    Submit,
    Task,
    Touch,
    Wait,
)

__all__ = ["EXAMPLES"]

_PERCENTILES = Percentiles(count=9, p50_us=1, p90_us=2, p99_us=3, p999_us=4, max_us=5)

EXAMPLES: tuple[Message, ...] = (
    Submit(
        priority=1, delay_ms=0, ttr_ms=0, max_attempts=0, queue="jobs", payload=b"xy"
    ),
    Ok(task_id=1 << 48 | 1),
    Error(
        code=ErrorCode.QUEUE_FULL, retry_after_ms=100, task_id=3, message="queue full"
    ),
    Ready(credit=4, queues=("jobs", "mail")),
    Task(task_id=1 << 48 | 1, attempt=1, ttr_ms=60000, queue="jobs", payload=b"xy"),
    Wait(),
    Touch(task_id=5),
    Done(task_id=5, result=b"ok"),
    Failed(task_id=5, retry=True, reason="boom"),
    Heartbeat(token=77),
    Pong(token=77),
    StatsRequest(),
    StatsReply(
        node_id=1,
        uptime_ms=1000,
        total_submitted=10,
        total_completed=8,
        total_failed=1,
        total_retried=1,
        total_dead=0,
        total_lost_leases=0,
        current_producers=1,
        current_workers=2,
        current_monitors=1,
        wait_time=_PERCENTILES,
        run_time=_PERCENTILES,
        arena_capacity=1 << 20,
        arena_used=4096,
        journal_bytes=0,
        journal_live_ppm=0,
        size_classes=(
            SizeClassStats(class_size=64, slabs=1, live_blocks=3, free_blocks=61),
        ),
        queues=(
            QueueStats(
                name="jobs", depth=2, delayed=0, in_flight=1, dead=0, oldest_age_ms=7
            ),
        ),
    ),
    Peers(addresses=("10.0.0.1:7878", "10.0.0.2:7878")),
)
"""One message of each type, in message type order."""
