"""The retry budget, backoff, the error tree and address parsing."""

from __future__ import annotations

import pytest
import quicx_client
from quicx_client._address import addresses_of, split_address
from quicx_client._errors import (
    CLOSING_CODES,
    ConnectionLost,
    InternalError,
    OutOfMemory,
    QuicxError,
    RetryableError,
    ServerError,
    ShuttingDown,
    Unreachable,
    server_error,
)
from quicx_client._retry import Backoff, RetryBudget, RetryPolicy
from quicx_proto import Error, ErrorCode


def test_backoff_doubles_to_the_cap_with_jitter_in_half_to_one() -> None:
    low = Backoff(1.0, 4.0, rand=lambda: 0.0)
    assert [low.pause() for _ in range(4)] == [0.5, 1.0, 2.0, 2.0]
    high = Backoff(1.0, 4.0, rand=lambda: 0.999)
    assert high.pause() == pytest.approx(0.9995)
    high.reset()
    assert high.pause() == pytest.approx(0.9995)


def test_budget_retries_retryable_codes_after_their_hint() -> None:
    budget = RetryBudget(RetryPolicy(retry_for=1.0), now=0.0)
    full = OutOfMemory(ErrorCode.OUT_OF_MEMORY, "", retry_after=0.1)
    assert budget.pause_after(full, 0.5) == pytest.approx(0.1)
    with pytest.raises(OutOfMemory):
        budget.pause_after(full, 0.95)


@pytest.mark.parametrize(
    "error",
    [
        pytest.param(InternalError(ErrorCode.INTERNAL_ERROR, ""), id="internal"),
        pytest.param(ConnectionLost("a:1", "reset", unconfirmed=1), id="lost"),
    ],
)
def test_budget_never_retries_what_may_have_been_accepted(error: QuicxError) -> None:
    with pytest.raises(type(error)):
        RetryBudget(RetryPolicy(), now=0.0).pause_after(error, 0.0)


def test_budget_backs_off_while_unreachable() -> None:
    policy = RetryPolicy(retry_for=10.0, backoff_base=0.1, backoff_cap=0.4)
    budget = RetryBudget(policy, now=0.0)
    pauses = [
        budget.pause_after(Unreachable(("a:1",), "refused"), 0.0) for _ in range(4)
    ]
    assert all(0.05 <= pause <= 0.4 for pause in pauses)
    assert pauses[3] >= pauses[0]


def test_draining_daemons_are_left_at_once_until_all_were_tried() -> None:
    budget = RetryBudget(RetryPolicy(), now=0.0, addresses=3)
    drain = ShuttingDown(ErrorCode.SHUTTING_DOWN, "", retry_after=1.0)
    assert budget.next_try(drain, 0.0) == (0.0, True)
    assert budget.next_try(drain, 0.0) == (0.0, True)
    assert budget.next_try(drain, 0.0) == (1.0, True)
    single = RetryBudget(RetryPolicy(), now=0.0)
    assert single.next_try(drain, 0.0) == (1.0, False)


@pytest.mark.parametrize("code", list(ErrorCode))
def test_every_code_maps_to_a_server_error_carrying_it(code: ErrorCode) -> None:
    retry_after_ms = 100 if code in RETRYABLE else 0
    frame = Error(code=code, retry_after_ms=retry_after_ms, task_id=3, message="m")
    error = server_error(frame)
    assert isinstance(error, ServerError)
    assert error.code is code
    assert error.task_id == 3
    assert isinstance(error, RetryableError) == (code in RETRYABLE)
    assert error.retry_after == retry_after_ms / 1000


RETRYABLE = {
    ErrorCode.OUT_OF_MEMORY,
    ErrorCode.QUEUE_FULL,
    ErrorCode.SHUTTING_DOWN,
    ErrorCode.JOURNAL_UNAVAILABLE,
}


def test_closing_codes_are_those_of_the_spec() -> None:
    assert {code.name for code in CLOSING_CODES} == {
        "MALFORMED_FRAME",
        "UNSUPPORTED_VERSION",
        "UNKNOWN_MESSAGE_TYPE",
        "FRAME_TOO_LARGE",
        "NOT_ALLOWED_FOR_ROLE",
        "HEARTBEAT_TIMEOUT",
    }


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("127.0.0.1:7878", ("127.0.0.1", 7878)),
        ("example.org:1", ("example.org", 1)),
        ("example.org", ("example.org", 7878)),
        ("[::1]:9000", ("::1", 9000)),
        ("::1", ("::1", 7878)),
        (":9", ("127.0.0.1", 9)),
    ],
)
def test_addresses_are_split(text: str, expected: tuple[str, int]) -> None:
    assert split_address(text) == expected


@pytest.mark.parametrize("text", ["host:0", "host:65536", "host:http"])
def test_bad_ports_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match="port"):
        split_address(text)


def test_one_or_several_addresses() -> None:
    assert addresses_of("a:1") == ("a:1",)
    assert addresses_of(["a:1", "b:2"]) == ("a:1", "b:2")
    with pytest.raises(ValueError, match="at least one"):
        addresses_of([])


def test_public_names_are_exported_with_their_public_module() -> None:
    expected = {
        "Producer",
        "Worker",
        "Monitor",
        "AsyncProducer",
        "AsyncWorker",
        "AsyncMonitor",
        "Task",
        "QuicxError",
        "ServerError",
        "ConnectionLost",
        "PermanentError",
    }
    assert expected <= set(quicx_client.__all__)
    for name in quicx_client.__all__:
        value = getattr(quicx_client, name)
        if isinstance(value, type):
            assert value.__module__ == "quicx_client", name
