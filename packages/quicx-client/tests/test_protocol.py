"""The producer's and monitor's sans-IO connections, without sockets."""

from __future__ import annotations

import pytest
from client.scripted import sample_stats
from hypothesis import given
from hypothesis import strategies as st
from quicx_client._errors import (
    ConnectionLost,
    OutOfMemory,
    PayloadTooLarge,
    ProtocolViolation,
    ServerError,
)
from quicx_client._events import Accepted, Closed, Refused, StatsReceived
from quicx_client._protocol import (
    MonitorConnection,
    ProducerConnection,
    submit_message,
)
from quicx_proto import (
    Error,
    ErrorCode,
    FrameDecoder,
    Heartbeat,
    Message,
    Ok,
    Pong,
    StatsRequest,
    Submit,
    Task,
    Wait,
    encode,
)

ADDRESS = "127.0.0.1:7878"


def frames(*messages: Message) -> bytes:
    return b"".join(encode(message) for message in messages)


def sent(conn: ProducerConnection | MonitorConnection) -> list[Message]:
    return FrameDecoder().feed(conn.data_to_send())


def error(code: ErrorCode, retry_after_ms: int = 0, message: str = "") -> Error:
    return Error(code=code, retry_after_ms=retry_after_ms, task_id=0, message=message)


def a_submit(payload: bytes = b"x") -> Submit:
    return submit_message(
        payload, queue="q", priority=100, delay=0.0, ttr=None, max_attempts=None
    )


def test_submits_are_queued_and_sent_as_one_chunk() -> None:
    conn = ProducerConnection(ADDRESS)
    conn.submit(a_submit(b"a"))
    conn.submit(a_submit(b"b"))
    assert conn.unconfirmed == 2
    assert [m.payload for m in sent(conn) if isinstance(m, Submit)] == [b"a", b"b"]
    assert conn.data_to_send() == b""


def test_answers_match_submits_in_order() -> None:
    conn = ProducerConnection(ADDRESS)
    for _ in range(3):
        conn.submit(a_submit())
    events = conn.receive_data(
        frames(
            Ok(task_id=7),
            error(ErrorCode.PAYLOAD_TOO_LARGE, message="too big"),
            error(ErrorCode.OUT_OF_MEMORY, 100),
        )
    )
    assert events[0] == Accepted(7)
    assert isinstance(events[1], Refused)
    assert isinstance(events[1].error, PayloadTooLarge)
    assert events[1].error.message == "too big"
    assert isinstance(events[2], Refused)
    assert isinstance(events[2].error, OutOfMemory)
    assert events[2].error.retry_after == pytest.approx(0.1)
    assert conn.unconfirmed == 0


def test_frames_split_anywhere_give_the_same_events() -> None:
    data = frames(Ok(task_id=1), Heartbeat(token=9), Ok(task_id=2))
    conn = ProducerConnection(ADDRESS)
    conn.submit(a_submit())
    conn.submit(a_submit())
    conn.data_to_send()
    events = [event for byte in data for event in conn.receive_data(bytes([byte]))]
    assert events == [Accepted(1), Accepted(2)]
    assert FrameDecoder().feed(conn.data_to_send()) == [Pong(token=9)]


def test_closing_error_ends_the_connection_with_its_code() -> None:
    conn = ProducerConnection(ADDRESS)
    conn.submit(a_submit())
    (event,) = conn.receive_data(frames(error(ErrorCode.HEARTBEAT_TIMEOUT)))
    assert isinstance(event, Closed)
    assert isinstance(event.error, ConnectionLost)
    assert event.error.code is ErrorCode.HEARTBEAT_TIMEOUT
    assert event.error.unconfirmed == 1
    assert isinstance(event.error.__cause__, ServerError)
    assert conn.closed
    with pytest.raises(ConnectionLost):
        conn.submit(a_submit())


def test_end_of_stream_is_a_closed_event() -> None:
    conn = ProducerConnection(ADDRESS)
    (event,) = conn.receive_data(b"")
    assert isinstance(event, Closed)
    assert event.error.code is None
    with pytest.raises(ConnectionLost):
        conn.receive_data(frames(Ok(task_id=1)))


@pytest.mark.parametrize(
    "message",
    [
        pytest.param(Ok(task_id=1), id="unasked-ok"),
        pytest.param(Wait(), id="wait-to-producer"),
        pytest.param(
            Task(task_id=1, attempt=1, ttr_ms=1, queue="q", payload=b""),
            id="task-to-producer",
        ),
        pytest.param(error(ErrorCode.QUEUE_FULL, 100), id="unasked-error"),
    ],
)
def test_unexpected_frames_are_violations_and_stick(message: Message) -> None:
    conn = ProducerConnection(ADDRESS)
    with pytest.raises(ProtocolViolation) as caught:
        conn.receive_data(frames(message))
    assert caught.value.code is ErrorCode.NOT_ALLOWED_FOR_ROLE
    with pytest.raises(ProtocolViolation):
        conn.receive_data(frames(Pong(token=1)))


def test_undecodable_bytes_are_violations_with_the_decoder_code() -> None:
    conn = ProducerConnection(ADDRESS)
    with pytest.raises(ProtocolViolation) as caught:
        conn.receive_data(b"QX\x02\x02\x00\x00\x00\x08" + bytes(8))
    assert caught.value.code is ErrorCode.UNSUPPORTED_VERSION


@given(st.binary(max_size=64))
def test_arbitrary_bytes_give_events_or_a_violation(data: bytes) -> None:
    conn = ProducerConnection(ADDRESS)
    conn.submit(a_submit())
    events: list[object] = []
    try:
        events.extend(conn.receive_data(data))
    except ProtocolViolation:
        assert conn.closed, "a violation leaves the connection broken"
    assert all(isinstance(e, Accepted | Refused | Closed) for e in events)


def test_liveness_probe_after_silence_and_verdict_after_two_intervals() -> None:
    conn = ProducerConnection(ADDRESS)
    assert conn.check_liveness(0.0, 1.0)
    assert conn.check_liveness(0.5, 1.0)
    assert not conn.wants_to_send
    assert conn.check_liveness(1.0, 1.0)
    (probe,) = sent(conn)
    assert isinstance(probe, Heartbeat)
    assert conn.check_liveness(1.5, 1.0)
    assert not conn.wants_to_send
    assert not conn.check_liveness(2.0, 1.0)


def test_hearing_anything_resets_the_liveness_clock() -> None:
    conn = ProducerConnection(ADDRESS)
    conn.check_liveness(0.0, 1.0)
    conn.check_liveness(1.0, 1.0)
    conn.data_to_send()
    conn.receive_data(frames(Pong(token=1)))
    assert conn.check_liveness(1.9, 1.0)
    assert conn.check_liveness(2.8, 1.0)
    assert not conn.wants_to_send
    assert not conn.check_liveness(3.9, 1.0)


def test_monitor_asks_for_stats_and_gets_the_reply() -> None:
    conn = MonitorConnection(ADDRESS)
    conn.request_stats()
    assert sent(conn) == [StatsRequest()]
    (event,) = conn.receive_data(frames(sample_stats()))
    assert event == StatsReceived(sample_stats())
    with pytest.raises(ProtocolViolation):
        conn.receive_data(frames(sample_stats()))


@pytest.mark.parametrize(
    ("kwargs", "problem"),
    [
        pytest.param({"queue": ""}, "queue name", id="empty-queue"),
        pytest.param({"queue": "é" * 128}, "queue name", id="long-queue"),
        pytest.param({"priority": -1}, "priority", id="negative-priority"),
        pytest.param({"priority": 1 << 32}, "priority", id="huge-priority"),
        pytest.param({"delay": -0.5}, "delay", id="negative-delay"),
        pytest.param({"ttr": 0.0001}, "ttr", id="ttr-below-1ms"),
        pytest.param({"max_attempts": 0}, "max_attempts", id="zero-attempts"),
        pytest.param({"max_attempts": 1 << 16}, "max_attempts", id="huge-attempts"),
    ],
)
def test_submit_arguments_are_checked(kwargs: dict[str, object], problem: str) -> None:
    arguments: dict[str, object] = {
        "queue": "q",
        "priority": 1,
        "delay": 0.0,
        "ttr": None,
        "max_attempts": None,
        **kwargs,
    }
    with pytest.raises(ValueError, match=problem):
        submit_message(b"", **arguments)  # type: ignore[arg-type]


def test_submit_converts_seconds_and_defaults() -> None:
    message = submit_message(
        bytearray(b"p"), queue="q", priority=3, delay=1.5, ttr=2, max_attempts=4
    )
    assert message == Submit(
        priority=3, delay_ms=1500, ttr_ms=2000, max_attempts=4, queue="q", payload=b"p"
    )
    default = submit_message(
        b"", queue="q", priority=0, delay=0, ttr=None, max_attempts=None
    )
    assert (default.ttr_ms, default.max_attempts) == (0, 0)
    with pytest.raises(TypeError):
        submit_message(
            "text",  # type: ignore[arg-type]
            queue="q",
            priority=0,
            delay=0,
            ttr=None,
            max_attempts=None,
        )
