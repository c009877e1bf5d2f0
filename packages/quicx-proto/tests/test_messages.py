"""Message classes: frozen, keyword-only, and valid from construction on."""

from __future__ import annotations

import dataclasses
import re
from typing import Any

import pytest
from codec_check import assert_roundtrip
from quicx_proto import (
    Done,
    Error,
    ErrorCode,
    Failed,
    Ok,
    Percentiles,
    Ready,
    StatsReply,
    Submit,
    Task,
)


def submit(**changes: Any) -> Submit:
    fields: dict[str, Any] = {
        "priority": 0,
        "delay_ms": 0,
        "ttr_ms": 0,
        "max_attempts": 0,
        "queue": "q",
        "payload": b"",
    }
    return Submit(**(fields | changes))


def test_frozen_slotted_keyword_only() -> None:
    message = Ok(task_id=1)
    with pytest.raises(dataclasses.FrozenInstanceError):
        message.task_id = 2  # type: ignore[misc]
    assert not hasattr(message, "__dict__")
    with pytest.raises(TypeError):
        Ok(1)  # type: ignore[call-arg]


@pytest.mark.parametrize(
    ("field", "largest"),
    [("priority", 2**32 - 1), ("max_attempts", 2**16 - 1)],
)
def test_integer_range(field: str, largest: int) -> None:
    assert_roundtrip(submit(**{field: largest}))
    with pytest.raises(ValueError, match=re.escape(f"Submit.{field}")):
        submit(**{field: largest + 1})
    with pytest.raises(ValueError, match=re.escape(f"Submit.{field}")):
        submit(**{field: -1})


def test_u64_range() -> None:
    assert_roundtrip(Ok(task_id=2**64 - 1))
    with pytest.raises(ValueError, match=re.escape("Ok.task_id")):
        Ok(task_id=2**64)


@pytest.mark.parametrize("value", ["1", 1.0, None, True])
def test_integer_type(value: object) -> None:
    with pytest.raises(TypeError, match=re.escape("Submit.priority")):
        submit(priority=value)


def test_str1_limit_counts_utf8_bytes() -> None:
    assert_roundtrip(submit(queue="a" * 255))
    assert_roundtrip(submit(queue="é" * 127 + "a"))  # 255 bytes
    assert_roundtrip(submit(queue=""))  # empty is the daemon's to refuse
    with pytest.raises(ValueError, match=re.escape("Submit.queue")):
        submit(queue="a" * 256)
    with pytest.raises(ValueError, match=re.escape("Submit.queue")):
        submit(queue="é" * 128)  # 128 characters, 256 bytes


def test_str2_limit() -> None:
    reason = "€" * 21845  # 65535 bytes
    assert_roundtrip(Failed(task_id=1, retry=False, reason=reason))
    with pytest.raises(ValueError, match=re.escape("Failed.reason")):
        Failed(task_id=1, retry=False, reason=reason + "a")


def test_text_must_be_encodable() -> None:
    with pytest.raises(ValueError, match="UTF-8"):
        submit(queue="\ud800")
    with pytest.raises(TypeError, match=re.escape("Submit.queue")):
        submit(queue=b"q")


def test_blob_type() -> None:
    assert_roundtrip(Done(task_id=1, result=b"\x00" * 70000))
    with pytest.raises(TypeError, match=re.escape("Done.result")):
        Done(task_id=1, result=bytearray(b"r"))  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=re.escape("Task.payload")):
        Task(task_id=1, attempt=1, ttr_ms=1, queue="q", payload="p")  # type: ignore[arg-type]


def test_enum_and_bool_fields() -> None:
    with pytest.raises(TypeError, match=re.escape("Error.code")):
        Error(code=9, retry_after_ms=0, task_id=0, message="")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=re.escape("Failed.retry")):
        Failed(task_id=1, retry=1, reason="")  # type: ignore[arg-type]
    error = Error(
        code=ErrorCode.SHUTTING_DOWN, retry_after_ms=1000, task_id=0, message=""
    )
    assert_roundtrip(error)


def test_repeated_fields() -> None:
    names = tuple(f"q{i}" for i in range(255))
    assert_roundtrip(Ready(credit=1, queues=names))
    assert_roundtrip(Ready(credit=1, queues=()))  # zero is the daemon's to refuse
    with pytest.raises(ValueError, match=re.escape("Ready.queues")):
        Ready(credit=1, queues=(*names, "one more"))
    with pytest.raises(TypeError, match=re.escape("Ready.queues")):
        Ready(credit=1, queues=["a"])  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=re.escape("Ready.queues item")):
        Ready(credit=1, queues=("a" * 256,))


def test_nested_records_are_checked() -> None:
    zeros: dict[str, Any] = {f.name: 0 for f in dataclasses.fields(StatsReply)}
    with pytest.raises(TypeError, match=re.escape("StatsReply.wait_time")):
        StatsReply(**zeros | {"size_classes": (), "queues": ()})
    percentiles = Percentiles(
        count=0, p50_us=0, p90_us=0, p99_us=0, p999_us=0, max_us=0
    )
    wrong_items = {
        "wait_time": percentiles,
        "run_time": percentiles,
        "size_classes": (percentiles,),
        "queues": (),
    }
    with pytest.raises(TypeError, match=re.escape("StatsReply.size_classes item")):
        StatsReply(**zeros | wrong_items)


def test_field_order_follows_the_spec() -> None:
    names = [f.name for f in dataclasses.fields(StatsReply)]
    assert names[:3] == ["node_id", "uptime_ms", "total_submitted"]
    assert names[-2:] == ["size_classes", "queues"]
    assert [f.name for f in dataclasses.fields(Error)] == [
        "code",
        "retry_after_ms",
        "task_id",
        "message",
    ]
