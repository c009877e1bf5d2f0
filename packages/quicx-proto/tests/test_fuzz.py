"""The fuzz invariant: any bytes give messages, nothing yet, or ProtocolError."""

from __future__ import annotations

import io

from codec_check import decode_reference
from hypothesis import given
from hypothesis import strategies as st
from kaitaistruct import KaitaiStream
from message_examples import EXAMPLES
from quicx_proto import (
    ErrorCode,
    FrameDecoder,
    Message,
    MsgType,
    ProtocolError,
    encode,
)
from quicx_proto._codec import COMPILED, INTERPRETED, Codec
from reference.quicx_frame import QuicxFrame  # type: ignore[attr-defined]
from strategies import NO_DEADLINE

STREAM = b"".join(encode(m) for m in EXAMPLES)


def feed_all(chunks: list[bytes]) -> tuple[list[Message], ProtocolError | None]:
    """Feed ``chunks`` in order: the messages out, and the error if any."""
    decoder = FrameDecoder(max_frame_size=1 << 16)
    received: list[Message] = []
    try:
        for chunk in chunks:
            received += decoder.feed(chunk)
    except ProtocolError as exc:
        return received, exc
    return received, None


def check_invariant(data: bytes) -> None:
    whole, whole_error = feed_all([data])
    single, single_error = feed_all([data[i : i + 1] for i in range(len(data))])
    # One byte at a time sees every message before the bad frame; whole drops
    # the messages of the call that hit the error.
    if whole_error is None:
        assert single_error is None
        assert single == whole
    else:
        assert single_error is not None
        assert single_error.code == whole_error.code
        assert isinstance(whole_error.code, ErrorCode)
    for message in whole:
        # Whatever decodes re-encodes to a frame the reference parser agrees on.
        assert decode_reference(encode(message), message) == message


@NO_DEADLINE
@given(st.binary(max_size=300))
def test_arbitrary_bytes(data: bytes) -> None:
    check_invariant(data)


@NO_DEADLINE
@given(st.binary(min_size=4, max_size=300))
def test_arbitrary_bytes_after_a_valid_header_start(data: bytes) -> None:
    check_invariant(b"QX\x01" + data)


@NO_DEADLINE
@given(
    st.lists(
        st.tuples(st.integers(0, len(STREAM) - 1), st.integers(0, 255)), max_size=4
    )
)
def test_mutated_stream(flips: list[tuple[int, int]]) -> None:
    data = bytearray(STREAM)
    for position, value in flips:
        data[position] = value
    check_invariant(bytes(data))


@NO_DEADLINE
@given(st.sampled_from(EXAMPLES), st.binary(max_size=64))
def test_decoded_bodies_agree_with_the_reference(message: Message, body: bytes) -> None:
    """Where our codec accepts a body, the Kaitai reference reads the same."""
    header = encode(message)[:4] + len(body).to_bytes(4, "big")
    received, error = feed_all([header + body])
    if error is None:
        (decoded,) = received
        reference = QuicxFrame(KaitaiStream(io.BytesIO(header + body)))
        assert reference.header.len_body == len(body) == len(encode(decoded)) - 8
        assert decode_reference(header + body, decoded) == decoded
    else:
        assert error.code == ErrorCode.MALFORMED_FRAME


def decode_or_error(codec: Codec, msg_type: MsgType, body: bytes) -> object:
    try:
        return codec.decode_body(msg_type, body)
    except ProtocolError as exc:
        return (exc.code, exc.path)


@NO_DEADLINE
@given(st.sampled_from(MsgType), st.binary(max_size=120))
def test_compiled_and_interpreted_agree_on_any_body(
    msg_type: MsgType, body: bytes
) -> None:
    """Compiled code that skipped a check would accept what interpreted refuses."""
    compiled = decode_or_error(COMPILED, msg_type, body)
    assert compiled == decode_or_error(INTERPRETED, msg_type, body)
