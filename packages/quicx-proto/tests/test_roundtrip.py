"""Every message type survives bytes -> message -> bytes, in every mode."""

from __future__ import annotations

from codec_check import assert_roundtrip
from hypothesis import given
from quicx_proto import (
    Done,
    Error,
    ErrorCode,
    Failed,
    Heartbeat,
    Message,
    MsgType,
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
from strategies import MESSAGE_CLASSES, NO_DEADLINE, messages


@NO_DEADLINE
@given(messages())
def test_any_message_roundtrips(message: Message) -> None:
    assert_roundtrip(message)


def test_strategies_cover_every_message_type() -> None:
    assert len(MESSAGE_CLASSES) == len(MsgType)


# Literal frames, written from the spec by hand, so that the codecs are checked
# against the bytes and not only against themselves.


def test_submit_bytes() -> None:
    message = Submit(
        priority=7,
        delay_ms=1000,
        ttr_ms=0,
        max_attempts=3,
        queue="émails",
        payload=b"\x00hi",
    )
    body = (
        b"\x00\x00\x00\x07"  # priority
        b"\x00\x00\x03\xe8"  # delay_ms
        b"\x00\x00\x00\x00"  # ttr_ms
        b"\x00\x03"  # max_attempts
        b"\x07\xc3\xa9mails"  # queue: 7 bytes of UTF-8
        b"\x00\x00\x00\x03\x00hi"  # payload
    )
    assert_roundtrip(message, b"QX\x01\x01\x00\x00\x00\x1d" + body)


def test_ok_bytes() -> None:
    frame = b"QX\x01\x02\x00\x00\x00\x08" + (0x0001_0000_0000_002A).to_bytes(8, "big")
    assert_roundtrip(Ok(task_id=(1 << 48) | 42), frame)


def test_error_bytes() -> None:
    message = Error(
        code=ErrorCode.OUT_OF_MEMORY, retry_after_ms=100, task_id=0, message="full"
    )
    body = b"\x00\x09" + b"\x00\x00\x00\x64" + bytes(8) + b"\x00\x04full"
    assert_roundtrip(message, b"QX\x01\x03\x00\x00\x00\x14" + body)


def test_ready_bytes() -> None:
    body = b"\x00\x00\x00\x02" + b"\x02" + b"\x01a" + b"\x02bc"
    assert_roundtrip(
        Ready(credit=2, queues=("a", "bc")), b"QX\x01\x04\x00\x00\x00\x0a" + body
    )


def test_peers_bytes() -> None:
    body = b"\x02" + b"\x0a10.0.0.1:1" + b"\x03h:2"
    message = Peers(addresses=("10.0.0.1:1", "h:2"))
    assert_roundtrip(message, b"QX\x01\x0e\x00\x00\x00\x10" + body)


def test_task_bytes() -> None:
    message = Task(task_id=5, attempt=1, ttr_ms=60000, queue="q", payload=b"")
    body = (
        (5).to_bytes(8, "big")
        + b"\x00\x01"
        + (60000).to_bytes(4, "big")
        + b"\x01q"
        + bytes(4)
    )
    assert_roundtrip(message, b"QX\x01\x05\x00\x00\x00\x14" + body)


def test_empty_bodies() -> None:
    assert_roundtrip(Wait(), b"QX\x01\x06\x00\x00\x00\x00")
    assert_roundtrip(StatsRequest(), b"QX\x01\x0c\x00\x00\x00\x00")


def test_task_id_messages_bytes() -> None:
    token = bytes(range(1, 9))
    value = int.from_bytes(token, "big")
    assert_roundtrip(Touch(task_id=value), b"QX\x01\x07\x00\x00\x00\x08" + token)
    assert_roundtrip(Heartbeat(token=value), b"QX\x01\x0a\x00\x00\x00\x08" + token)
    assert_roundtrip(Pong(token=value), b"QX\x01\x0b\x00\x00\x00\x08" + token)


def test_done_and_failed_bytes() -> None:
    done = b"QX\x01\x08\x00\x00\x00\x0d" + bytes(7) + b"\x01" + b"\x00\x00\x00\x01r"
    assert_roundtrip(Done(task_id=1, result=b"r"), done)
    failed = b"QX\x01\x09\x00\x00\x00\x0d" + bytes(7) + b"\x02" + b"\x01\x00\x02no"
    assert_roundtrip(Failed(task_id=2, retry=True, reason="no"), failed)


def test_stats_reply_bytes() -> None:
    percentiles = Percentiles(
        count=1, p50_us=2, p90_us=3, p99_us=4, p999_us=5, max_us=6
    )
    message = StatsReply(
        node_id=1,
        uptime_ms=2,
        total_submitted=3,
        total_completed=4,
        total_failed=5,
        total_retried=6,
        total_dead=7,
        total_lost_leases=8,
        current_producers=9,
        current_workers=10,
        current_monitors=11,
        wait_time=percentiles,
        run_time=percentiles,
        arena_capacity=12,
        arena_used=13,
        journal_bytes=14,
        journal_live_ppm=15,
        size_classes=(
            SizeClassStats(class_size=64, slabs=1, live_blocks=2, free_blocks=3),
        ),
        queues=(
            QueueStats(
                name="q", depth=1, delayed=2, in_flight=3, dead=4, oldest_age_ms=5
            ),
        ),
    )

    def u2(n: int) -> bytes:
        return n.to_bytes(2, "big")

    def u4(n: int) -> bytes:
        return n.to_bytes(4, "big")

    def u8(n: int) -> bytes:
        return n.to_bytes(8, "big")

    p = b"".join(u8(n) for n in range(1, 7))
    body = (
        u2(1)
        + b"".join(u8(n) for n in range(2, 9))
        + u4(9)
        + u4(10)
        + u4(11)
        + p
        + p
        + u8(12)
        + u8(13)
        + u8(14)
        + u4(15)
        + b"\x01"
        + u4(64)
        + u4(1)
        + u4(2)
        + u4(3)
        + u2(1)
        + b"\x01q"
        + u4(1)
        + u4(2)
        + u4(3)
        + u4(4)
        + u8(5)
    )
    header = b"QX\x01\x0d" + u4(len(body))
    assert_roundtrip(message, header + body)
