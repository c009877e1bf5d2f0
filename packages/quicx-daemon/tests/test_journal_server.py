"""The daemon with a journal, in process: OK waits for the disk and nothing
else does, group commit, a failing disk, restarts, STATS."""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import threading
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path
from typing import Any

import anyio
import pytest
from quicx_daemon import BrokerConfig, DaemonConfig
from quicx_daemon._config import JournalConfig
from quicx_daemon._journal._files import JournalFiles
from quicx_daemon._journal._journal import BATCHES_AT_ONCE
from quicx_daemon._server import Server
from quicx_proto import (
    Done,
    Error,
    ErrorCode,
    Failed,
    Heartbeat,
    Message,
    Ok,
    Pong,
    Ready,
    StatsReply,
    StatsRequest,
    Submit,
    Task,
)
from support.raw_peer import RawPeer, connect

pytestmark = pytest.mark.anyio

WAIT = 10.0  # seconds a thread may take to reach a gate


class FaultyFiles(JournalFiles):
    """A file layer that counts syncs, can hold writes at a gate, and can
    fail writes or syncs with a given errno."""

    def __init__(self) -> None:
        self.syncs = 0
        self.fail_write: int | None = None
        self.fail_sync: int | None = None
        self.gate: threading.Event | None = None
        self.at_gate = threading.Event()

    def hold(self) -> None:
        """Make the next write wait until :meth:`release`."""
        self.at_gate.clear()
        self.gate = threading.Event()

    def release(self) -> None:
        gate, self.gate = self.gate, None
        assert gate is not None
        gate.set()

    def write(self, fd: int, data: bytes | bytearray | memoryview) -> None:
        gate = self.gate
        if gate is not None:
            self.at_gate.set()
            gate.wait(WAIT)
        if self.fail_write is not None:
            raise OSError(self.fail_write, os.strerror(self.fail_write))
        super().write(fd, data)

    def sync(self, fd: int) -> None:
        if self.fail_sync is not None:
            raise OSError(self.fail_sync, os.strerror(self.fail_sync))
        self.syncs += 1
        super().sync(fd)


@asynccontextmanager
async def serving(
    directory: Path, files: JournalFiles | None = None, **journal: Any
) -> AsyncIterator[tuple[Server, str, int]]:
    """A daemon with a journal in ``directory``; closes the journal at exit
    without flushing it, as a crash would leave it (minus the page cache)."""
    journal.setdefault("retry_after_ms", 50)
    config = DaemonConfig(
        host="127.0.0.1",
        port=0,
        memory=8 << 20,
        broker=BrokerConfig(max_payload=1024, max_dead=3),
        journal=JournalConfig(data_dir=directory, **journal),
    )
    server = Server(config, journal_files=files)
    assert server.journal is not None
    try:
        async with anyio.create_task_group() as group:
            host, port = await group.start(server.serve)
            yield server, host, port
            group.cancel_scope.cancel()
    finally:
        await server.journal.aclose()


def submit(payload: bytes = b"x", **fields: int) -> Submit:
    values = {"priority": 0, "delay_ms": 0, "ttr_ms": 0, "max_attempts": 0}
    values.update(fields)
    return Submit(queue="q", payload=payload, **values)


async def stats(peer: RawPeer) -> StatsReply:
    await peer.send(StatsRequest())
    reply = await peer.receive_one()
    assert isinstance(reply, StatsReply)
    return reply


async def at_gate(files: FaultyFiles) -> None:
    assert await anyio.to_thread.run_sync(files.at_gate.wait, WAIT)


def ok_id(message: Message) -> int:
    assert isinstance(message, Ok), message
    return message.task_id


async def test_ok_waits_for_the_disk_and_nothing_else_does(tmp_path: Path) -> None:
    files = FaultyFiles()
    async with (
        serving(tmp_path, files) as (_, host, port),
        connect(host, port) as producer,
        connect(host, port) as monitor,
    ):
        files.hold()
        await producer.send(submit(), Heartbeat(token=6))
        await at_gate(files)
        # The write is stuck in its thread; the loop serves everyone else.
        await monitor.send(Heartbeat(token=5))
        assert await monitor.receive_one() == Pong(token=5)
        assert (await stats(monitor)).total_submitted == 0
        # The producer's PONG keeps its place behind the OK.
        assert await producer.quiet(0.2)
        files.release()
        first, second = await producer.receive(2)
        assert ok_id(first) == 1
        assert second == Pong(token=6)
        assert (await stats(monitor)).total_submitted == 1


async def test_submits_that_arrive_together_share_one_fsync(tmp_path: Path) -> None:
    """While the disk holds the first write, everything that comes after
    gathers into the next batch (or the next BATCHES_AT_ONCE)."""
    files = FaultyFiles()
    peers, each = 12, 5
    async with serving(tmp_path, files) as (server, host, port):
        async with connect(host, port) as first:
            files.hold()
            await first.send(submit())
            await at_gate(files)
            connected = []
            async with AsyncExitStack() as stack:
                for _ in range(peers):
                    peer = await stack.enter_async_context(connect(host, port))
                    await peer.send(*[submit() for _ in range(each)])
                    connected.append(peer)
                with anyio.fail_after(WAIT):
                    while server.broker.backlog().queued < 1 + peers * each:
                        await anyio.sleep(0.01)
                syncs = files.syncs
                files.release()
                ids = [ok_id(await first.receive_one())]
                for peer in connected:
                    ids += [ok_id(m) for m in await peer.receive(each)]
        assert sorted(ids) == list(range(1, 2 + peers * each))
        assert files.syncs - syncs <= BATCHES_AT_ONCE + 1


@pytest.mark.parametrize("fault", ["write", "sync"])
async def test_a_failing_disk_refuses_submits_and_serves_what_it_holds(
    tmp_path: Path, fault: str
) -> None:
    files = FaultyFiles()
    async with (
        serving(tmp_path, files) as (_, host, port),
        connect(host, port) as producer,
        connect(host, port) as worker,
    ):
        await producer.send(*[submit(b"%d" % i) for i in range(3)])
        held = [ok_id(m) for m in await producer.receive(3)]
        if fault == "write":
            files.fail_write = errno.ENOSPC
        else:
            files.fail_sync = errno.EIO
        await producer.send(submit(b"lost"), submit(b"lost too"))
        for refusal in await producer.receive(2):
            assert isinstance(refusal, Error), refusal
            assert refusal.code is ErrorCode.JOURNAL_UNAVAILABLE
            assert (refusal.retry_after_ms, refusal.task_id) == (50, 0)
        # The daemon stays up and keeps serving the tasks it holds.
        await worker.send(Ready(credit=5, queues=("q",)))
        tasks = await worker.receive(3)
        assert [t.task_id for t in tasks if isinstance(t, Task)] == held
        await worker.send(*[Done(task_id=i, result=b"") for i in held])
        await producer.send(Heartbeat(token=1))
        assert await producer.receive_one() == Pong(token=1)
        reply = await stats(producer)
        assert (reply.total_submitted, reply.total_completed) == (3, 3)
        # Once the disk works again, so does SUBMIT.
        files.fail_write = files.fail_sync = None
        with anyio.fail_after(WAIT):
            while True:
                await producer.send(submit(b"again"))
                answer = await producer.receive_one()
                if isinstance(answer, Ok):
                    break
                assert isinstance(answer, Error)
                assert answer.code is ErrorCode.JOURNAL_UNAVAILABLE
                await anyio.sleep(answer.retry_after_ms / 1000)
        again = answer.task_id
        assert again > held[-1]
    # A restart finds only the task accepted after the failure.
    async with serving(tmp_path) as (_, host, port), connect(host, port) as worker:
        await worker.send(Ready(credit=5, queues=("q",)))
        task = await worker.receive_one()
        assert isinstance(task, Task)
        assert (task.task_id, task.payload) == (again, b"again")
        assert await worker.quiet(0.2)


async def test_a_restart_brings_tasks_back_as_they_were(tmp_path: Path) -> None:
    async with (
        serving(tmp_path) as (server, host, port),
        connect(host, port) as producer,
        connect(host, port) as worker,
    ):
        await producer.send(
            submit(b"ready", priority=2),
            submit(b"later", delay_ms=60_000),
            submit(b"doomed", max_attempts=1),
            submit(b"leased", priority=1),
        )
        ready, _, doomed, leased = [ok_id(m) for m in await producer.receive(4)]
        await worker.send(Ready(credit=2, queues=("q",)))
        first, second = await worker.receive(2)
        assert isinstance(first, Task)
        assert isinstance(second, Task)
        assert [first.task_id, second.task_id] == [doomed, leased]
        await worker.send(Failed(task_id=doomed, retry=True, reason="broken"))
        assert isinstance(await worker.receive_one(), Task)  # "ready" comes next
        await server.journal.flush()  # type: ignore[union-attr]
        due = (await stats(producer)).queues[0]
        assert (due.delayed, due.dead, due.in_flight) == (1, 1, 2)
    async with (
        serving(tmp_path) as (_, host, port),
        connect(host, port) as producer,
        connect(host, port) as worker,
        connect(host, port) as monitor,
    ):
        reply = await stats(monitor)
        [queue] = reply.queues
        assert (queue.depth, queue.delayed, queue.dead) == (2, 1, 1)
        assert reply.total_lost_leases == 2  # the two leases held at the stop
        await worker.send(Ready(credit=2, queues=("q",)))
        tasks = [m for m in await worker.receive(2) if isinstance(m, Task)]
        assert [(t.task_id, t.attempt) for t in tasks] == [(leased, 2), (ready, 2)]
        await producer.send(submit())
        assert ok_id(await producer.receive_one()) == leased + 1
        await worker.send(*[Done(task_id=t.task_id, result=b"") for t in tasks])
        new = await worker.receive_one()  # the new task, not "later"
        assert isinstance(new, Task)
        assert new.task_id == leased + 1
        assert await worker.quiet(0.2)  # "later" is still a minute away


async def test_stats_reports_the_journal(tmp_path: Path) -> None:
    async with (
        serving(tmp_path) as (server, host, port),
        connect(host, port) as producer,
        connect(host, port) as worker,
    ):
        await producer.send(*[submit(b"y" * 500) for _ in range(10)])
        await producer.receive(10)
        full = await stats(producer)
        assert full.journal_bytes > 5000
        assert 900_000 < full.journal_live_ppm <= 1_000_000
        await worker.send(Ready(credit=10, queues=("q",)))
        tasks = await worker.receive(10)
        ids = [t.task_id for t in tasks if isinstance(t, Task)]
        await worker.send(*[Done(task_id=i, result=b"") for i in ids])
        with anyio.fail_after(WAIT):
            while (await stats(producer)).total_completed < 10:
                pass
        done = await stats(producer)
        assert done.journal_bytes > full.journal_bytes
        assert done.journal_live_ppm < 10_000
        assert server.journal is not None
        assert server.journal.stats() == (done.journal_bytes, done.journal_live_ppm)


RECORDS_PER_TASK = 196  # submitted (9 + 35 + 1 + 4 + 100), dispatched, done


def disk_use(directory: Path) -> int:
    """Bytes in the segment files; one deleted while counting counts 0."""
    total = 0
    for path in directory.glob("*.qxj"):
        with contextlib.suppress(FileNotFoundError):
            total += path.stat().st_size
    return total


async def test_compaction_keeps_disk_use_bounded_under_a_long_lived_backlog(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A backlog that never runs (delayed an hour, or dead-lettered) sits in
    the oldest segments while thousands of tasks pass through. Deleting dead
    segments alone cannot free those; compaction must. Between compactions
    the journal stays within max(compact_min, live / compact_below), plus
    what is written between two looks at it (a round of tasks here) and the
    segments a done record keeps (see _liveness). While a compaction runs,
    its snapshot and the segments it replaces are both on disk, so use rises
    by about the live size for that moment."""
    segment, compact_min, below = 4096, 32 << 10, 0.5
    rounds, per_round = 120, 30
    caplog.set_level(logging.INFO, logger="quicx_daemon")
    async with (
        serving(
            tmp_path, segment_size=segment, compact_min=compact_min, compact_below=below
        ) as (server, host, port),
        connect(host, port) as producer,
        connect(host, port) as worker,
    ):
        journal = server.journal
        assert journal is not None
        await producer.send(
            *[submit(b"d" * 100, delay_ms=3_600_000) for _ in range(100)]
        )
        await producer.receive(100)
        await worker.send(Ready(credit=100, queues=("q",)))
        await producer.send(*[submit(b"f" * 100, max_attempts=1) for _ in range(20)])
        await producer.receive(20)
        dead = [m.task_id for m in await worker.receive(20) if isinstance(m, Task)]
        await worker.send(*[Failed(task_id=i, retry=False, reason="no") for i in dead])
        settled = written = live = 0
        for _ in range(rounds):
            await producer.send(*[submit(b"t" * 100) for _ in range(per_round)])
            await producer.receive(per_round)
            tasks = [m for m in await worker.receive(per_round) if isinstance(m, Task)]
            await worker.send(*[Done(task_id=t.task_id, result=b"") for t in tasks])
            written += len(tasks) * RECORDS_PER_TASK
            await journal.flush()
            with anyio.fail_after(WAIT):
                while journal.compacting:
                    await anyio.sleep(0.005)
            settled = max(settled, disk_use(tmp_path))
            size, live_ppm = journal.stats()
            live = max(live, size * live_ppm // 1_000_000)
    bound = max(compact_min, int(live / below)) + per_round * RECORDS_PER_TASK
    bound += 2 * segment
    logging.getLogger(__name__).info(
        "journal at most %d bytes between compactions, bound %d, live at most %d, "
        "%d bytes of records written, %d compactions",
        settled,
        bound,
        live,
        written,
        caplog.text.count("compacted into a snapshot"),
    )
    assert caplog.text.count("compacted into a snapshot") > 5
    assert settled <= bound, f"peak {settled} bytes, bound {bound}, live {live}"
    assert written > 10 * bound  # the bound is far below all that was written


async def test_fsync_interval_answers_before_the_sync_and_syncs_soon_after(
    tmp_path: Path,
) -> None:
    files = FaultyFiles()
    async with (
        serving(tmp_path, files, fsync="interval", fsync_interval=0.3) as (
            _,
            host,
            port,
        ),
        connect(host, port) as producer,
    ):
        syncs = files.syncs
        await producer.send(submit())
        assert ok_id(await producer.receive_one()) == 1
        assert files.syncs == syncs  # OK came before any sync
        with anyio.fail_after(WAIT):
            while files.syncs == syncs:
                await anyio.sleep(0.01)


async def test_fsync_never_answers_without_syncing(tmp_path: Path) -> None:
    files = FaultyFiles()
    async with (
        serving(tmp_path, files, fsync="never") as (server, host, port),
        connect(host, port) as producer,
    ):
        syncs = files.syncs
        await producer.send(*[submit() for _ in range(20)])
        assert [ok_id(m) for m in await producer.receive(20)] == list(range(1, 21))
        assert server.journal is not None
        await server.journal.flush()
        assert files.syncs == syncs
