"""The worker's sans-IO connection: READY, leases, answers and touches."""

from __future__ import annotations

import pytest
from quicx_client._errors import LeaseExpired, UnknownTask
from quicx_client._events import Idle, TaskAssigned, TaskRefused
from quicx_client._worker_protocol import (
    MAX_REASON_BYTES,
    WorkerConnection,
    check_queues,
    fit_reason,
)
from quicx_proto import (
    Done,
    Error,
    ErrorCode,
    Failed,
    FrameDecoder,
    Message,
    Ready,
    Task,
    Touch,
    Wait,
    encode,
)


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def task(task_id: int, ttr_ms: int = 10_000) -> Task:
    return Task(task_id=task_id, attempt=1, ttr_ms=ttr_ms, queue="q", payload=b"p")


def worker(clock: Clock | None = None, credit: int = 2) -> WorkerConnection:
    return WorkerConnection(
        "127.0.0.1:7878", queues=["q", "r"], credit=credit, clock=clock or Clock()
    )


def sent(conn: WorkerConnection) -> list[Message]:
    return FrameDecoder().feed(conn.data_to_send())


def test_ready_carries_credit_and_queues_and_can_pause() -> None:
    conn = worker()
    conn.ready()
    conn.ready(credit=0)
    assert sent(conn) == [
        Ready(credit=2, queues=("q", "r")),
        Ready(credit=0, queues=("q", "r")),
    ]
    assert conn.credit == 0


def test_tasks_become_leases_answered_once() -> None:
    conn = worker()
    events = conn.receive_data(encode(task(1)) + encode(task(2)) + encode(Wait()))
    assert events == [TaskAssigned(task(1)), TaskAssigned(task(2)), Idle()]
    assert conn.held == 2
    assert conn.done(1, b"r")
    assert conn.failed(2, "boom", retry=False)
    assert not conn.done(1)
    assert not conn.touch(2)
    assert sent(conn) == [
        Done(task_id=1, result=b"r"),
        Failed(task_id=2, retry=False, reason="boom"),
    ]
    assert conn.held == 0


def test_refused_answer_drops_the_lease() -> None:
    conn = worker()
    conn.receive_data(encode(task(5)))
    refusal = Error(
        code=ErrorCode.LEASE_EXPIRED, retry_after_ms=0, task_id=5, message="late"
    )
    (event,) = conn.receive_data(encode(refusal))
    assert isinstance(event, TaskRefused)
    assert isinstance(event.error, LeaseExpired)
    assert event.error.task_id == 5
    assert not conn.holds(5)
    unknown = Error(
        code=ErrorCode.UNKNOWN_TASK, retry_after_ms=0, task_id=9, message=""
    )
    (event,) = conn.receive_data(encode(unknown))
    assert isinstance(event, TaskRefused)
    assert isinstance(event.error, UnknownTask)


def test_touch_is_due_after_half_the_ttr_and_restarts_the_lease() -> None:
    clock = Clock()
    conn = worker(clock)
    conn.receive_data(encode(task(1, ttr_ms=10_000)) + encode(task(2, ttr_ms=4_000)))
    assert conn.touch_due() == pytest.approx(clock.now + 2.0)
    assert not conn.wants_to_send
    clock.now += 2.0
    assert conn.touch_due() == pytest.approx(clock.now + 2.0)
    assert sent(conn) == [Touch(task_id=2)]
    clock.now += 1.0
    conn.touch_due()
    assert not conn.wants_to_send
    clock.now += 2.0
    conn.touch_due()
    assert sent(conn) == [Touch(task_id=1), Touch(task_id=2)]
    conn.done(1)
    conn.done(2)
    conn.data_to_send()
    assert conn.touch_due() is None


def test_explicit_touch_restarts_the_lease_clock() -> None:
    clock = Clock()
    conn = worker(clock)
    conn.receive_data(encode(task(1, ttr_ms=1_000)))
    clock.now += 0.4
    assert conn.touch(1)
    assert sent(conn) == [Touch(task_id=1)]
    assert conn.touch_due() == pytest.approx(clock.now + 0.5)


def test_redelivery_of_a_held_task_replaces_its_lease() -> None:
    clock = Clock()
    conn = worker(clock)
    conn.receive_data(encode(task(1, ttr_ms=1_000)))
    clock.now += 5
    conn.receive_data(encode(task(1, ttr_ms=1_000)))
    assert conn.held == 1
    assert conn.touch_due() == pytest.approx(clock.now + 0.5)


@pytest.mark.parametrize(
    "queues",
    [
        pytest.param([], id="none"),
        pytest.param([""], id="empty-name"),
        pytest.param(["x" * 256], id="long-name"),
        pytest.param([f"q{i}" for i in range(256)], id="too-many"),
    ],
)
def test_queue_lists_that_ready_cannot_carry_are_refused(queues: list[str]) -> None:
    with pytest.raises(ValueError, match="queue"):
        check_queues(queues)


def test_a_single_string_is_one_queue_and_credit_is_checked() -> None:
    assert check_queues("emails") == ("emails",)
    with pytest.raises(ValueError, match="credit"):
        worker(credit=-1)


def test_reasons_are_cut_to_what_failed_carries() -> None:
    assert fit_reason("short") == "short"
    long = fit_reason("é" * MAX_REASON_BYTES)
    assert len(long.encode()) <= MAX_REASON_BYTES
    assert long.startswith("éé")
    assert fit_reason("bad \udcff surrogate") == "bad ? surrogate"
