"""End to end: the ``quicx`` command (submit, worker, stats) as a user runs it."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

from client.live import dead_address, queue_stats, running, wait_for
from quicx_client import Task, Worker
from support.daemon_process import DaemonProcess

QUICX = [sys.executable, "-m", "quicx_client"]


def quicx(*args: str, stdin: bytes = b"") -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [*QUICX, *args], input=stdin, capture_output=True, timeout=60, check=False
    )


def test_submit_lines_pipelines_ten_thousand_tasks(daemon: DaemonProcess) -> None:
    lines = b"".join(b"line %d\n" % i for i in range(10_000))
    submitted = quicx("submit", "--addr", daemon.address, "--lines", "-", stdin=lines)
    assert submitted.returncode == 0, submitted.stderr
    ids = [int(word) for word in submitted.stdout.split()]
    assert len(set(ids)) == 10_000
    assert submitted.stderr == b"", "no progress bar when stderr is not a terminal"

    payloads: set[bytes] = set()

    def collect(task: Task) -> None:
        payloads.add(task.payload)

    with running(Worker(daemon.address, collect, concurrency=4)):
        wait_for(daemon.address, lambda s: s.total_completed == 10_000, timeout=60)
    assert payloads == {b"line %d" % i for i in range(10_000)}


def test_submit_one_task_from_an_argument_or_stdin(daemon: DaemonProcess) -> None:
    first = quicx("submit", "--addr", daemon.address, "--queue", "q", "hello")
    second = quicx(
        "submit", "--addr", daemon.address, "--priority", "1", "-", stdin=b"x"
    )
    assert first.returncode == second.returncode == 0
    assert int(second.stdout) > int(first.stdout) > 0
    stats = wait_for(daemon.address, lambda s: s.total_submitted == 2)
    assert queue_stats(stats, "q").depth == 1


def test_worker_runs_a_shell_command_per_task(
    daemon: DaemonProcess, tmp_path: Path
) -> None:
    out = tmp_path / "out.txt"
    script = (
        'read -r line; if [ "$line" = fail ]; then echo "cannot do $line" >&2; '
        'exit 3; fi; echo "$QUICX_QUEUE $line" >> "$OUT"; echo done'
    )
    worker = subprocess.Popen(
        [
            *QUICX,
            "worker",
            "--addr",
            daemon.address,
            "--queue",
            "good",
            "--queue",
            "bad",
            "--concurrency",
            "2",
            "--",
            "sh",
            "-c",
            script,
        ],
        env={**os.environ, "OUT": str(out)},
        stderr=subprocess.PIPE,
    )
    try:
        submitted = quicx(
            "submit",
            "--addr",
            daemon.address,
            "--queue",
            "good",
            "--lines",
            "-",
            stdin=b"".join(b"task %d\n" % i for i in range(20)),
        )
        assert submitted.returncode == 0, submitted.stderr
        failing = quicx(
            "submit",
            "--addr",
            daemon.address,
            "--queue",
            "bad",
            "--max-attempts",
            "1",
            "fail",
        )
        assert failing.returncode == 0, failing.stderr
        stats = wait_for(
            daemon.address, lambda s: s.total_completed == 20 and s.total_dead == 1
        )
    finally:
        worker.send_signal(signal.SIGTERM)
        _, stderr = worker.communicate(timeout=30)
    assert worker.returncode == 0, stderr
    assert queue_stats(stats, "bad").dead == 1
    assert sorted(out.read_text().splitlines()) == sorted(
        f"good task {i}" for i in range(20)
    )


def test_stats_prints_a_table_or_json(daemon: DaemonProcess) -> None:
    quicx("submit", "--addr", daemon.address, "--queue", "reports", "x")
    table = quicx("stats", "--addr", daemon.address)
    as_json = quicx("stats", "--addr", daemon.address, "--json")
    assert table.returncode == as_json.returncode == 0
    assert b"submitted 1," in table.stdout
    assert b"reports" in table.stdout
    data = json.loads(as_json.stdout)
    assert data["total_submitted"] == 1
    assert data["queues"][0]["name"] == "reports"


def test_bad_arguments_exit_2_with_one_line() -> None:
    for args in (["submit", "--priority", "soon", "x"], ["nonsense"], ["submit"]):
        result = quicx(*args)
        assert result.returncode == 2, args
        assert result.stderr.count(b"\n") == 1, result.stderr
        assert result.stderr.startswith(b"quicx"), result.stderr
    bad_queue = quicx("submit", "--addr", "127.0.0.1:9", "--queue", "", "x")
    assert bad_queue.returncode == 2
    assert b"queue name" in bad_queue.stderr


def test_unreachable_daemon_is_one_line_and_exit_1() -> None:
    result = quicx("stats", "--addr", dead_address())
    assert result.returncode == 1
    assert result.stderr.startswith(b"quicx: cannot connect")
    assert result.stderr.count(b"\n") == 1
