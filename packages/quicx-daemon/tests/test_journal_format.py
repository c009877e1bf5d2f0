"""Journal bytes: the hand-packed records against the generated codecs, and
the scan that tells a torn end from damage in the middle."""

from __future__ import annotations

import struct
import zlib

import pytest
from hypothesis import given
from hypothesis import strategies as st
from quicx_daemon._journal._format import (
    MAX_REASON,
    CorruptRecord,
    decode_body,
    decode_segment_header,
    encode_body,
    encode_segment_header,
    scan_segment,
    segment_name,
    segment_number,
    write_dead_lettered,
    write_dispatched,
    write_failed,
    write_record,
    write_requeued,
    write_submitted,
    write_task_event,
)
from quicx_daemon._journal._generated_messages import (
    HEADER_SIZE,
    SEGMENT_HEADER_SIZE,
    RecordBody,
    RecordType,
    SegmentKind,
    TaskDeadLettered,
    TaskDispatched,
    TaskDone,
    TaskEvicted,
    TaskFailed,
    TaskRequeued,
    TaskSubmitted,
    TaskTouched,
)

u2 = st.integers(0, 0xFFFF)
u4 = st.integers(0, 0xFFFF_FFFF)
u8 = st.integers(0, (1 << 64) - 1)
ids = st.integers(1, (1 << 64) - 1)
reasons = st.text(max_size=40)
queues = st.text(min_size=1, max_size=20).filter(lambda q: len(q.encode()) <= 255)


def generated(body: RecordBody) -> bytes:
    """The whole record as the generated codec writes it."""
    out = bytearray()
    write_record(out, *encode_body(body))
    return bytes(out)


@given(ids, u8, u8, u4, u4, u2, queues, st.binary(max_size=300))
def test_submitted_is_packed_as_the_spec_says(
    task_id: int,
    at: int,
    ready: int,
    priority: int,
    ttr: int,
    attempts: int,
    queue: str,
    payload: bytes,
) -> None:
    out = bytearray()
    size = write_submitted(
        out,
        task_id,
        at,
        ready,
        priority,
        ttr,
        attempts,
        queue.encode(),
        memoryview(payload),
    )
    body = TaskSubmitted(
        task_id=task_id,
        at_ms=at,
        ready_ms=ready,
        priority=priority,
        ttr_ms=ttr,
        max_attempts=attempts,
        queue=queue,
        payload=payload,
    )
    assert bytes(out) == generated(body)
    assert size == len(out)
    assert decode_body(RecordType.SUBMITTED, bytes(out[HEADER_SIZE:])) == body


@given(ids, u8, u2, st.booleans(), u8, reasons)
def test_event_records_are_packed_as_the_spec_says(
    task_id: int, at: int, count: int, retry: bool, ready: int, reason: str
) -> None:
    cases: list[tuple[bytearray, int, RecordBody]] = []
    plain: list[tuple[RecordType, RecordBody]] = [
        (RecordType.TOUCHED, TaskTouched(task_id=task_id, at_ms=at)),
        (RecordType.DONE, TaskDone(task_id=task_id, at_ms=at)),
        (RecordType.EVICTED, TaskEvicted(task_id=task_id, at_ms=at)),
    ]
    for record_type, body in plain:
        out = bytearray()
        cases.append((out, write_task_event(out, record_type, task_id, at), body))
    out = bytearray()
    size = write_dispatched(out, task_id, at, count)
    cases.append((out, size, TaskDispatched(task_id=task_id, at_ms=at, attempt=count)))
    out = bytearray()
    size = write_failed(out, task_id, at, retry, reason)
    failed = TaskFailed(task_id=task_id, at_ms=at, retry=retry, reason=reason)
    cases.append((out, size, failed))
    out = bytearray()
    size = write_requeued(out, task_id, at, count, ready, reason)
    requeued = TaskRequeued(
        task_id=task_id, at_ms=at, attempts=count, ready_ms=ready, reason=reason
    )
    cases.append((out, size, requeued))
    out = bytearray()
    size = write_dead_lettered(out, task_id, at, reason)
    dead = TaskDeadLettered(task_id=task_id, at_ms=at, reason=reason)
    cases.append((out, size, dead))
    for out, size, body in cases:
        assert bytes(out) == generated(body), body
        assert size == len(out)


def test_a_reason_too_long_for_str2_is_cut_at_a_character() -> None:
    out = bytearray()
    reason = "x" + "é" * MAX_REASON  # 2 bytes each: the cut falls inside one
    write_dead_lettered(out, 1, 0, reason)
    body = decode_body(RecordType.DEAD_LETTERED, bytes(out[HEADER_SIZE:]))
    assert isinstance(body, TaskDeadLettered)
    assert body.reason == "x" + "é" * ((MAX_REASON - 1) // 2)


def test_the_crc_covers_everything_after_itself() -> None:
    out = bytearray()
    write_task_event(out, RecordType.DONE, 7, 99)
    (crc,) = struct.unpack_from(">I", out)
    assert crc == zlib.crc32(out[4:])


def test_a_body_that_passed_its_crc_but_breaks_its_layout_is_corrupt() -> None:
    with pytest.raises(CorruptRecord, match="done body"):
        decode_body(RecordType.DONE, b"\0" * 17)


def test_segment_header_and_names() -> None:
    header = encode_segment_header(SegmentKind.SNAPSHOT, 0x2A, 1 << 50, 123)
    assert len(header) == SEGMENT_HEADER_SIZE
    assert header.startswith(b"QXJL\x01\x02")
    decoded = decode_segment_header(header)
    assert (decoded.kind, decoded.segment_id) == (SegmentKind.SNAPSHOT, 0x2A)
    assert (decoded.last_task_id, decoded.created_ms) == (1 << 50, 123)
    with pytest.raises(ValueError, match="not a Quicx journal segment header"):
        decode_segment_header(b"QXJL\x02" + header[5:])
    assert segment_name(0x2A) == "000000000000002a.qxj"
    assert segment_number("000000000000002a.qxj") == 0x2A
    for name in ["lock", "2a.qxj", "000000000000002a.qxj.tmp", "00000000000000zz.qxj"]:
        assert segment_number(name) is None


# -- the scan -------------------------------------------------------------------------


def segment(count: int) -> tuple[bytes, list[int]]:
    """A log segment of ``count`` records of several types; the offsets."""
    out = bytearray(encode_segment_header(SegmentKind.LOG, 1, 0, 0))
    offsets = []
    for index in range(count):
        offsets.append(len(out))
        task_id = index + 1
        if index % 3 == 0:
            write_submitted(out, task_id, 5, 5, 0, 60_000, 5, b"q", memoryview(b"pay"))
        elif index % 3 == 1:
            write_dispatched(out, task_id, 6, 1)
        else:
            write_requeued(out, task_id, 7, 1, 8, "lease lost: worker disconnected")
    return bytes(out), offsets


def test_a_clean_segment_scans_whole() -> None:
    data, offsets = segment(6)
    scan = scan_segment(data)
    assert [span.offset for span in scan.records] == offsets
    assert [span.task_id for span in scan.records] == [1, 2, 3, 4, 5, 6]
    assert (scan.skipped, scan.torn, scan.tail) == ([], 0, len(data))


def test_a_record_cut_at_any_byte_is_a_torn_tail() -> None:
    data, offsets = segment(4)
    last = offsets[-1]
    for cut in range(last, len(data)):
        scan = scan_segment(data[:cut])
        assert len(scan.records) == 3, cut
        assert (scan.tail, scan.torn, scan.skipped) == (last, cut - last, []), cut


FIELDS = {  # byte offsets within a dispatched record, one per field
    "crc32": 1,
    "len_body": 6,
    "record_type": 8,
    "task_id": 9 + 7,
    "at_ms": 9 + 8,
    "attempt": 9 + 16,
}


@pytest.mark.parametrize("field", FIELDS)
def test_a_flipped_byte_in_the_middle_is_skipped_damage(field: str) -> None:
    data, offsets = segment(6)
    target = offsets[4]  # a dispatched record, with one record after it
    broken = bytearray(data)
    broken[target + FIELDS[field]] ^= 0x10
    scan = scan_segment(bytes(broken))
    assert [span.offset for span in scan.records] == offsets[:4] + offsets[5:]
    assert scan.skipped == [(target, offsets[5] - target)]
    assert scan.torn == 0


@pytest.mark.parametrize("field", FIELDS)
def test_a_flipped_byte_in_the_last_record_is_a_torn_tail(field: str) -> None:
    data, offsets = segment(5)
    target = offsets[4]
    broken = bytearray(data)
    broken[target + FIELDS[field]] ^= 0x10
    scan = scan_segment(bytes(broken))
    assert len(scan.records) == 4
    assert (scan.tail, scan.torn, scan.skipped) == (target, len(data) - target, [])


def test_zeros_after_the_last_record_are_a_torn_tail() -> None:
    data, _ = segment(2)
    scan = scan_segment(data + bytes(100))
    assert len(scan.records) == 2
    assert (scan.tail, scan.torn) == (len(data), 100)


@given(st.binary(max_size=400))
def test_any_bytes_scan_into_records_skips_and_a_tail(junk: bytes) -> None:
    data = encode_segment_header(SegmentKind.LOG, 1, 0, 0) + junk
    scan = scan_segment(data)
    covered = sum(span.size for span in scan.records)
    covered += sum(size for _, size in scan.skipped) + scan.torn
    assert covered == len(junk)
