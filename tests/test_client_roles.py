"""End to end through the public client API: producers, workers, monitors.

Every test runs real daemons (``python -m quicx_daemon``) on loopback.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Iterator

import anyio
import pytest
from client.live import queue_stats, running, wait_for, wait_until
from quicx_client import (
    AsyncMonitor,
    AsyncProducer,
    AsyncWorker,
    Monitor,
    Producer,
    RetryPolicy,
    ServerError,
    Task,
    Worker,
)
from quicx_proto import ErrorCode
from support.daemon_process import DaemonProcess, running_daemon


@pytest.fixture(params=["asyncio", "trio"])
def anyio_backend(request: pytest.FixtureRequest) -> str:
    backend: str = request.param
    return backend


@pytest.fixture
def two_daemons() -> Iterator[tuple[DaemonProcess, DaemonProcess]]:
    with running_daemon("--node-id", "1") as a, running_daemon("--node-id", "2") as b:
        yield a, b


def test_sync_producer_and_worker_finish_every_task(daemon: DaemonProcess) -> None:
    seen: dict[int, bytes] = {}
    lock = threading.Lock()

    def handle(task: Task) -> bytes:
        with lock:
            seen[task.id] = task.payload
        assert task.attempt == 1
        assert task.queue == "jobs"
        return task.payload.upper()

    with Producer(daemon.address) as producer:
        ids = [producer.submit(b"one-%d" % i, queue="jobs") for i in range(100)]
        ids += producer.submit_many((b"many-%d" % i for i in range(400)), queue="jobs")
    assert len(set(ids)) == 500

    with running(Worker(daemon.address, handle, queues=["jobs"], concurrency=4)):
        stats = wait_for(daemon.address, lambda s: s.total_completed == 500)
    assert seen.keys() == set(ids)
    assert stats.total_submitted == 500
    assert stats.total_failed == stats.total_lost_leases == 0
    assert queue_stats(stats, "jobs").depth == 0
    after = wait_for(daemon.address, lambda s: s.current_workers == 0)
    assert after.total_completed == 500


@pytest.mark.parametrize("prefetch", [0, 2])
def test_worker_credit_is_its_concurrency_and_prefetch(
    daemon: DaemonProcess, prefetch: int
) -> None:
    first_two = threading.Barrier(3, timeout=20)
    release = threading.Event()
    calls = Counter[str]()
    lock = threading.Lock()

    def handle(task: Task) -> None:
        with lock:
            calls["handled"] += 1
            early = calls["handled"] <= 2
        if early:
            first_two.wait()
            release.wait(20)

    with Producer(daemon.address) as producer:
        producer.submit_many([b""] * 5)
    worker = Worker(daemon.address, handle, concurrency=2, prefetch=prefetch)
    with running(worker):
        first_two.wait()
        stats = wait_for(
            daemon.address,
            lambda s: queue_stats(s, "default").in_flight == 2 + prefetch,
        )
        assert queue_stats(stats, "default").depth == 3 - prefetch
        assert calls["handled"] == 2  # the prefetched tasks wait for a handler
        release.set()
        wait_for(daemon.address, lambda s: s.total_completed == 5)


def test_many_workers_share_a_queue(daemon: DaemonProcess) -> None:
    together = threading.Barrier(3, timeout=20)
    handled: Counter[int] = Counter()
    lock = threading.Lock()

    def handler_of(index: int) -> Callable[[Task], None]:
        def handle(task: Task) -> None:
            with lock:
                handled[index] += 1
                first = handled[index] == 1
            if first:
                together.wait()

        return handle

    workers = [Worker(daemon.address, handler_of(i)) for i in range(3)]
    with Producer(daemon.address) as producer:
        producer.submit_many([b"%d" % i for i in range(60)])
    with running(workers[0]), running(workers[1]), running(workers[2]):
        wait_for(daemon.address, lambda s: s.total_completed == 60)
    assert sum(handled.values()) == 60
    assert set(handled) == {0, 1, 2}


def test_one_worker_serves_several_daemons(
    two_daemons: tuple[DaemonProcess, DaemonProcess],
) -> None:
    a, b = two_daemons
    seen: set[int] = set()
    lock = threading.Lock()

    def handle(task: Task) -> None:
        with lock:
            seen.add(task.id)

    ids = []
    for daemon in (a, b):
        with Producer(daemon.address) as producer:
            ids += producer.submit_many([b"x"] * 50)
    assert {task_id >> 48 for task_id in ids} == {1, 2}
    with running(Worker([a.address, b.address], handle, concurrency=3)):
        for daemon in (a, b):
            wait_for(daemon.address, lambda s: s.total_completed == 50)
    assert seen == set(ids)


def test_producer_leaves_a_draining_daemon_for_the_next(
    two_daemons: tuple[DaemonProcess, DaemonProcess],
) -> None:
    a, b = two_daemons
    with Producer([a.address, b.address]) as producer:
        held = producer.submit(b"keeps a draining", queue="nobody-serves")
        assert held >> 48 == 1
        with Monitor(a.address) as monitor:
            assert monitor.stats()["total_submitted"] == 1
        a.process.send_signal(2)
        wait_until(lambda: _refuses_submit(a))
        moved = producer.submit(b"lands on b")
    assert moved >> 48 == 2


def _refuses_submit(daemon: DaemonProcess) -> bool:
    """Whether the daemon has begun draining: a signal is handled in its own
    time, so a SUBMIT right after it may still be accepted."""
    with Producer(daemon.address, retry=RetryPolicy(retry_for=0)) as probe:
        try:
            probe.submit(b"probe", queue="nobody-serves")
        except ServerError as error:
            refusal = error.code
        else:
            return False
    assert refusal is ErrorCode.SHUTTING_DOWN
    return True


@pytest.mark.anyio
async def test_async_producer_and_worker(daemon: DaemonProcess) -> None:
    seen: set[bytes] = set()

    async def handle(task: Task) -> bytes:
        await anyio.lowlevel.checkpoint()
        seen.add(task.payload)
        return b"ok"

    worker = AsyncWorker(daemon.address, handle, concurrency=8, handle_signals=False)
    async with anyio.create_task_group() as tasks:
        tasks.start_soon(worker.run)
        async with AsyncProducer(daemon.address) as producer:
            ids: list[int] = []

            async def submit(i: int) -> None:
                ids.append(await producer.submit(b"one-%d" % i))

            async with anyio.create_task_group() as submitters:
                for i in range(50):
                    submitters.start_soon(submit, i)
            ids += await producer.submit_many(b"many-%d" % i for i in range(150))
        async with AsyncMonitor(daemon.address) as monitor:
            with anyio.fail_after(30):
                while (await monitor.stats())["total_completed"] < 200:
                    await anyio.sleep(0.01)
        worker.stop()
    assert len(set(ids)) == 200
    assert len(seen) == 200
