"""Reading a journal directory back: at start, and for a compaction.

Recovery reads the segments from the newest snapshot on, twice: the first
pass checks every record and notes which tasks end, the second decodes and
applies the records of the other tasks. So a journal full of finished tasks
costs a CRC per record, not a decode, and only one segment is in memory at a
time.

Damage is judged per segment (spec/PROTOCOL.md, "Durability"): a bad stretch
at the very end of the journal is a torn write and is cut off with a
warning; any other is damage in the middle, which stops the start unless
``repair`` is set, in which case it is skipped and reported.
"""

from __future__ import annotations

import logging
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

from ._files import JournalFiles
from ._format import (
    CorruptRecord,
    SegmentScan,
    decode_segment_header,
    scan_segment,
    segment_name,
)
from ._generated_messages import SEGMENT_HEADER_SIZE, SegmentHeader, SegmentKind
from ._recovery import RecoveredTask, Replay, ended_tasks
from ._segments import delete_segments, list_segments, write_snapshot

__all__ = ["JournalError", "Recovered", "compact_segments", "recover_directory"]

logger = logging.getLogger(__name__)

REPAIR_HINT = (
    "start the daemon with --repair to skip the damage and keep every valid record"
)


class JournalError(Exception):
    """The journal cannot be used as it is; the message names the file, the
    offset and what to do."""


@dataclass(frozen=True, slots=True)
class Recovered:
    """What a journal directory held."""

    tasks: list[RecoveredTask]
    """Unfinished tasks: dead letters first, oldest first, then by id."""
    last_task_id: int
    """The highest task id the journal names; new ids must follow it."""
    present: list[int]
    """Every segment file found; all may go once a snapshot replaces them."""
    records: int
    """Records applied."""
    size: int
    """Bytes read."""


def recover_directory(
    files: JournalFiles, directory: Path, *, repair: bool
) -> Recovered:
    """Read every segment that counts and rebuild the unfinished tasks.

    A torn record at the end of the newest segment is cut off (the file is
    truncated) with a warning.

    :raises JournalError: damage in the middle of the journal, unless
        ``repair``; the message names the file and the offset.
    :raises OSError: a file could not be read.
    """
    present = list_segments(files, directory)
    headers = _headers(files, directory, present, repair=repair)
    used = _from_last_snapshot(headers)
    ended: set[int] = set()
    size = 0
    for segment_id in used:
        path = directory / segment_name(segment_id)
        data = files.read(path)
        size += len(data)
        scan = scan_segment(data)
        _judge(files, path, scan, last=segment_id == used[-1], repair=repair)
        ended |= ended_tasks(scan)
    replay = Replay()
    for segment_id in used:
        path = directory / segment_name(segment_id)
        data = files.read(path)
        _apply(replay, path, data, skip=ended, repair=repair)
    last = max([replay.last_task_id, *(h.last_task_id for h in headers.values())])
    return Recovered(replay.result(), last, present, replay.records, size)


def compact_segments(
    files: JournalFiles,
    directory: Path,
    upto: int,
    live: Collection[int],
    now_ms: int,
) -> tuple[dict[int, int], int]:
    """Replace the segments up to ``upto`` with one snapshot segment ``upto``
    holding the state of the tasks in ``live``; return each task's record
    size and the snapshot's size.

    :raises JournalError: a segment is damaged; nothing was replaced.
    :raises OSError: a file could not be read or written.
    """
    ids = [i for i in list_segments(files, directory) if i <= upto]
    headers = _headers(files, directory, ids, repair=False)
    replay = Replay()
    for segment_id in _from_last_snapshot(headers):
        path = directory / segment_name(segment_id)
        data = files.read(path)
        scan = scan_segment(data)
        if scan.skipped or scan.torn:
            raise JournalError(f"{path}: damaged records found while compacting")
        replay.apply_segment(data, scan, only=live)
    last = max([replay.last_task_id, *(h.last_task_id for h in headers.values())])
    result = write_snapshot(files, directory, upto, replay.result(), last, now_ms)
    delete_segments(files, directory, [i for i in ids if i < upto])
    return result


def _headers(
    files: JournalFiles, directory: Path, ids: list[int], *, repair: bool
) -> dict[int, SegmentHeader]:
    """The header of each segment that has a valid one."""
    headers = {}
    for segment_id in ids:
        path = directory / segment_name(segment_id)
        head = files.read(path, SEGMENT_HEADER_SIZE)
        try:
            header = decode_segment_header(head)
            if header.segment_id != segment_id:
                raise ValueError(f"it names segment {header.segment_id:x}")
        except ValueError as exc:
            if segment_id == ids[-1] and len(head) < SEGMENT_HEADER_SIZE:
                logger.warning(
                    "journal: %s holds %d bytes, less than a segment header; "
                    "it was being created at a crash and holds no records",
                    path,
                    len(head),
                )
                continue
            if not repair:
                raise JournalError(
                    f"{path}: offset 0: not a valid segment header ({exc}); "
                    f"{REPAIR_HINT}"
                ) from None
            logger.warning("journal: --repair: skipping %s: bad header (%s)", path, exc)
            continue
        headers[segment_id] = header
    return headers


def _from_last_snapshot(headers: dict[int, SegmentHeader]) -> list[int]:
    """The segments that count: the newest snapshot and those after it."""
    ids = sorted(headers)
    snapshots = [i for i in ids if headers[i].kind is SegmentKind.SNAPSHOT]
    return [i for i in ids if not snapshots or i >= snapshots[-1]]


def _judge(
    files: JournalFiles, path: Path, scan: SegmentScan, *, last: bool, repair: bool
) -> None:
    """Act on the damage a scan found: cut a torn end, refuse or skip the rest."""
    damage = list(scan.skipped)
    if scan.torn and not last:
        damage.append((scan.tail, scan.torn))
    for offset, size in damage:
        if not repair:
            raise JournalError(
                f"{path}: {size} damaged bytes at offset {offset}, with valid "
                f"records after them; {REPAIR_HINT}"
            )
        logger.warning(
            "journal: --repair: %s: skipped %d damaged bytes at offset %d",
            path,
            size,
            offset,
        )
    if scan.torn and last:
        logger.warning(
            "journal: %s: dropped %d bytes after offset %d, a torn or corrupted "
            "record at the end of the journal",
            path,
            scan.torn,
            scan.tail,
        )
        fd = files.open_append(path)
        try:
            files.truncate(fd, scan.tail)
            files.sync(fd)
        finally:
            files.close(fd)


def _apply(
    replay: Replay, path: Path, data: bytes, *, skip: set[int], repair: bool
) -> None:
    try:
        replay.apply_segment(data, scan_segment(data), skip=skip, repair=repair)
    except CorruptRecord as exc:
        raise JournalError(f"{path}: {exc}; {REPAIR_HINT}") from None
    for offset in replay.take_skipped():
        logger.warning(
            "journal: --repair: %s: skipped the undecodable record at offset %d",
            path,
            offset,
        )
