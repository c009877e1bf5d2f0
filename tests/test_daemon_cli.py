"""The quicx-daemon command: its one stdout line, bad arguments, signals."""

from __future__ import annotations

import signal
import subprocess
import sys
import time

import pytest
from quicx_proto import Done, Error, ErrorCode, Ready, Task
from support.daemon_process import running_daemon
from support.wire import Wire, fetch_stats, submit_message


@pytest.mark.parametrize(
    "args",
    [
        pytest.param(["--memory", "lots"], id="size"),
        pytest.param(["--node-id", "70000"], id="node-id"),
        pytest.param(["--listen", "7878"], id="listen"),
        pytest.param(["--memory", "64KiB"], id="arena-too-small"),
        pytest.param(["--heartbeat", "0"], id="heartbeat"),
        pytest.param(["--no-such-option"], id="unknown"),
    ],
)
def test_bad_arguments_get_one_line_and_exit_2(args: list[str]) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "quicx_daemon", *args],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("quicx-daemon: error: ")


@pytest.mark.parametrize("backend", ["asyncio", "trio"])
def test_the_daemon_serves_a_task_on_each_backend(backend: str) -> None:
    with (
        running_daemon("--backend", backend, "--node-id", "7") as daemon,
        Wire(daemon.host, daemon.port) as producer,
        Wire(daemon.host, daemon.port) as worker,
    ):
        producer.send(submit_message("q", b"hello"))
        (ok,) = producer.receive(1)
        worker.send(Ready(credit=1, queues=("q",)))
        (task,) = worker.receive(1)
        assert isinstance(task, Task)
        assert (task.task_id, task.payload) == (ok.task_id, b"hello")  # type: ignore[union-attr]
        assert task.task_id >> 48 == 7
        worker.send(Done(task_id=task.task_id, result=b""))
        stats = fetch_stats(daemon.host, daemon.port, worker)  # after the DONE
        assert stats.total_completed == 1


@pytest.mark.parametrize("max_payload", ["2MiB", "3MiB", "8MiB"])
def test_large_payload_limits_start_and_carry_such_a_payload(max_payload: str) -> None:
    size = int(max_payload.removesuffix("MiB")) << 20
    with (
        running_daemon("--max-payload", max_payload, "--memory", "64MiB") as daemon,
        Wire(daemon.host, daemon.port) as producer,
        Wire(daemon.host, daemon.port) as worker,
    ):
        producer.send(submit_message("q", b"p" * size))
        (ok,) = producer.receive(1)
        worker.send(Ready(credit=1, queues=("q",)))
        (task,) = worker.receive(1)
        assert isinstance(task, Task)
        assert (task.task_id, len(task.payload)) == (ok.task_id, size)  # type: ignore[union-attr]


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_drains_then_exits_0(signum: signal.Signals) -> None:
    with running_daemon("--drain-grace", "10") as daemon:
        host, port = daemon.host, daemon.port
        with Wire(host, port) as producer, Wire(host, port) as worker:
            producer.send(submit_message("q", b"x"))
            producer.receive(1)
            worker.send(Ready(credit=1, queues=("q",)))
            (task,) = worker.receive(1)
            assert isinstance(task, Task)
            daemon.process.send_signal(signum)
            # SUBMITs that beat the signal are accepted; then comes the refusal.
            reply = None
            accepted = 1
            for _ in range(1000):
                producer.send(submit_message("q", b"y"))
                (reply,) = producer.receive(1)
                if isinstance(reply, Error):
                    break
                accepted += 1
            assert isinstance(reply, Error)
            assert (reply.code, reply.retry_after_ms) == (ErrorCode.SHUTTING_DOWN, 1000)
            assert daemon.process.poll() is None  # tasks are still owed
            for left in range(accepted, 0, -1):
                worker.send(Done(task_id=task.task_id, result=b""))
                if left > 1:
                    (task,) = worker.receive(1)
                    assert isinstance(task, Task)
            assert daemon.process.wait(10) == 0


def test_the_grace_period_ends_a_drain_with_tasks_left() -> None:
    with (
        running_daemon("--drain-grace", "0.3") as daemon,
        Wire(daemon.host, daemon.port) as producer,
    ):
        producer.send(submit_message("q", b"never taken"))
        producer.receive(1)
        started = time.monotonic()
        assert daemon.terminate(timeout=10) == 0
        assert time.monotonic() - started >= 0.3
        assert daemon.process.stdout is not None
        assert daemon.process.stdout.read() == ""  # the one line was all
