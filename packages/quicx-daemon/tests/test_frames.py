"""The hot-path frames are byte for byte what encode() gives."""

from __future__ import annotations

import pytest
from quicx_daemon._frames import WAIT_FRAME, write_ok, write_task
from quicx_proto import FrameDecoder, Ok, Task, Wait, encode


@pytest.mark.parametrize(
    ("queue", "payload"),
    [
        pytest.param("q", b"payload", id="plain"),
        pytest.param("naïve ✓", b"", id="utf8-empty"),
        pytest.param("x" * 255, bytes(range(256)) * 40, id="longest-name"),
    ],
)
def test_write_task_matches_encode(queue: str, payload: bytes) -> None:
    task = Task(
        task_id=(7 << 48) | 99, attempt=3, ttr_ms=60_000, queue=queue, payload=payload
    )
    out = bytearray(b"before")
    write_task(out, task.task_id, 3, 60_000, queue, memoryview(bytearray(payload)))
    assert bytes(out) == b"before" + encode(task)
    assert FrameDecoder().feed(bytes(out[6:])) == [task]


def test_write_ok_and_wait_match_encode() -> None:
    out = bytearray()
    write_ok(out, (1 << 48) | 5)
    assert bytes(out) == encode(Ok(task_id=(1 << 48) | 5))
    assert encode(Wait()) == WAIT_FRAME
