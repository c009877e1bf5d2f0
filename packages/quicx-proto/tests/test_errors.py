"""Bad input always gives a ProtocolError with the spec's code, nothing else."""

from __future__ import annotations

import pickle

import pytest
from codec_check import msg_type_of
from hypothesis import given
from hypothesis import strategies as st
from message_examples import EXAMPLES
from quicx_proto import (
    HEADER_SIZE,
    Done,
    ErrorCode,
    FrameDecoder,
    Message,
    MsgType,
    ProtocolError,
    Submit,
    encode,
)
from quicx_proto._codec import COMPILED, INTERPRETED
from strategies import NO_DEADLINE

EXAMPLE_IDS = [type(m).__name__ for m in EXAMPLES]


def outcome(data: bytes, max_frame_size: int = 1 << 20) -> list[Message] | ErrorCode:
    """Feed ``data`` as a whole stream: its messages, or the error's code."""
    decoder = FrameDecoder(max_frame_size)
    try:
        messages = decoder.feed(data)
        decoder.end()
    except ProtocolError as exc:
        return exc.code
    return messages


def with_header(frame: bytes, **changes: int) -> bytes:
    """``frame`` with header bytes replaced, by name."""
    header = bytearray(frame[:HEADER_SIZE])
    if "version" in changes:
        header[2] = changes["version"]
    if "msg_type" in changes:
        header[3] = changes["msg_type"]
    if "len_body" in changes:
        header[4:8] = changes["len_body"].to_bytes(4, "big")
    return bytes(header) + frame[HEADER_SIZE:]


@pytest.mark.parametrize("message", EXAMPLES, ids=EXAMPLE_IDS)
def test_every_corrupted_header_byte(message: Message) -> None:
    frame = encode(message)
    body_size = len(frame) - HEADER_SIZE
    limit = 1 << 20
    for position in range(HEADER_SIZE):
        for value in range(256):
            if value == frame[position]:
                continue
            corrupted = frame[:position] + bytes([value]) + frame[position + 1 :]
            result = outcome(corrupted, limit)
            size = int.from_bytes(corrupted[4:8], "big")
            if position < 2:
                assert result == ErrorCode.MALFORMED_FRAME
            elif position == 2:
                assert result == ErrorCode.UNSUPPORTED_VERSION
            elif position == 3 and value not in MsgType.__members__.values():
                assert result == ErrorCode.UNKNOWN_MESSAGE_TYPE
            elif position == 3:
                # Another valid type: its layout may or may not fit this body.
                assert result == ErrorCode.MALFORMED_FRAME or (
                    isinstance(result, list)
                    and [msg_type_of(m) for m in result] == [value]
                )
            elif size > limit:
                assert result == ErrorCode.FRAME_TOO_LARGE
            else:
                # Shorter: the body is cut; longer: the stream ends inside it.
                assert size != body_size
                assert result == ErrorCode.MALFORMED_FRAME


@pytest.mark.parametrize("message", EXAMPLES, ids=EXAMPLE_IDS)
def test_every_truncation(message: Message) -> None:
    frame = encode(message)
    for end in range(len(frame)):
        decoder = FrameDecoder()
        assert decoder.feed(frame[:end]) == []
        if end == 0:
            decoder.end()
            continue
        with pytest.raises(ProtocolError) as caught:
            decoder.end()
        assert caught.value.code == ErrorCode.MALFORMED_FRAME


@pytest.mark.parametrize("message", EXAMPLES, ids=EXAMPLE_IDS)
def test_every_shortened_body(message: Message) -> None:
    """A body cut short, with a header that agrees, is malformed."""
    frame = encode(message)
    for size in range(len(frame) - HEADER_SIZE):
        cut = with_header(frame, len_body=size)[: HEADER_SIZE + size]
        assert outcome(cut) == ErrorCode.MALFORMED_FRAME


@pytest.mark.parametrize("message", EXAMPLES, ids=EXAMPLE_IDS)
def test_trailing_bytes_in_body(message: Message) -> None:
    frame = encode(message)
    longer = with_header(frame, len_body=len(frame) - HEADER_SIZE + 1) + b"\x00"
    assert outcome(longer) == ErrorCode.MALFORMED_FRAME
    for codec in (COMPILED, INTERPRETED):
        with pytest.raises(ProtocolError) as caught:
            codec.decode_frame(longer)
        assert caught.value.code == ErrorCode.MALFORMED_FRAME


def test_length_above_limit_is_refused_from_the_header_alone() -> None:
    frame = encode(Done(task_id=1, result=b"x" * 100))
    decoder = FrameDecoder(max_frame_size=50)
    with pytest.raises(ProtocolError) as caught:
        decoder.feed(frame[:HEADER_SIZE])
    assert caught.value.code == ErrorCode.FRAME_TOO_LARGE
    assert caught.value.path == "header.len_body"


def test_length_at_limit_is_accepted() -> None:
    frame = encode(Done(task_id=1, result=b"x" * 100))
    size = len(frame) - HEADER_SIZE
    assert FrameDecoder(max_frame_size=size).feed(frame) == [
        Done(task_id=1, result=b"x" * 100)
    ]
    assert outcome(frame, max_frame_size=size - 1) == ErrorCode.FRAME_TOO_LARGE


def test_inner_length_past_the_body_is_malformed() -> None:
    frame = bytearray(
        encode(
            Submit(
                priority=0,
                delay_ms=0,
                ttr_ms=0,
                max_attempts=0,
                queue="q",
                payload=b"p",
            )
        )
    )
    queue_length = HEADER_SIZE + 14
    assert frame[queue_length] == 1
    frame[queue_length] = 255
    assert outcome(bytes(frame)) == ErrorCode.MALFORMED_FRAME
    frame[queue_length] = 1
    frame[-5:-1] = (0xFFFFFFFF).to_bytes(4, "big")  # payload length
    assert outcome(bytes(frame)) == ErrorCode.MALFORMED_FRAME


def test_invalid_utf8_is_malformed_with_its_path() -> None:
    frame = bytearray(
        encode(
            Submit(
                priority=0, delay_ms=0, ttr_ms=0, max_attempts=0, queue="é", payload=b""
            )
        )
    )
    frame[HEADER_SIZE + 15] = 0xFF  # first byte of "é"
    for codec in (COMPILED, INTERPRETED):
        with pytest.raises(ProtocolError) as caught:
            codec.decode_frame(bytes(frame))
        assert caught.value.code == ErrorCode.MALFORMED_FRAME
        assert caught.value.path == "submit.queue"
        assert "UTF-8" in str(caught.value)


def test_unknown_error_code_is_malformed() -> None:
    body = b"\x00\x10" + bytes(12) + b"\x00\x00"  # code 16 is not in the spec
    frame = b"QX\x01\x03" + len(body).to_bytes(4, "big") + body
    with pytest.raises(ProtocolError) as caught:
        COMPILED.decode_frame(frame)
    assert caught.value.code == ErrorCode.MALFORMED_FRAME
    assert caught.value.path == "error.code"


@pytest.mark.parametrize("value", [2, 255])
def test_failed_retry_above_one_is_malformed(value: int) -> None:
    body = bytes(8) + bytes([value]) + b"\x00\x00"
    frame = b"QX\x01\x09" + len(body).to_bytes(4, "big") + body
    assert outcome(frame) == ErrorCode.MALFORMED_FRAME


def test_header_errors_name_their_field() -> None:
    frame = encode(Done(task_id=1, result=b""))
    cases = {
        b"Qy": ("header.magic", ErrorCode.MALFORMED_FRAME),
    }
    for magic, (path, code) in cases.items():
        with pytest.raises(ProtocolError) as caught:
            FrameDecoder().feed(magic + frame[2:])
        assert (caught.value.path, caught.value.code) == (path, code)
    with pytest.raises(ProtocolError) as caught:
        FrameDecoder().feed(with_header(frame, version=2))
    assert caught.value.path == "header.version"
    with pytest.raises(ProtocolError) as caught:
        FrameDecoder().feed(with_header(frame, msg_type=0))
    assert caught.value.path == "header.msg_type"


def test_error_is_sticky() -> None:
    decoder = FrameDecoder()
    good = encode(Done(task_id=1, result=b""))
    with pytest.raises(ProtocolError):
        decoder.feed(b"XX" + good[2:])
    for attempt in (good, b""):
        with pytest.raises(ProtocolError) as caught:
            decoder.feed(attempt)
        assert caught.value.code == ErrorCode.MALFORMED_FRAME
    with pytest.raises(ProtocolError):
        decoder.end()


def test_frames_before_a_bad_one_travel_in_the_error() -> None:
    first, second = Done(task_id=1, result=b"a"), Done(task_id=2, result=b"")
    bad = b"XX" + encode(first)[2:]
    decoder = FrameDecoder()
    with pytest.raises(ProtocolError) as caught:
        decoder.feed(encode(first) + encode(second) + bad)
    assert caught.value.code == ErrorCode.MALFORMED_FRAME
    assert caught.value.messages == (first, second)
    with pytest.raises(ProtocolError) as again:
        decoder.feed(b"")
    assert again.value.messages == ()
    restored = pickle.loads(pickle.dumps(caught.value))
    assert restored.messages == (first, second)


@NO_DEADLINE
@given(st.binary(max_size=200), st.sampled_from(EXAMPLES))
def test_corrupted_body_gives_a_message_or_malformed(
    noise: bytes, message: Message
) -> None:
    """Any body under a valid header: a message of that type, or malformed."""
    frame = encode(message)
    header = with_header(frame, len_body=len(noise))[:HEADER_SIZE]
    result = outcome(header + noise)
    if isinstance(result, ErrorCode):
        assert result == ErrorCode.MALFORMED_FRAME
    else:
        assert [type(m) for m in result] == [type(message)]
        assert encode(result[0]) == header + noise


def test_protocol_error_survives_pickling() -> None:
    error = ProtocolError(ErrorCode.UNKNOWN_MESSAGE_TYPE, "type 99", path="header")
    copy = pickle.loads(pickle.dumps(error))
    assert (copy.code, str(copy), copy.path) == (error.code, str(error), error.path)
    assert "UNKNOWN_MESSAGE_TYPE" in repr(copy)
