"""Hypothesis strategies for every Quicx message, and for streams of frames.

Values cover each field's whole range, including the largest UTF-8 text that
fits a length prefix (with multi-byte characters cut at a character boundary).
Blobs and repeated fields are kept short so that examples stay fast; the
largest sizes are tested by examples in test_messages.py.
"""

from __future__ import annotations

from hypothesis import settings
from hypothesis import strategies as st
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

__all__ = [
    "MESSAGE_CLASSES",
    "NO_DEADLINE",
    "blobs",
    "messages",
    "percentiles",
    "queue_stats",
    "size_class_stats",
    "text",
    "uint",
]

NO_DEADLINE = settings(deadline=None)
"""For every property test: the machine is shared and timings are noisy, so a
slow example is not a failure (pytest's own timeout still bounds each test)."""

# Any code point UTF-8 can carry: surrogates cannot be encoded.
_CHARACTERS = st.characters(exclude_categories=["Cs"])


def uint(bits: int) -> st.SearchStrategy[int]:
    """Any value of an unsigned field ``bits`` wide."""
    return st.integers(min_value=0, max_value=(1 << bits) - 1)


def _fit(value: str, max_bytes: int) -> str:
    """Cut ``value`` to at most ``max_bytes`` of UTF-8, at a character boundary."""
    return value.encode("utf-8")[:max_bytes].decode("utf-8", errors="ignore")


def text(max_bytes: int) -> st.SearchStrategy[str]:
    """Text whose UTF-8 fits ``max_bytes``, reaching the limit now and then."""
    return st.text(_CHARACTERS, max_size=min(max_bytes, 300)).map(
        lambda value: _fit(value, max_bytes)
    )


def blobs() -> st.SearchStrategy[bytes]:
    """Short opaque bytes, empty included."""
    return st.binary(max_size=64)


def percentiles() -> st.SearchStrategy[Percentiles]:
    return st.builds(
        Percentiles,
        count=uint(64),
        p50_us=uint(64),
        p90_us=uint(64),
        p99_us=uint(64),
        p999_us=uint(64),
        max_us=uint(64),
    )


def queue_stats() -> st.SearchStrategy[QueueStats]:
    return st.builds(
        QueueStats,
        name=text(255),
        depth=uint(32),
        delayed=uint(32),
        in_flight=uint(32),
        dead=uint(32),
        oldest_age_ms=uint(64),
    )


def size_class_stats() -> st.SearchStrategy[SizeClassStats]:
    return st.builds(
        SizeClassStats,
        class_size=uint(32),
        slabs=uint(32),
        live_blocks=uint(32),
        free_blocks=uint(32),
    )


def _tuples(items: st.SearchStrategy[object]) -> st.SearchStrategy[tuple[object, ...]]:
    return st.lists(items, max_size=4).map(tuple)


_BY_TYPE: dict[type, st.SearchStrategy[Message]] = {
    Submit: st.builds(
        Submit,
        priority=uint(32),
        delay_ms=uint(32),
        ttr_ms=uint(32),
        max_attempts=uint(16),
        queue=text(255),
        payload=blobs(),
    ),
    Ok: st.builds(Ok, task_id=uint(64)),
    Error: st.builds(
        Error,
        code=st.sampled_from(ErrorCode),
        retry_after_ms=uint(32),
        task_id=uint(64),
        message=text(65535),
    ),
    Ready: st.builds(Ready, credit=uint(32), queues=_tuples(text(255))),
    Task: st.builds(
        Task,
        task_id=uint(64),
        attempt=uint(16),
        ttr_ms=uint(32),
        queue=text(255),
        payload=blobs(),
    ),
    Wait: st.just(Wait()),
    Touch: st.builds(Touch, task_id=uint(64)),
    Done: st.builds(Done, task_id=uint(64), result=blobs()),
    Failed: st.builds(
        Failed, task_id=uint(64), retry=st.booleans(), reason=text(65535)
    ),
    Heartbeat: st.builds(Heartbeat, token=uint(64)),
    Pong: st.builds(Pong, token=uint(64)),
    StatsRequest: st.just(StatsRequest()),
    StatsReply: st.builds(
        StatsReply,
        node_id=uint(16),
        uptime_ms=uint(64),
        total_submitted=uint(64),
        total_completed=uint(64),
        total_failed=uint(64),
        total_retried=uint(64),
        total_dead=uint(64),
        total_lost_leases=uint(64),
        current_producers=uint(32),
        current_workers=uint(32),
        current_monitors=uint(32),
        wait_time=percentiles(),
        run_time=percentiles(),
        arena_capacity=uint(64),
        arena_used=uint(64),
        journal_bytes=uint(64),
        journal_live_ppm=uint(32),
        size_classes=_tuples(size_class_stats()),
        queues=_tuples(queue_stats()),
    ),
    Peers: st.builds(Peers, addresses=_tuples(text(255))),
}

MESSAGE_CLASSES = tuple(_BY_TYPE)
"""Every message class, in message type order."""


def messages(*classes: type) -> st.SearchStrategy[Message]:
    """Messages of the given classes, or of any class when none is given."""
    chosen = classes or MESSAGE_CLASSES
    return st.one_of([_BY_TYPE[cls] for cls in chosen])
