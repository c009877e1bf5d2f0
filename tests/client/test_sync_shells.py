"""The blocking Producer and Monitor over real sockets, against scripted daemons."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from quicx_client import (
    BatchIncomplete,
    ConnectionLost,
    Monitor,
    PayloadTooLarge,
    Producer,
    QueueFull,
    RetryPolicy,
    Unreachable,
)
from quicx_proto import (
    Error,
    ErrorCode,
    Heartbeat,
    Ok,
    Pong,
    StatsRequest,
    Submit,
)

from client.scripted import ScriptedConnection, ScriptedDaemon, sample_stats

Start = Callable[[Callable[[ScriptedConnection], None]], ScriptedDaemon]
FAST = RetryPolicy(retry_for=2.0, backoff_base=0.01, backoff_cap=0.05)


def refuse(code: ErrorCode, retry_after_ms: int = 0) -> Error:
    return Error(code=code, retry_after_ms=retry_after_ms, task_id=0, message="no")


def accept_all(conn: ScriptedConnection) -> None:
    """Answer every SUBMIT with OK, numbering tasks from 1."""
    task_id = 0
    while True:
        message = conn.receive()
        if isinstance(message, Submit):
            task_id += 1
            conn.send(Ok(task_id=task_id))
        elif isinstance(message, Heartbeat):
            conn.send(Pong(token=message.token))


def test_submit_returns_the_task_id(scripted: Start) -> None:
    daemon = scripted(accept_all)
    with Producer(daemon.address) as producer:
        assert producer.submit(b"a", queue="q", priority=3) == 1
        assert producer.submit(b"b", delay=0.25, ttr=2.0, max_attempts=7) == 2
    first, second = daemon.received
    assert first == Submit(
        priority=3, delay_ms=0, ttr_ms=0, max_attempts=0, queue="q", payload=b"a"
    )
    assert isinstance(second, Submit)
    assert (second.delay_ms, second.ttr_ms, second.max_attempts) == (250, 2000, 7)
    assert daemon.connections == 1


def test_queue_full_is_retried_after_the_hint(scripted: Start) -> None:
    def full_once(conn: ScriptedConnection) -> None:
        conn.receive()
        conn.send(refuse(ErrorCode.QUEUE_FULL, retry_after_ms=20))
        accept_all(conn)

    daemon = scripted(full_once)
    with Producer(daemon.address, retry=FAST) as producer:
        assert producer.submit(b"x") == 1
    assert len(daemon.received) == 2


def test_retries_end_with_the_last_refusal_when_the_budget_is_spent(
    scripted: Start,
) -> None:
    def always_full(conn: ScriptedConnection) -> None:
        while True:
            conn.receive()
            conn.send(refuse(ErrorCode.QUEUE_FULL, retry_after_ms=30))

    daemon = scripted(always_full)
    policy = RetryPolicy(retry_for=0.1)
    with Producer(daemon.address, retry=policy) as producer, pytest.raises(QueueFull):
        producer.submit(b"x")
    assert 2 <= len(daemon.received) <= 5


def test_final_refusals_are_raised_at_once(scripted: Start) -> None:
    def too_large(conn: ScriptedConnection) -> None:
        while True:
            conn.receive()
            conn.send(refuse(ErrorCode.PAYLOAD_TOO_LARGE))

    daemon = scripted(too_large)
    with Producer(daemon.address) as producer, pytest.raises(PayloadTooLarge) as err:
        producer.submit(b"x")
    assert err.value.code is ErrorCode.PAYLOAD_TOO_LARGE
    assert len(daemon.received) == 1


def test_a_submit_lost_with_its_connection_is_not_retried(scripted: Start) -> None:
    def vanish(conn: ScriptedConnection) -> None:
        conn.receive()

    daemon = scripted(vanish)
    with Producer(daemon.address, retry=FAST) as producer:
        with pytest.raises(ConnectionLost) as err:
            producer.submit(b"x")
        assert err.value.unconfirmed == 1
    assert len(daemon.received) == 1


def test_failover_to_the_next_address_when_one_is_down(
    scripted: Start, closed_address: str
) -> None:
    daemon = scripted(accept_all)
    with Producer([closed_address, daemon.address], retry=FAST) as producer:
        assert producer.submit(b"x") == 1


def test_draining_daemon_is_left_for_the_next(scripted: Start) -> None:
    def draining(conn: ScriptedConnection) -> None:
        while True:
            conn.receive()
            conn.send(refuse(ErrorCode.SHUTTING_DOWN, retry_after_ms=1000))

    first, second = scripted(draining), scripted(accept_all)
    with Producer([first.address, second.address], retry=FAST) as producer:
        assert producer.submit(b"x") == 1
    assert len(first.received) == len(second.received) == 1


def test_unreachable_after_the_budget(closed_address: str) -> None:
    policy = RetryPolicy(retry_for=0.2, backoff_base=0.01, backoff_cap=0.05)
    producer = Producer(closed_address, retry=policy)
    with producer, pytest.raises(Unreachable) as err:
        producer.submit(b"x")
    assert err.value.code is None


def test_idle_connection_closed_by_the_daemon_is_replaced(scripted: Start) -> None:
    closed = threading.Event()

    def close_after_one(conn: ScriptedConnection) -> None:
        conn.receive()
        conn.send(Ok(task_id=1), refuse(ErrorCode.HEARTBEAT_TIMEOUT))
        conn.close()
        closed.set()

    scripts = iter([close_after_one, accept_all])
    daemon = scripted(lambda conn: next(scripts)(conn))
    with Producer(daemon.address) as producer:
        assert producer.submit(b"a") == 1
        assert closed.wait(5)
        assert producer.submit(b"b") == 1
    assert daemon.connections == 2


def test_heartbeats_are_answered_between_replies(scripted: Start) -> None:
    def heartbeat_first(conn: ScriptedConnection) -> None:
        conn.receive()
        conn.send(Heartbeat(token=5), Ok(task_id=1))
        assert conn.receive() == Pong(token=5)
        accept_all(conn)

    daemon = scripted(heartbeat_first)
    with Producer(daemon.address) as producer:
        assert producer.submit(b"a") == 1
        assert producer.submit(b"b") == 1
    assert Pong(token=5) in daemon.received


def test_submit_many_pipelines_within_the_window(scripted: Start) -> None:
    def answer_after_five(conn: ScriptedConnection) -> None:
        batch = [conn.receive() for _ in range(5)]
        conn.send(*(Ok(task_id=i) for i in range(1, len(batch) + 1)))
        task_id = len(batch)
        while True:
            conn.receive()
            task_id += 1
            conn.send(Ok(task_id=task_id))

    daemon = scripted(answer_after_five)
    with Producer(daemon.address, window=5) as producer:
        ids = producer.submit_many((bytes([i]) for i in range(12)), queue="q")
    assert ids == list(range(1, 13))
    payloads = [m.payload for m in daemon.received if isinstance(m, Submit)]
    assert payloads == [bytes([i]) for i in range(12)]


def test_submit_many_retries_refusals_and_keeps_id_order(scripted: Start) -> None:
    def every_third_full(conn: ScriptedConnection) -> None:
        seen = 0
        while True:
            message = conn.receive()
            assert isinstance(message, Submit)
            seen += 1
            if seen % 3 == 0:
                conn.send(refuse(ErrorCode.OUT_OF_MEMORY, retry_after_ms=10))
            else:
                conn.send(Ok(task_id=1000 + message.payload[0]))

    daemon = scripted(every_third_full)
    with Producer(daemon.address, retry=FAST, window=4) as producer:
        ids = producer.submit_many([bytes([i]) for i in range(10)])
    assert ids == [1000 + i for i in range(10)]


def test_submit_many_reports_what_was_accepted_when_stopped(scripted: Start) -> None:
    def refuse_second(conn: ScriptedConnection) -> None:
        for _ in range(3):
            conn.receive()
        conn.send(Ok(task_id=1), refuse(ErrorCode.INVALID_FIELD), Ok(task_id=3))
        accept_all(conn)

    daemon = scripted(refuse_second)
    producer = Producer(daemon.address, window=3)
    with producer, pytest.raises(BatchIncomplete) as err:
        producer.submit_many([b"a", b"b", b"c", b"d"])
    assert err.value.task_ids == [1, None, 3]
    assert err.value.code is ErrorCode.INVALID_FIELD


def test_monitor_reads_stats_and_survives_a_closed_connection(scripted: Start) -> None:
    def one_reply_then_close(conn: ScriptedConnection) -> None:
        assert conn.receive() == StatsRequest()
        conn.send(sample_stats())

    daemon = scripted(one_reply_then_close)
    with Monitor(daemon.address) as monitor:
        first = monitor.stats()
        second = monitor.snapshot()
    assert first["queues"] == [
        {
            "name": "q",
            "depth": 1,
            "delayed": 0,
            "in_flight": 0,
            "dead": 0,
            "oldest_age_ms": 3,
        }
    ]
    assert first["wait_time"]["count"] == 0
    assert second == sample_stats()
    assert daemon.connections == 2
