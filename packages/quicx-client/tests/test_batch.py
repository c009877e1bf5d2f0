"""submit_many's bookkeeping: the window, answers, retries and moves."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hypothesis import given
from hypothesis import strategies as st
from quicx_client._batch import SubmitBatch
from quicx_client._errors import (
    InvalidField,
    OutOfMemory,
    QueueFull,
    ServerError,
    ShuttingDown,
)
from quicx_client._events import Accepted, Refused
from quicx_client._protocol import submit_message
from quicx_client._retry import RetryBudget, RetryPolicy
from quicx_proto import ErrorCode, Submit

TEMPLATE = submit_message(
    b"", queue="q", priority=1, delay=0.0, ttr=None, max_attempts=None
)


def batch(
    payloads: list[bytes], window: int = 2, retry_for: float = 10.0
) -> SubmitBatch:
    budget = RetryBudget(RetryPolicy(retry_for=retry_for), now=0.0)
    return SubmitBatch(payloads, template=TEMPLATE, window=window, budget=budget)


def finished(b: SubmitBatch) -> bool:
    return b.finished


def refusal(cls: type[ServerError], code: ErrorCode, retry_after: float) -> Refused:
    return Refused(cls(code, "", retry_after=retry_after))


def payloads_of(messages: list[Submit]) -> list[bytes]:
    return [message.payload for message in messages]


def test_window_bounds_what_is_in_flight() -> None:
    b = batch([b"a", b"b", b"c"])
    assert payloads_of(b.take(0.0)) == [b"a", b"b"]
    assert b.take(0.0) == []
    b.answered(Accepted(1), 0.0)
    assert payloads_of(b.take(0.0)) == [b"c"]
    b.answered(Accepted(2), 0.0)
    b.answered(Accepted(3), 0.0)
    assert not finished(b), "the payloads are not known to be exhausted yet"
    assert b.take(0.0) == []
    assert finished(b)
    assert b.task_ids == [1, 2, 3]


def test_retryable_refusals_are_sent_again_when_due_and_keep_their_slot() -> None:
    b = batch([b"a", b"b"])
    b.take(0.0)
    b.answered(refusal(OutOfMemory, ErrorCode.OUT_OF_MEMORY, 0.1), 0.0)
    b.answered(Accepted(2), 0.0)
    assert not finished(b)
    assert b.next_retry_at() == pytest.approx(0.1)
    assert b.take(0.05) == []
    assert payloads_of(b.take(0.1)) == [b"a"]
    b.answered(Accepted(3), 0.1)
    assert finished(b)
    assert b.task_ids == [3, 2]


def test_a_final_refusal_stops_taking_and_keeps_the_first_error() -> None:
    b = batch([b"a", b"b", b"c"])
    b.take(0.0)
    b.answered(refusal(InvalidField, ErrorCode.INVALID_FIELD, 0.0), 0.0)
    assert b.take(0.0) == []
    assert not finished(b)
    b.answered(Accepted(2), 0.0)
    assert finished(b)
    assert isinstance(b.error, InvalidField)
    assert b.task_ids == [None, 2]


def test_retries_stop_when_the_budget_is_spent() -> None:
    b = batch([b"a"], retry_for=0.15)
    b.take(0.0)
    b.answered(refusal(QueueFull, ErrorCode.QUEUE_FULL, 0.1), 0.0)
    b.take(0.1)
    b.answered(refusal(QueueFull, ErrorCode.QUEUE_FULL, 0.1), 0.1)
    assert finished(b)
    assert isinstance(b.error, QueueFull)


def test_draining_daemon_asks_for_a_move_once_nothing_is_in_flight() -> None:
    b = batch([b"a", b"b"])
    b.take(0.0)
    b.answered(refusal(ShuttingDown, ErrorCode.SHUTTING_DOWN, 1.0), 0.0)
    assert not b.should_move()
    b.answered(Accepted(2), 0.0)
    assert b.should_move()
    assert not b.should_move()


def test_a_payload_that_is_not_bytes_stops_the_batch() -> None:
    b = batch([b"a", "text"])  # type: ignore[list-item]
    assert payloads_of(b.take(0.0)) == [b"a"]
    b.answered(Accepted(1), 0.0)
    assert finished(b)
    assert isinstance(b.error, TypeError)


def test_payloads_are_consumed_lazily() -> None:
    pulled: list[int] = []

    def source() -> Iterator[bytes]:
        for i in range(10):
            pulled.append(i)
            yield bytes([i])

    b = SubmitBatch(
        source(),
        template=TEMPLATE,
        window=3,
        budget=RetryBudget(RetryPolicy(), 0.0),
    )
    b.take(0.0)
    assert pulled == [0, 1, 2]


@given(
    answers=st.lists(st.sampled_from(["ok", "full"]), min_size=1, max_size=40),
    window=st.integers(1, 5),
)
def test_every_payload_ends_accepted_in_its_own_slot(
    answers: list[str], window: int
) -> None:
    count = len(answers)
    b = batch([bytes([i]) for i in range(count)], window=window, retry_for=1e9)
    script = iter(answers)
    now, next_id, in_flight = 0.0, 1, []
    for _ in range(10 * count + 10):
        if finished(b):
            break
        in_flight += b.take(now)
        if not in_flight:
            now = b.next_retry_at() or now
            continue
        message = in_flight.pop(0)
        if next(script, "ok") == "ok":
            b.answered(Accepted(next_id * 1000 + message.payload[0]), now)
            next_id += 1
        else:
            b.answered(refusal(QueueFull, ErrorCode.QUEUE_FULL, 0.1), now)
    assert finished(b)
    assert b.error is None
    assert [task_id % 1000 for task_id in b.task_ids if task_id] == list(range(count))
