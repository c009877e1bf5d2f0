"""The struct codecs against the construct codecs, which stay the reference.

The package decodes with the generated struct readers and falls back to
construct only when a reader refuses a body, so a reader must refuse exactly
what construct refuses and agree with it on everything else. The writers
must give construct's bytes.
"""

from __future__ import annotations

import struct
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from quicx_proto import (
    HEADER_SIZE,
    Message,
    MsgType,
    Ok,
    ProtocolError,
    StatsReply,
    Submit,
    Task,
    encode,
    encode_into,
    write_ok,
    write_submit,
    write_task,
)
from quicx_proto._codec import COMPILED
from quicx_proto._generated_structs import READERS, WRITERS
from quicx_proto._wire import read_body, read_header
from strategies import NO_DEADLINE, messages

FLAT_TYPES = [t for t in MsgType if t is not MsgType.STATS_REPLY]


def outcome(decode: Any, *args: Any) -> object:
    """What decoding gives: the message, or the error's code, path and text."""
    try:
        return decode(*args)
    except ProtocolError as error:
        return (error.code, error.path, str(error))


def struct_outcome(msg_type: MsgType, body: bytes) -> object:
    """The struct reader's message, or None when it refuses the body."""
    try:
        message: object = READERS[msg_type](memoryview(body))
    except (ValueError, struct.error):
        return None
    return message


def test_every_flat_message_has_a_reader_and_a_writer() -> None:
    assert set(READERS) == set(FLAT_TYPES)
    assert len(WRITERS) == len(FLAT_TYPES)
    assert StatsReply not in WRITERS


@NO_DEADLINE
@given(messages())
def test_writers_give_the_construct_bytes(message: Message) -> None:
    out = bytearray(b"kept")
    encode_into(message, out)
    assert out == b"kept" + COMPILED.encode(message)
    assert encode(message) == COMPILED.encode(message)


@NO_DEADLINE
@given(messages())
def test_readers_agree_with_construct_on_every_message(message: Message) -> None:
    frame = COMPILED.encode(message)
    msg_type, size = read_header(frame, 0)
    assert (msg_type, size) == COMPILED.decode_header(frame[:HEADER_SIZE])
    assert read_body(msg_type, memoryview(frame)[HEADER_SIZE:]) == message


@NO_DEADLINE
@given(st.sampled_from(FLAT_TYPES), st.binary(max_size=40))
def test_readers_refuse_what_construct_refuses(msg_type: MsgType, body: bytes) -> None:
    expected = outcome(COMPILED.decode_body, msg_type, body)
    fast = struct_outcome(msg_type, body)
    if isinstance(expected, tuple):
        assert fast is None
    else:
        assert fast == expected
    assert outcome(read_body, msg_type, memoryview(body)) == expected


@NO_DEADLINE
@given(
    messages(*(cls for cls in WRITERS if cls is not StatsReply)),
    st.data(),
)
def test_readers_refuse_damaged_bodies_as_construct_does(
    message: Message, data: st.DataObject
) -> None:
    body = bytearray(COMPILED.encode(message)[HEADER_SIZE:])
    damage = data.draw(st.sampled_from(["cut", "extend", "flip"]))
    if damage == "cut" and body:
        del body[data.draw(st.integers(0, len(body) - 1)) :]
    elif damage == "extend":
        body += data.draw(st.binary(min_size=1, max_size=4))
    elif body:
        at = data.draw(st.integers(0, len(body) - 1))
        body[at] = data.draw(st.integers(0, 255))
    msg_type = COMPILED.decode_header(encode(message)[:HEADER_SIZE])[0]
    expected = outcome(COMPILED.decode_body, msg_type, bytes(body))
    fast = struct_outcome(msg_type, bytes(body))
    assert fast == (None if isinstance(expected, tuple) else expected)


@NO_DEADLINE
@given(st.binary(min_size=HEADER_SIZE, max_size=HEADER_SIZE))
def test_the_header_reader_agrees_with_construct(header: bytes) -> None:
    expected = outcome(COMPILED.decode_header, header)
    assert outcome(read_header, memoryview(header), 0) == expected


@pytest.mark.parametrize("header", [b"QX\x01\x05", b"XQ\x01\x01", b"QX\x02\x01"])
def test_a_header_is_read_at_its_offset(header: bytes) -> None:
    data = b"pad" + header + bytes(4) + b"next"
    assert outcome(read_header, data, 3) == outcome(
        COMPILED.decode_header, header + bytes(4)
    )


def test_write_task_takes_the_payload_from_any_buffer() -> None:
    payload = bytearray(b"in the arena")
    out = bytearray()
    write_task(out, 7, 2, 60_000, "q", memoryview(payload)[3:])
    task = Task(task_id=7, attempt=2, ttr_ms=60_000, queue="q", payload=b"the arena")
    assert out == encode(task)


def test_write_ok_appends_an_ok_frame() -> None:
    out = bytearray(b"x")
    write_ok(out, 1 << 48 | 5)
    assert out[1:] == COMPILED.encode(Ok(task_id=1 << 48 | 5))


def test_write_submit_matches_the_compiled_codec() -> None:
    out = bytearray()
    write_submit(out, 3, 250, 60_000, 5, "mails", memoryview(b"xbody")[1:])
    submit = Submit(
        priority=3,
        delay_ms=250,
        ttr_ms=60_000,
        max_attempts=5,
        queue="mails",
        payload=b"body",
    )
    assert out == COMPILED.encode(submit)
