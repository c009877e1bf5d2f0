"""FrameDecoder: any chunking of a stream gives the same messages."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from message_examples import EXAMPLES
from quicx_proto import (
    DEFAULT_MAX_FRAME,
    HEADER_SIZE,
    Done,
    FrameDecoder,
    Message,
    encode,
)
from strategies import NO_DEADLINE, messages

STREAM = b"".join(encode(m) for m in EXAMPLES)


def test_whole_stream() -> None:
    assert FrameDecoder().feed(STREAM) == list(EXAMPLES)


def test_one_byte_at_a_time() -> None:
    decoder = FrameDecoder()
    received: list[Message] = []
    for index in range(len(STREAM)):
        received += decoder.feed(STREAM[index : index + 1])
    assert received == list(EXAMPLES)
    assert decoder.buffered == 0
    decoder.end()


@NO_DEADLINE
@given(st.lists(messages(), max_size=8), st.data())
def test_any_chunking(sent: list[Message], data: st.DataObject) -> None:
    stream = b"".join(encode(m) for m in sent)
    cuts = sorted(data.draw(st.lists(st.integers(0, len(stream)), max_size=10)))
    decoder = FrameDecoder()
    received: list[Message] = []
    for start, end in zip([0, *cuts], [*cuts, len(stream)], strict=True):
        received += decoder.feed(stream[start:end])
    assert received == sent
    assert decoder.buffered == 0


def test_messages_come_out_as_soon_as_complete() -> None:
    first, second = encode(EXAMPLES[0]), encode(EXAMPLES[1])
    decoder = FrameDecoder()
    assert decoder.feed(first + second[:3]) == [EXAMPLES[0]]
    assert decoder.buffered == 3
    assert decoder.feed(second[3:]) == [EXAMPLES[1]]
    assert decoder.buffered == 0


def test_large_frame_in_pieces() -> None:
    message = Done(task_id=9, result=bytes(range(256)) * 4096)
    frame = encode(message)
    decoder = FrameDecoder()
    pieces = [frame[i : i + 65536] for i in range(0, len(frame), 65536)]
    received = [m for piece in pieces for m in decoder.feed(piece)]
    assert received == [message]


def test_default_limit_and_bad_limit() -> None:
    assert DEFAULT_MAX_FRAME == 16 * 1024 * 1024
    header_only = FrameDecoder(max_frame_size=0)
    assert header_only.feed(encode(EXAMPLES[5])) == [EXAMPLES[5]]  # WAIT: empty
    with pytest.raises(ValueError, match="max_frame_size"):
        FrameDecoder(max_frame_size=-1)


def test_partial_header_is_buffered() -> None:
    decoder = FrameDecoder()
    assert decoder.feed(STREAM[: HEADER_SIZE - 1]) == []
    assert decoder.buffered == HEADER_SIZE - 1
