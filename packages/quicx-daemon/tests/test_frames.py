"""The hot-path frames: written byte for byte as encode() writes them, read
as the decoder reads them."""

from __future__ import annotations

import hypothesis.strategies as st
import pytest
from hypothesis import given
from quicx_daemon._frames import (
    WAIT_FRAME,
    DoneFields,
    SubmitFields,
    read_dones,
    read_submits,
    write_ok,
    write_task,
)
from quicx_proto import Done, FrameDecoder, Ok, Submit, Task, Wait, encode


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


_SUBMITS = st.builds(
    Submit,
    priority=st.integers(0, 2**32 - 1),
    delay_ms=st.integers(0, 2**32 - 1),
    ttr_ms=st.integers(0, 2**32 - 1),
    max_attempts=st.integers(0, 2**16 - 1),
    queue=st.text(max_size=20).filter(lambda q: len(q.encode()) <= 255),
    payload=st.binary(max_size=300),
)
_DONES = st.builds(
    Done, task_id=st.integers(0, 2**64 - 1), result=st.binary(max_size=50)
)


@given(st.lists(_SUBMITS, max_size=4))
def test_read_submits_reads_what_encode_wrote(submits: list[Submit]) -> None:
    data = b"".join(encode(s) for s in submits)
    fields, read = read_submits(data, 1 << 20)
    assert read == len(data)
    assert [Submit(**f._asdict()) for f in fields] == submits


@given(st.lists(_DONES, max_size=4))
def test_read_dones_reads_what_encode_wrote(dones: list[Done]) -> None:
    data = b"".join(encode(d) for d in dones)
    fields, read = read_dones(data, 1 << 20)
    assert read == len(data)
    assert [Done(**f._asdict()) for f in fields] == dones


@given(
    st.lists(st.one_of(_SUBMITS, _DONES), min_size=1, max_size=3),
    st.data(),
)
def test_hot_readers_stop_where_the_decoder_would_differ(
    messages: list[Submit | Done], data: st.DataObject
) -> None:
    """Whatever the bytes, a hot reader reads a prefix of whole frames that
    the decoder reads the same, and leaves the rest for the decoder."""
    stream = bytearray(b"".join(encode(m) for m in messages))
    for _ in range(data.draw(st.integers(0, 3))):
        at = data.draw(st.integers(0, len(stream) - 1))
        stream[at] = data.draw(st.integers(0, 255))
    cut = data.draw(st.integers(0, len(stream)))
    chunk = bytes(stream[:cut])
    max_body = data.draw(st.sampled_from([40, 1 << 20]))
    for reader, kind in ((read_submits, Submit), (read_dones, Done)):
        fields, read = reader(chunk, max_body)
        decoder = FrameDecoder(max_body)
        decoded = decoder.feed(chunk[:read])
        assert decoder.buffered == 0
        assert decoded == [kind(**f._asdict()) for f in fields]


def test_hot_readers_stop_at_a_frame_of_another_type() -> None:
    submit = Submit(
        priority=0, delay_ms=0, ttr_ms=0, max_attempts=0, queue="q", payload=b"p"
    )
    done = Done(task_id=3, result=b"")
    data = encode(submit) + encode(done) + encode(submit)
    fields, read = read_submits(data, 1 << 20)
    assert (fields, read) == (
        [SubmitFields(0, 0, 0, 0, "q", b"p")],
        len(encode(submit)),
    )
    assert read_dones(data, 1 << 20) == ([], 0)
    assert read_dones(encode(done) + data[:5], 1 << 20) == (
        [DoneFields(3, b"")],
        len(encode(done)),
    )


def test_hot_readers_leave_a_frame_above_the_limit_to_the_decoder() -> None:
    done = encode(Done(task_id=3, result=b"r" * 100))
    assert read_dones(done, 99) == ([], 0)
    assert read_dones(done, 112) == ([DoneFields(3, b"r" * 100)], len(done))
