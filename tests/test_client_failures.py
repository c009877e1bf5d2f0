"""End to end: retries, dead letters, leases kept by TOUCH, reconnects."""

from __future__ import annotations

import threading
from collections import defaultdict

import pytest
from client.live import queue_stats, running, wait_for
from quicx_client import (
    OutOfMemory,
    PermanentError,
    Producer,
    QueueFull,
    RetryPolicy,
    Task,
    Worker,
)
from quicx_proto import ErrorCode
from support.daemon_process import DaemonProcess, running_daemon, start_daemon


def test_queue_full_is_retried_until_a_worker_makes_room() -> None:
    handled = threading.Event()

    def handle(task: Task) -> None:
        handled.set()

    with (
        running_daemon("--queue-limit", "5") as daemon,
        Producer(daemon.address) as producer,
    ):
        producer.submit_many([b"fill"] * 5, queue="tight")
        hopeless = Producer(daemon.address, retry=RetryPolicy(retry_for=0.3))
        with hopeless, pytest.raises(QueueFull) as err:
            hopeless.submit(b"no room", queue="tight")
        assert err.value.retry_after == pytest.approx(0.1)
        with running(Worker(daemon.address, handle, queues=["tight"])):
            ids = producer.submit_many([b"more"] * 40, queue="tight")
            wait_for(daemon.address, lambda s: s.total_completed == 45)
    assert len(set(ids)) == 40
    assert handled.is_set()


def test_out_of_memory_is_retried_then_raised() -> None:
    def fill(producer: Producer) -> None:
        for _ in range(100):
            producer.submit(b"x" * (48 << 10))

    with running_daemon("--memory", "1MiB", "--max-payload", "64KiB") as daemon:
        producer = Producer(daemon.address, retry=RetryPolicy(retry_for=0.3))
        with producer, pytest.raises(OutOfMemory) as err:
            fill(producer)
        assert err.value.code is ErrorCode.OUT_OF_MEMORY
        stats = wait_for(daemon.address, lambda s: s.total_submitted > 0)
    assert 0 < stats.total_submitted < 100


def test_failed_task_is_retried_and_then_done(daemon: DaemonProcess) -> None:
    attempts: defaultdict[int, list[int]] = defaultdict(list)

    def flaky(task: Task) -> None:
        attempts[task.id].append(task.attempt)
        if task.attempt == 1:
            raise RuntimeError("first try fails")

    with Producer(daemon.address) as producer:
        ids = producer.submit_many([b"a", b"b"], queue="flaky")
    with running(Worker(daemon.address, flaky, queues=["flaky"])):
        stats = wait_for(daemon.address, lambda s: s.total_completed == 2)
    assert stats.total_failed == stats.total_retried == 2
    assert {task_id: attempts[task_id] for task_id in ids} == {
        task_id: [1, 2] for task_id in ids
    }


def test_dead_letters_after_max_attempts_or_a_permanent_error(
    daemon: DaemonProcess,
) -> None:
    def fail(task: Task) -> None:
        if task.payload == b"hopeless":
            raise PermanentError("cannot ever work")
        raise ValueError(f"attempt {task.attempt} failed")

    with Producer(daemon.address) as producer:
        producer.submit(b"hopeless", queue="doomed")
        producer.submit(b"unlucky", queue="doomed", max_attempts=2)
    with running(Worker(daemon.address, fail, queues=["doomed"])):
        stats = wait_for(daemon.address, lambda s: s.total_dead == 2)
    assert queue_stats(stats, "doomed").dead == 2
    assert stats.total_failed == 3
    assert stats.total_retried == 1
    assert stats.total_completed == 0


@pytest.mark.parametrize("touch", ["auto", "by-hand"])
def test_touch_keeps_a_task_longer_than_its_ttr(
    daemon: DaemonProcess, touch: str
) -> None:
    release = threading.Event()
    attempts: list[int] = []

    def long_task(task: Task) -> None:
        attempts.append(task.attempt)
        if touch == "auto":
            release.wait(30)
            return
        while not release.wait(task.ttr / 4):
            task.touch()

    worker = Worker(daemon.address, long_task, auto_touch=touch == "auto")
    with running(worker), Producer(daemon.address) as producer:
        producer.submit(b"slow", ttr=0.4)
        started = wait_for(daemon.address, lambda s: s.total_submitted == 1)
        wait_for(daemon.address, lambda s: s.uptime_ms > started.uptime_ms + 1600)
        release.set()
        stats = wait_for(daemon.address, lambda s: s.total_completed == 1)
    assert stats.total_lost_leases == 0
    assert attempts == [1]


def test_without_touch_the_lease_runs_out(daemon: DaemonProcess) -> None:
    release = threading.Event()

    def long_task(task: Task) -> None:
        release.wait(30)

    worker = Worker(daemon.address, long_task, auto_touch=False, concurrency=2)
    with running(worker), Producer(daemon.address) as producer:
        producer.submit(b"slow", ttr=0.2)
        stats = wait_for(daemon.address, lambda s: s.total_lost_leases >= 1)
        release.set()
    assert stats.total_retried >= 1


def test_worker_reconnects_to_a_restarted_daemon() -> None:
    done = threading.Event()

    def handle(task: Task) -> None:
        if task.payload == b"after restart":
            done.set()

    first = start_daemon()
    port = first.port
    worker = Worker(first.address, handle)
    try:
        with running(worker):
            wait_for(first.address, lambda s: s.current_workers == 1)
            first.kill()
            with running_daemon("--listen", f"127.0.0.1:{port}") as second:
                wait_for(second.address, lambda s: s.current_workers == 1)
                with Producer(second.address) as producer:
                    producer.submit(b"after restart")
                assert done.wait(30)
    finally:
        first.kill()
        if first.process.stdout is not None:
            first.process.stdout.close()
