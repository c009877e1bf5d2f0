"""Cross-check of quicx-proto against the Kaitai reference decoder.

tests/reference/quicx_frame.py is compiled from spec/quicx.ksy by the official
Kaitai Struct compiler (spec/kaitai/compile.mjs), independently of the construct
codecs quicx-proto generates from the same file. Hypothesis builds messages of
every type, ``quicx_proto.encode`` writes them, and the reference decoder must
read back every field. Which fields a body has, and which length and count
prefixes go with them, is read from the .ksy itself, so a field the codec drops
or reorders fails here even when quicx-proto's own round trip passes. That
comparison lives in tests/support/reference_decoder.py, shared with the
conformance suite.

Frames with a bad header or a body that breaks its layout must be refused by
both decoders. The reference decoder is laxer in one place, so verdicts are not
compared there: it accepts bytes after a body's last field (Kaitai does not
check that a sized body is used up), which quicx-proto refuses.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from kaitaistruct import (
    EndOfStreamError,
    ValidationGreaterThanError,
    ValidationNotEqualError,
    ValidationNotInEnumError,
)
from quicx_proto import (
    HEADER_SIZE,
    PROTOCOL_VERSION,
    Done,
    Error,
    ErrorCode,
    Failed,
    FrameDecoder,
    Heartbeat,
    Message,
    MsgType,
    Ok,
    Peers,
    Percentiles,
    Pong,
    ProtocolError,
    QueueStats,
    Ready,
    SizeClassStats,
    StatsReply,
    StatsRequest,
    Submit,
    Task,
    Touch,
    Wait,
    encode,
)
from support.reference_decoder import (
    BODY_TYPES,
    body_type,
    check_frame,
    read_reference,
)

EXAMPLES_PER_TYPE = 300


# Strategies: every field over its whole wire range, sizes kept small so the
# thousands of examples run in seconds; the largest sizes are in _limits().


def _uint(bits: int) -> st.SearchStrategy[int]:
    return st.integers(min_value=0, max_value=2**bits - 1)


U1, U2, U4, U8 = _uint(8), _uint(16), _uint(32), _uint(64)
# 63 code points are at most 252 bytes of UTF-8, inside str1's 255.
STR1 = st.text(max_size=63)
STR2 = st.text(max_size=300)
BLOB = st.binary(max_size=300)

PERCENTILES = st.builds(
    Percentiles,
    count=U8,
    p50_us=U8,
    p90_us=U8,
    p99_us=U8,
    p999_us=U8,
    max_us=U8,
)
QUEUE_STATS = st.builds(
    QueueStats,
    name=STR1,
    depth=U4,
    delayed=U4,
    in_flight=U4,
    dead=U4,
    oldest_age_ms=U8,
)
SIZE_CLASS_STATS = st.builds(
    SizeClassStats, class_size=U4, slabs=U4, live_blocks=U4, free_blocks=U4
)
STATS_REPLY = st.builds(
    StatsReply,
    node_id=U2,
    uptime_ms=U8,
    total_submitted=U8,
    total_completed=U8,
    total_failed=U8,
    total_retried=U8,
    total_dead=U8,
    total_lost_leases=U8,
    current_producers=U4,
    current_workers=U4,
    current_monitors=U4,
    wait_time=PERCENTILES,
    run_time=PERCENTILES,
    arena_capacity=U8,
    arena_used=U8,
    journal_bytes=U8,
    journal_live_ppm=U4,
    size_classes=st.lists(SIZE_CLASS_STATS, max_size=6).map(tuple),
    queues=st.lists(QUEUE_STATS, max_size=6).map(tuple),
)

MESSAGES: dict[MsgType, st.SearchStrategy[Message]] = {
    MsgType.SUBMIT: st.builds(
        Submit,
        priority=U4,
        delay_ms=U4,
        ttr_ms=U4,
        max_attempts=U2,
        queue=STR1,
        payload=BLOB,
    ),
    MsgType.OK: st.builds(Ok, task_id=U8),
    MsgType.ERROR: st.builds(
        Error,
        code=st.sampled_from(ErrorCode),
        retry_after_ms=U4,
        task_id=U8,
        message=STR2,
    ),
    MsgType.READY: st.builds(
        Ready, credit=U4, queues=st.lists(STR1, max_size=8).map(tuple)
    ),
    MsgType.TASK: st.builds(
        Task, task_id=U8, attempt=U2, ttr_ms=U4, queue=STR1, payload=BLOB
    ),
    MsgType.WAIT: st.builds(Wait),
    MsgType.TOUCH: st.builds(Touch, task_id=U8),
    MsgType.DONE: st.builds(Done, task_id=U8, result=BLOB),
    MsgType.FAILED: st.builds(Failed, task_id=U8, retry=st.booleans(), reason=STR2),
    MsgType.HEARTBEAT: st.builds(Heartbeat, token=U8),
    MsgType.PONG: st.builds(Pong, token=U8),
    MsgType.STATS_REQUEST: st.builds(StatsRequest),
    MsgType.STATS_REPLY: STATS_REPLY,
    MsgType.PEERS: st.builds(Peers, addresses=st.lists(STR1, max_size=8).map(tuple)),
}
ANY_MESSAGE = st.sampled_from(list(MsgType)).flatmap(lambda t: MESSAGES[t])


def with_header_byte(frame: bytes, index: int, value: int) -> bytes:
    """`frame` with header byte `index` replaced by `value`."""
    return frame[:index] + bytes([value]) + frame[index + 1 :]


def decoder_refusal(frame: bytes) -> ErrorCode:
    """The code quicx-proto's decoder refuses `frame` with; fails if it accepts."""
    with pytest.raises(ProtocolError) as refused:
        FrameDecoder().feed(frame)
    return refused.value.code


# The tests.


def test_every_message_type_is_generated() -> None:
    assert set(MESSAGES) == set(MsgType)
    assert {body_type(msg_type) for msg_type in MsgType} == set(BODY_TYPES.values())


@pytest.mark.parametrize("msg_type", list(MsgType), ids=lambda t: t.name.lower())
@settings(max_examples=EXAMPLES_PER_TYPE, deadline=None)
@given(data=st.data())
def test_reference_reads_what_encode_writes(
    msg_type: MsgType, data: st.DataObject
) -> None:
    message = data.draw(MESSAGES[msg_type], label="message")
    frame = encode(message)

    check_frame(msg_type, message, frame)
    assert FrameDecoder().feed(frame) == [message]


def _limits() -> list[Any]:
    queue = "é" * 127 + "q"  # 255 bytes of UTF-8
    size_class = SizeClassStats(class_size=64, slabs=1, live_blocks=2, free_blocks=3)
    queue_stats = QueueStats(
        name=queue, depth=1, delayed=2, in_flight=3, dead=4, oldest_age_ms=5
    )
    percentiles = Percentiles(
        count=2**64 - 1, p50_us=1, p90_us=2, p99_us=3, p999_us=4, max_us=2**64 - 1
    )
    stats = StatsReply(
        node_id=2**16 - 1,
        uptime_ms=2**64 - 1,
        total_submitted=2**64 - 1,
        total_completed=0,
        total_failed=0,
        total_retried=0,
        total_dead=0,
        total_lost_leases=0,
        current_producers=2**32 - 1,
        current_workers=0,
        current_monitors=0,
        wait_time=percentiles,
        run_time=percentiles,
        arena_capacity=2**64 - 1,
        arena_used=0,
        journal_bytes=0,
        journal_live_ppm=1_000_000,
        size_classes=(size_class,) * 255,
        queues=(queue_stats,) * 300,
    )
    cases: list[tuple[str, MsgType, Message]] = [
        (
            "submit-longest-queue-empty-payload",
            MsgType.SUBMIT,
            Submit(
                priority=2**32 - 1,
                delay_ms=0,
                ttr_ms=2**32 - 1,
                max_attempts=2**16 - 1,
                queue=queue,
                payload=b"",
            ),
        ),
        ("ready-255-queues", MsgType.READY, Ready(credit=0, queues=(queue,) * 255)),
        (
            "error-longest-message",
            MsgType.ERROR,
            Error(
                code=ErrorCode.JOURNAL_UNAVAILABLE,
                retry_after_ms=2**32 - 1,
                task_id=2**64 - 1,
                message="x" * (2**16 - 1),
            ),
        ),
        ("done-result-over-64k", MsgType.DONE, Done(task_id=1, result=b"\0" * 70_000)),
        ("stats-255-classes-300-queues", MsgType.STATS_REPLY, stats),
        ("peers-255-addresses", MsgType.PEERS, Peers(addresses=(queue,) * 255)),
    ]
    return [pytest.param(t, m, id=name) for name, t, m in cases]


@pytest.mark.parametrize(("msg_type", "message"), _limits())
def test_reference_reads_fields_at_their_limits(
    msg_type: MsgType, message: Message
) -> None:
    frame = encode(message)

    check_frame(msg_type, message, frame)
    assert FrameDecoder().feed(frame) == [message]


@settings(max_examples=100, deadline=None)
@given(message=ANY_MESSAGE, magic=st.binary(min_size=2, max_size=2))
def test_bad_magic_is_refused_by_both(message: Message, magic: bytes) -> None:
    assume(magic != b"QX")
    frame = magic + encode(message)[2:]

    with pytest.raises(ValidationNotEqualError):
        read_reference(frame)
    assert decoder_refusal(frame) == ErrorCode.MALFORMED_FRAME


@settings(max_examples=100, deadline=None)
@given(message=ANY_MESSAGE, version=U1.filter(lambda v: v != PROTOCOL_VERSION))
def test_other_version_is_refused_by_both(message: Message, version: int) -> None:
    frame = with_header_byte(encode(message), 2, version)

    with pytest.raises(ValidationNotEqualError):
        read_reference(frame)
    assert decoder_refusal(frame) == ErrorCode.UNSUPPORTED_VERSION


@settings(max_examples=100, deadline=None)
@given(
    message=ANY_MESSAGE,
    msg_type=U1.filter(lambda v: v not in {t.value for t in MsgType}),
)
def test_unknown_message_type_is_refused_by_both(
    message: Message, msg_type: int
) -> None:
    frame = with_header_byte(encode(message), 3, msg_type)

    with pytest.raises(ValidationNotInEnumError):
        read_reference(frame)
    assert decoder_refusal(frame) == ErrorCode.UNKNOWN_MESSAGE_TYPE


@settings(max_examples=100, deadline=None)
@given(message=MESSAGES[MsgType.FAILED], retry=st.integers(min_value=2, max_value=255))
def test_failed_retry_above_one_is_refused_by_both(
    message: Message, retry: int
) -> None:
    at = HEADER_SIZE + 8  # retry follows the u8 task_id
    frame = encode(message)
    frame = frame[:at] + bytes([retry]) + frame[at + 1 :]

    with pytest.raises(ValidationGreaterThanError):
        read_reference(frame)
    assert decoder_refusal(frame) == ErrorCode.MALFORMED_FRAME


@settings(max_examples=100, deadline=None)
@given(
    message=MESSAGES[MsgType.ERROR],
    code=st.integers(min_value=0, max_value=0xFFFF).filter(
        lambda value: value not in set(ErrorCode)
    ),
)
def test_unknown_error_code_is_refused_by_both(message: Message, code: int) -> None:
    at = HEADER_SIZE  # code is the first field of an ERROR body
    frame = encode(message)
    frame = frame[:at] + code.to_bytes(2, "big") + frame[at + 2 :]

    with pytest.raises(ValidationNotInEnumError):
        read_reference(frame)
    assert decoder_refusal(frame) == ErrorCode.MALFORMED_FRAME


@settings(max_examples=200, deadline=None)
@given(message=ANY_MESSAGE, data=st.data())
def test_short_body_is_refused_by_both(message: Message, data: st.DataObject) -> None:
    frame = encode(message)
    len_body = len(frame) - HEADER_SIZE
    assume(len_body > 0)
    cut = data.draw(st.integers(min_value=1, max_value=len_body), label="cut")
    short = len_body - cut
    frame = frame[:4] + short.to_bytes(4, "big") + frame[HEADER_SIZE:-cut]

    with pytest.raises(EndOfStreamError):
        read_reference(frame)
    assert decoder_refusal(frame) == ErrorCode.MALFORMED_FRAME
