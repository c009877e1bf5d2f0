"""Opening a journal directory: torn ends, damage in the middle, --repair,
the id sequence, the start snapshot and the lock."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from quicx_daemon._config import JournalConfig
from quicx_daemon._journal import Journal, JournalError
from quicx_daemon._journal._format import (
    encode_segment_header,
    segment_name,
    write_dispatched,
    write_submitted,
    write_task_event,
)
from quicx_daemon._journal._generated_messages import RecordType, SegmentKind
from quicx_daemon._records import TaskState
from quicx_daemon._restore import RestoredTask

WALL = 1_700_000_000.0
QUEUE = b"mail"


def submitted(out: bytearray, task_id: int, payload: bytes = b"payload") -> int:
    """Append a submitted record; return where it starts."""
    start = len(out)
    at = int(WALL * 1000)
    write_submitted(out, task_id, at, at, 0, 60_000, 5, QUEUE, memoryview(payload))
    return start


def log_segment(directory: Path, segment_id: int, last_task_id: int = 0) -> bytearray:
    """A log segment's bytes, header only; write it with :func:`save`."""
    return bytearray(
        encode_segment_header(SegmentKind.LOG, segment_id, last_task_id, 0)
    )


def save(directory: Path, segment_id: int, data: bytes | bytearray) -> Path:
    path = directory / segment_name(segment_id)
    path.write_bytes(data)
    return path


def open_journal(
    directory: Path, *, repair: bool = False
) -> tuple[list[RestoredTask], int]:
    journal = Journal(
        JournalConfig(data_dir=directory, repair=repair),
        clock=lambda: 100.0,
        wall=lambda: WALL,
    )
    try:
        return journal.open()
    finally:
        journal._unlock()


def segments(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.glob("*.qxj"))


# -- a torn end ---------------------------------------------------------------------


def three_records(directory: Path) -> tuple[bytearray, int]:
    """Tasks 1 and 2 submitted, 2 dispatched last; return the data and where
    the last record starts."""
    data = log_segment(directory, 1)
    submitted(data, 1)
    submitted(data, 2)
    last = len(data)
    write_dispatched(data, 2, int(WALL * 1000), 1)
    return data, last


def test_a_journal_cut_at_any_byte_of_its_last_record_drops_only_that_record(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    data, last = three_records(tmp_path)
    for cut in range(last, len(data)):
        directory = tmp_path / f"cut{cut}"
        directory.mkdir()
        save(directory, 1, data[:cut])
        caplog.clear()
        with caplog.at_level(logging.WARNING):
            tasks, last_id = open_journal(directory)
        assert [(t.task_id, t.state) for t in tasks] == [
            (1, TaskState.READY),
            (2, TaskState.READY),
        ], cut
        assert tasks[1].attempts == 0  # the dispatch is what was lost
        assert last_id == 2
        warnings = [r.getMessage() for r in caplog.records]
        if cut == last:
            assert warnings == []
        else:
            [warning] = warnings
            assert f"dropped {cut - last} bytes after offset {last}" in warning


SUBMITTED_FIELDS = {  # one byte inside each field of a submitted record
    "crc32": 2,
    "len_body": 7,
    "record_type": 8,
    "task_id": 9 + 7,
    "at_ms": 9 + 8 + 7,
    "ready_ms": 9 + 16 + 7,
    "priority": 9 + 24 + 3,
    "ttr_ms": 9 + 28 + 3,
    "max_attempts": 9 + 32 + 1,
    "queue.len_value": 9 + 34,
    "queue.value": 9 + 35,
    "payload.len_value": 9 + 35 + len(QUEUE) + 3,
    "payload.value": 9 + 35 + len(QUEUE) + 4,
}


@pytest.mark.parametrize("field", SUBMITTED_FIELDS)
def test_a_flipped_byte_in_the_last_record_is_cut_off(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, field: str
) -> None:
    data = log_segment(tmp_path, 1)
    submitted(data, 1)
    last = submitted(data, 2)
    data[last + SUBMITTED_FIELDS[field]] ^= 0x04
    path = save(tmp_path, 1, data)
    with caplog.at_level(logging.WARNING):
        tasks, _ = open_journal(tmp_path)
    assert [t.task_id for t in tasks] == [1]
    [warning] = [r.getMessage() for r in caplog.records]
    assert str(path) in warning
    assert f"dropped {len(data) - last} bytes after offset {last}" in warning


@pytest.mark.parametrize("field", SUBMITTED_FIELDS)
def test_a_flipped_byte_in_the_middle_stops_the_start_naming_file_and_offset(
    tmp_path: Path, field: str
) -> None:
    data = log_segment(tmp_path, 1)
    submitted(data, 1)
    middle = submitted(data, 2)
    submitted(data, 3)
    data[middle + SUBMITTED_FIELDS[field]] ^= 0x04
    path = save(tmp_path, 1, data)
    with pytest.raises(JournalError) as caught:
        open_journal(tmp_path)
    message = str(caught.value)
    assert str(path) in message
    assert f"at offset {middle}" in message
    assert "--repair" in message
    assert path.read_bytes() == data  # nothing was changed
    assert segments(tmp_path) == [path.name]


@pytest.mark.parametrize("field", SUBMITTED_FIELDS)
def test_repair_keeps_every_valid_record_and_says_what_it_skipped(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, field: str
) -> None:
    data = log_segment(tmp_path, 1)
    submitted(data, 1)
    middle = submitted(data, 2)
    end = submitted(data, 3)
    data[middle + SUBMITTED_FIELDS[field]] ^= 0x04
    save(tmp_path, 1, data)
    with caplog.at_level(logging.WARNING):
        tasks, _ = open_journal(tmp_path, repair=True)
    assert [t.task_id for t in tasks] == [1, 3]
    [warning] = [r.getMessage() for r in caplog.records]
    assert f"skipped {end - middle} damaged bytes at offset {middle}" in warning
    # The repaired state is what is on disk now; a plain start reads it.
    tasks, _ = open_journal(tmp_path)
    assert [t.task_id for t in tasks] == [1, 3]


def test_a_torn_end_of_an_older_segment_is_damage(tmp_path: Path) -> None:
    older = log_segment(tmp_path, 1)
    submitted(older, 1)
    save(tmp_path, 1, older + b"\x00\x01\x02")
    newer = log_segment(tmp_path, 2, last_task_id=1)
    submitted(newer, 2)
    save(tmp_path, 2, newer)
    with pytest.raises(JournalError, match=f"3 damaged bytes at offset {len(older)}"):
        open_journal(tmp_path)


def test_a_bad_segment_header_stops_the_start(tmp_path: Path) -> None:
    data = log_segment(tmp_path, 1)
    submitted(data, 1)
    data[0:4] = b"XXXX"
    save(tmp_path, 1, data)
    save(tmp_path, 2, log_segment(tmp_path, 2))
    with pytest.raises(JournalError, match="offset 0: not a valid segment header"):
        open_journal(tmp_path)
    tasks, _ = open_journal(tmp_path, repair=True)
    assert tasks == []


def test_a_segment_cut_inside_its_header_was_being_created(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    data = log_segment(tmp_path, 1)
    submitted(data, 1)
    save(tmp_path, 1, data)
    save(tmp_path, 2, log_segment(tmp_path, 2)[:11])
    with caplog.at_level(logging.WARNING):
        tasks, _ = open_journal(tmp_path)
    assert [t.task_id for t in tasks] == [1]
    assert "less than a segment header" in caplog.text


# -- what a start leaves behind ---------------------------------------------------


def test_a_start_rewrites_live_tasks_as_a_snapshot_and_drops_the_rest(
    tmp_path: Path,
) -> None:
    data = log_segment(tmp_path, 1)
    for task_id in range(1, 6):
        submitted(data, task_id, b"x" * 1000)
    for task_id in range(1, 5):
        write_task_event(data, RecordType.DONE, task_id, 0)
    save(tmp_path, 1, data)
    tasks, _ = open_journal(tmp_path)
    assert [t.task_id for t in tasks] == [5]
    assert segments(tmp_path) == [segment_name(2), segment_name(3)]
    snapshot = (tmp_path / segment_name(2)).read_bytes()
    assert snapshot[:6] == b"QXJL\x01\x02"  # a snapshot segment
    assert len(snapshot) < 1200
    tasks, _ = open_journal(tmp_path)  # and it reads back the same
    assert [(t.task_id, t.payload) for t in tasks] == [(5, b"x" * 1000)]


def test_the_task_id_sequence_goes_on_when_every_task_is_done(tmp_path: Path) -> None:
    data = log_segment(tmp_path, 1)
    for task_id in (7, 8):
        submitted(data, task_id)
        write_task_event(data, RecordType.DONE, task_id, 0)
    save(tmp_path, 1, data)
    assert open_journal(tmp_path) == ([], 8)
    # The records naming 8 are gone now; the new segment's header keeps it.
    assert segments(tmp_path) == [segment_name(2)]
    assert open_journal(tmp_path) == ([], 8)


def test_two_daemons_cannot_share_a_directory(tmp_path: Path) -> None:
    first = Journal(JournalConfig(data_dir=tmp_path), clock=lambda: 0.0)
    first.open()
    try:
        with pytest.raises(JournalError, match="in use by another quicx-daemon"):
            open_journal(tmp_path)
    finally:
        first._unlock()
