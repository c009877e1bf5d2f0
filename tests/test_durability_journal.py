"""A real daemon's journal, from the outside: the official Kaitai parser
reads it, the command refuses a damaged one and repairs it on request, and a
tiny file system that fills up gets journal_unavailable, not a false OK."""

from __future__ import annotations

import dataclasses
import enum
import importlib
import os
import subprocess
import sys
import time
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from kaitaistruct import KaitaiStream
from quicx_daemon._journal._format import decode_body, scan_segment
from quicx_daemon._journal._generated_messages import RecordType
from quicx_proto import Done, Error, ErrorCode, Failed, Message, Ok, Ready, Task
from support.daemon_process import DaemonProcess, running_daemon, start_daemon
from support.wire import Wire, fetch_stats, submit_message

# The generated parser is untyped; it is used through Any on purpose.
REFERENCE: Any = importlib.import_module("reference.quicx_journal").QuicxJournal


def receive(wire: Wire, count: int) -> list[Message]:
    """Exactly the next ``count`` messages. (``Wire.receive`` hands back the
    first chunk again instead of reading more when a chunk holds fewer.)"""
    got: list[Message] = []
    while len(got) < count:
        got += wire.receive_some()
    wire.pending = got[count:] + wire.pending
    return got[:count]


def journal_files(directory: Path) -> list[Path]:
    return sorted(directory.glob("*.qxj"))


def stop(daemon: DaemonProcess) -> None:
    assert daemon.terminate() == 0


def run_some_traffic(daemon: DaemonProcess) -> None:
    """Tasks in every state: ready, delayed, dead, done, and a failed retry."""
    with Wire(daemon.host, daemon.port) as producer:
        producer.send(
            submit_message("mail", b"ready"),
            submit_message("mail", b"later", delay_ms=3_600_000, priority=4),
            submit_message("mail", "naïve".encode(), max_attempts=1),
            submit_message("sms", b"\x00\xff" * 50),
        )
        assert all(isinstance(m, Ok) for m in receive(producer, 4))
        with Wire(daemon.host, daemon.port) as worker:
            worker.send(Ready(credit=3, queues=("mail", "sms")))
            tasks = [m for m in receive(worker, 3) if isinstance(m, Task)]
            first, second, third = tasks
            worker.send(
                Done(task_id=first.task_id, result=b""),
                Failed(task_id=second.task_id, retry=False, reason="unwanted"),
                Failed(task_id=third.task_id, retry=True, reason="try again"),
            )
            fetch_stats(daemon.host, daemon.port, worker)


def field_value(parsed: Any) -> object:
    """A Kaitai field as the generated dataclasses carry it."""
    if hasattr(parsed, "value") and hasattr(parsed, "len_value"):
        return parsed.value
    if isinstance(parsed, enum.IntEnum):
        return parsed.value
    return parsed


def check_segment(path: Path, data: bytes) -> set[str]:
    """Parse a segment with the reference parser and with ours, compare every
    record field by field; return the record types seen."""
    parsed = REFERENCE(KaitaiStream(BytesIO(data)))
    assert parsed.header.magic == b"QXJL"
    assert parsed.header.segment_id == int(path.stem, 16)
    ours = scan_segment(data)
    assert ours.torn == 0
    assert len(parsed.records) == len(ours.records)
    types = set()
    for record, span in zip(parsed.records, ours.records, strict=True):
        end = span.offset + span.size
        assert record.header.record_type.value == span.record_type
        assert record.header.crc32 == zlib.crc32(data[span.offset + 4 : end])
        body = decode_body(span.record_type, data[span.offset + 9 : end])
        for field in dataclasses.fields(body):
            want = getattr(body, field.name)
            got = field_value(getattr(record.body, field.name))
            assert got == (int(want) if isinstance(want, bool) else want), field.name
        types.add(f"{parsed.header.kind.name} {RecordType(span.record_type).name}")
    return types


def test_the_official_kaitai_parser_reads_a_real_journal(tmp_path: Path) -> None:
    with running_daemon("--data-dir", str(tmp_path), "--drain-grace", "0") as daemon:
        run_some_traffic(daemon)
        stop(daemon)
    types = set()
    for path in journal_files(tmp_path):
        types |= check_segment(path, path.read_bytes())
    # A restart rewrites the live tasks as a snapshot segment.
    with running_daemon("--data-dir", str(tmp_path), "--drain-grace", "0") as daemon:
        stop(daemon)
    for path in journal_files(tmp_path):
        types |= check_segment(path, path.read_bytes())
    logged = {"SUBMITTED", "DISPATCHED", "DONE", "FAILED", "DEAD_LETTERED", "REQUEUED"}
    assert {f"log {name}" for name in logged} <= types
    assert "snapshot SNAPSHOT" in types


def command(*args: str) -> subprocess.CompletedProcess[str]:
    """Run the daemon command and wait for it (it fails before listening)."""
    return subprocess.run(
        [sys.executable, "-m", "quicx_daemon", "--listen", "127.0.0.1:0", *args],
        capture_output=True,
        text=True,
        timeout=30,
    )


def test_the_command_refuses_damage_in_the_middle_and_repair_skips_it(
    tmp_path: Path,
) -> None:
    with running_daemon("--data-dir", str(tmp_path), "--drain-grace", "0") as daemon:
        with Wire(daemon.host, daemon.port) as producer:
            producer.send(*[submit_message("q", b"%d" % i) for i in range(5)])
            receive(producer, 5)
        stop(daemon)
    [path] = journal_files(tmp_path)
    data = bytearray(path.read_bytes())
    spans = scan_segment(bytes(data)).records
    damaged = spans[2].offset
    data[damaged + 12] ^= 0xFF
    path.write_bytes(data)
    refused = command("--data-dir", str(tmp_path))
    assert refused.returncode == 1
    assert refused.stdout == ""
    assert str(path) in refused.stderr
    assert f"at offset {damaged}" in refused.stderr
    assert "--repair" in refused.stderr
    daemon = start_daemon("--data-dir", str(tmp_path), "--repair")
    try:
        stats = fetch_stats(daemon.host, daemon.port)
        assert [q.depth for q in stats.queues] == [4]
    finally:
        daemon.kill()
        if daemon.process.stdout is not None:
            daemon.process.stdout.close()


# -- a real file system that fills up ----------------------------------------------


@contextmanager
def tiny_filesystem(path: Path, size: str) -> Iterator[Path]:
    """A tmpfs of ``size`` mounted at ``path``; skips the test where the
    machine does not let us mount one (not root, or in a container that
    forbids it)."""
    path.mkdir()
    if os.geteuid() != 0:
        pytest.skip(
            "mounting a tmpfs needs root; test_journal_server covers the "
            "same failure with a fault-injecting file layer"
        )
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)],
        capture_output=True,
        text=True,
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.strip()}")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=True)


def test_a_full_file_system_gets_journal_unavailable_and_no_false_ok(
    tmp_path: Path,
) -> None:
    payload = b"z" * 4000
    with tiny_filesystem(tmp_path / "tiny", "256k") as mount:
        directory = mount / "journal"
        filler = mount / "filler"
        filler.write_bytes(bytes(96 << 10))  # what an operator frees later
        daemon = start_daemon(
            "--data-dir", str(directory), "--journal-segment", "64KiB",
            "--max-payload", "8KiB",
        )  # fmt: skip
        try:
            with Wire(daemon.host, daemon.port) as producer:
                acked = []
                for _ in range(100):
                    producer.send(submit_message("q", payload))
                    [reply] = receive(producer, 1)
                    if not isinstance(reply, Ok):
                        break
                    acked.append(reply.task_id)
                assert isinstance(reply, Error), "the file system never filled up"
                assert reply.code is ErrorCode.JOURNAL_UNAVAILABLE
                assert reply.retry_after_ms > 0
                # The daemon stays up and serves every task it acknowledged.
                with Wire(daemon.host, daemon.port) as worker:
                    worker.send(Ready(credit=len(acked) + 1, queues=("q",)))
                    tasks = receive(worker, len(acked))
                    assert [t.task_id for t in tasks if isinstance(t, Task)] == acked
                    worker.send(*[Done(task_id=i, result=b"") for i in acked])
                    fetch_stats(daemon.host, daemon.port, worker)
                # Once there is room again, it records again.
                filler.unlink()
                for _ in range(30):
                    producer.send(submit_message("q", b"after"))
                    [reply] = receive(producer, 1)
                    if isinstance(reply, Ok):
                        break
                    assert isinstance(reply, Error)
                    assert reply.code is ErrorCode.JOURNAL_UNAVAILABLE
                    time.sleep(reply.retry_after_ms / 1000)  # the daemon's hint
                assert isinstance(reply, Ok)
                after = reply.task_id
        finally:
            daemon.kill()
            if daemon.process.stdout is not None:
                daemon.process.stdout.close()
        with (
            running_daemon("--data-dir", str(directory)) as again,
            Wire(again.host, again.port) as worker,
        ):
            worker.send(Ready(credit=5, queues=("q",)))
            [task] = receive(worker, 1)
            assert isinstance(task, Task)
            assert (task.task_id, task.payload) == (after, b"after")
