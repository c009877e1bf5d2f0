"""Journal bytes: segment headers, records, and a scan that finds damage.

spec/journal.ksy is the source of truth for these bytes. The generated
codecs (``_generated_codecs``) build and parse every record; the records
written for each task state change are packed here by hand instead, the way
``quicx_daemon._frames`` packs OK and TASK, because the daemon writes several
per task. Tests check both against each other.

A record is a 9-byte header (crc32, len_body, record_type) and a body. The
CRC-32 covers everything after itself, so a torn write, a flipped bit or a
length that points elsewhere all show up as a record whose crc32 does not
match. Every body starts with the task id, so a reader can sort records by
task before decoding them.
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass
from typing import Any

from construct import ConstructError

from ._generated_codecs import BODIES, SEGMENT_HEADER
from ._generated_messages import (
    HEADER_SIZE,
    JOURNAL_VERSION,
    SEGMENT_HEADER_SIZE,
    RecordBody,
    RecordType,
    SegmentHeader,
    SegmentKind,
)

__all__ = [
    "MAX_REASON",
    "CorruptRecord",
    "RecordSpan",
    "SegmentScan",
    "decode_body",
    "decode_segment_header",
    "encode_body",
    "encode_segment_header",
    "scan_segment",
    "segment_name",
    "segment_number",
    "write_dead_lettered",
    "write_dispatched",
    "write_failed",
    "write_record",
    "write_requeued",
    "write_submitted",
    "write_task_event",
]

SEGMENT_SUFFIX = ".qxj"
MAX_REASON = 0xFFFF  # str2 holds at most this many bytes of UTF-8

_crc32 = zlib.crc32
_HEADER = struct.Struct(">IIB")  # crc32, len_body, record_type
_LEN_TYPE = struct.Struct(">IB")
_U4 = struct.Struct(">I")
_U2 = struct.Struct(">H")
# Fixed parts of the bodies written per task state change.
_ID_AT = struct.Struct(">QQ")
_DISPATCHED = struct.Struct(">QQH")
_FAILED = struct.Struct(">QQB")
_REQUEUED = struct.Struct(">QQHQ")
_SUBMITTED_HEAD = struct.Struct(">IBQQQIIHB")  # len_body, type, ... len(queue)
_SUBMITTED_FIXED = 8 + 8 + 8 + 4 + 4 + 2 + 1 + 4  # body bytes besides queue, payload
_RECORD_TYPES = frozenset(RecordType)

_CODECS: dict[int, tuple[Any, Any, Any]] = {}
for _body in BODIES:
    _CODECS[_body.msg_type] = (_body.struct.compile(), _body.to_dict, _body.from_dict)
_BY_CLASS = {_body.message_class: _body.msg_type for _body in BODIES}
_SEGMENT_HEADER = SEGMENT_HEADER.compile()


class CorruptRecord(Exception):
    """A record passed its CRC but its body does not match its layout."""


# -- segment files -------------------------------------------------------------


def segment_name(segment_id: int) -> str:
    """The file name of a segment: its id in 16 hex digits, then ``.qxj``."""
    return f"{segment_id:016x}{SEGMENT_SUFFIX}"


def segment_number(name: str) -> int | None:
    """The id in a segment file name, or None when ``name`` is not one."""
    stem, dot, suffix = name.partition(".")
    if f"{dot}{suffix}" != SEGMENT_SUFFIX or len(stem) != 16:
        return None
    try:
        return int(stem, 16)
    except ValueError:
        return None


def encode_segment_header(
    kind: SegmentKind, segment_id: int, last_task_id: int, created_ms: int
) -> bytes:
    """The 30 bytes that start a segment file."""
    header: bytes = _SEGMENT_HEADER.build(
        {
            "version": JOURNAL_VERSION,
            "kind": kind,
            "segment_id": segment_id,
            "last_task_id": last_task_id,
            "created_ms": created_ms,
        }
    )
    return header


def decode_segment_header(data: bytes) -> SegmentHeader:
    """Parse a segment header.

    :raises ValueError: ``data`` is not the header of a version 1 segment.
    """
    try:
        fields = _SEGMENT_HEADER.parse(data[:SEGMENT_HEADER_SIZE])
    except (ConstructError, struct.error) as exc:
        raise ValueError(f"not a Quicx journal segment header ({exc})") from None
    return SegmentHeader(
        version=fields["version"],
        kind=SegmentKind(fields["kind"]),
        segment_id=fields["segment_id"],
        last_task_id=fields["last_task_id"],
        created_ms=fields["created_ms"],
    )


# -- writing records -----------------------------------------------------------


def write_record(out: bytearray, record_type: int, body: bytes) -> int:
    """Append one record holding ``body`` to ``out``; return its size."""
    rest = _LEN_TYPE.pack(len(body), record_type)
    out += _U4.pack(_crc32(body, _crc32(rest)))
    out += rest
    out += body
    return HEADER_SIZE + len(body)


def encode_body(body: RecordBody) -> tuple[RecordType, bytes]:
    """A record body's type and bytes, through the generated codec."""
    record_type = _BY_CLASS[type(body)]
    compiled, to_dict, _ = _CODECS[record_type]
    return RecordType(record_type), compiled.build(to_dict(body))


def write_submitted(
    out: bytearray,
    task_id: int,
    at_ms: int,
    ready_ms: int,
    priority: int,
    ttr_ms: int,
    max_attempts: int,
    queue: bytes,
    payload: memoryview,
) -> int:
    """Append a submitted record; ``queue`` is UTF-8. Return its size."""
    size = len(payload)
    len_body = _SUBMITTED_FIXED + len(queue) + size
    head = _SUBMITTED_HEAD.pack(
        len_body,
        RecordType.SUBMITTED,
        task_id,
        at_ms,
        ready_ms,
        priority,
        ttr_ms,
        max_attempts,
        len(queue),
    )
    length = _U4.pack(size)
    crc = _crc32(payload, _crc32(length, _crc32(queue, _crc32(head))))
    out += _U4.pack(crc)
    out += head
    out += queue
    out += length
    out += payload
    return HEADER_SIZE + len_body


def write_task_event(
    out: bytearray, record_type: RecordType, task_id: int, at_ms: int
) -> int:
    """Append a touched, done or evicted record: task id and time only."""
    return write_record(out, record_type, _ID_AT.pack(task_id, at_ms))


def write_dispatched(out: bytearray, task_id: int, at_ms: int, attempt: int) -> int:
    """Append a dispatched record."""
    return write_record(
        out, RecordType.DISPATCHED, _DISPATCHED.pack(task_id, at_ms, attempt)
    )


def write_failed(
    out: bytearray, task_id: int, at_ms: int, retry: bool, reason: str
) -> int:
    """Append a failed record."""
    body = _FAILED.pack(task_id, at_ms, retry) + _str2(reason)
    return write_record(out, RecordType.FAILED, body)


def write_requeued(
    out: bytearray, task_id: int, at_ms: int, attempts: int, ready_ms: int, reason: str
) -> int:
    """Append a requeued record."""
    body = _REQUEUED.pack(task_id, at_ms, attempts, ready_ms) + _str2(reason)
    return write_record(out, RecordType.REQUEUED, body)


def write_dead_lettered(out: bytearray, task_id: int, at_ms: int, reason: str) -> int:
    """Append a dead_lettered record."""
    body = _ID_AT.pack(task_id, at_ms) + _str2(reason)
    return write_record(out, RecordType.DEAD_LETTERED, body)


def _str2(text: str) -> bytes:
    """``text`` as a str2, cut at a character boundary to fit 65,535 bytes."""
    data = text.encode("utf-8")
    if len(data) > MAX_REASON:
        data = data[:MAX_REASON].decode("utf-8", "ignore").encode("utf-8")
    return _U2.pack(len(data)) + data


# -- reading records -----------------------------------------------------------


def decode_body(record_type: int, body: bytes) -> RecordBody:
    """Parse a record body whose CRC matched.

    :raises CorruptRecord: the body does not match its type's layout.
    """
    compiled, _, from_dict = _CODECS[record_type]
    try:
        parsed: RecordBody = from_dict(compiled.parse(body))
    except (ConstructError, struct.error, ValueError) as exc:
        name = RecordType(record_type).name.lower()
        raise CorruptRecord(f"{name} body does not match its layout: {exc}") from None
    return parsed


@dataclass(frozen=True, slots=True)
class RecordSpan:
    """Where one record with a matching CRC sits in a segment."""

    offset: int
    """Offset of the record header in the file."""
    size: int
    """Header and body, in bytes."""
    record_type: RecordType
    task_id: int
    """The first 8 bytes of the body, the task id of every record type."""


@dataclass(frozen=True, slots=True)
class SegmentScan:
    """What :func:`scan_segment` found in one segment's bytes."""

    records: list[RecordSpan]
    """Every record whose CRC matched, in file order."""
    skipped: list[tuple[int, int]]
    """(offset, size) of each damaged stretch with valid records after it."""
    tail: int
    """Offset where the trailing damage starts; the file size when none."""
    size: int
    """Bytes in the segment."""

    @property
    def torn(self) -> int:
        """Bytes after the last valid record that hold no valid record."""
        return self.size - self.tail


def scan_segment(data: bytes | memoryview) -> SegmentScan:
    """Walk the records after the segment header and check each CRC.

    A record that does not check out is damage. If some valid record follows
    it anywhere later in the file, the damage is in the middle and its extent
    is listed in ``skipped``; otherwise it is the tail, as a crash leaves it.
    A run of bytes that happens to hold a well-formed record with a matching
    CRC, such as a payload holding a journal record, would be taken for one;
    that is one chance in 2**32 for random bytes.
    """
    view = memoryview(data)
    size = len(view)
    records: list[RecordSpan] = []
    skipped: list[tuple[int, int]] = []
    offset = SEGMENT_HEADER_SIZE
    while offset < size:
        span = _record_at(view, offset)
        if span is not None:
            records.append(span)
            offset += span.size
            continue
        resync = _next_record(view, offset + 1)
        if resync is None:
            return SegmentScan(records, skipped, offset, size)
        skipped.append((offset, resync - offset))
        offset = resync
    return SegmentScan(records, skipped, size, size)


def _record_at(view: memoryview, offset: int) -> RecordSpan | None:
    """The record at ``offset`` if it is whole, typed and its CRC matches."""
    if len(view) - offset < HEADER_SIZE + 8:
        return None
    crc, len_body, record_type = _HEADER.unpack_from(view, offset)
    end = offset + HEADER_SIZE + len_body
    if record_type not in _RECORD_TYPES or len_body < 8 or end > len(view):
        return None
    if _crc32(view[offset + 4 : end]) != crc:
        return None
    (task_id,) = struct.unpack_from(">Q", view, offset + HEADER_SIZE)
    return RecordSpan(offset, end - offset, RecordType(record_type), task_id)


def _next_record(view: memoryview, start: int) -> int | None:
    """The offset of the first valid record at or after ``start``, if any."""
    for offset in range(start, len(view) - HEADER_SIZE):
        if _record_at(view, offset) is not None:
            return offset
    return None
