"""Workers and a group of daemons: discovery through a way in, restarts, changes.

Three daemons run in the test's own event loop on ports reserved up front, so
each can be started with the whole group (``--peers``) and restarted on its
own port. The way in is a stand-in for a load balancer that speaks the
protocol itself: it answers a worker's first READY with a PEERS the test
chooses, and records every READY it gets after that. Waiting is polling with
a deadline.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import anyio
import anyio.to_thread
import pytest
from anyio.abc import SocketStream, TaskGroup, TaskStatus
from quicx_client._task import Task
from quicx_client._worker_config import WorkerConfig
from quicx_client._worker_core import WorkerCore
from quicx_client._worker_threads import ThreadEngine
from quicx_daemon import BrokerConfig, DaemonConfig
from quicx_daemon._server import Server
from quicx_proto import (
    FrameDecoder,
    Ok,
    Peers,
    Ready,
    StatsReply,
    StatsRequest,
    Submit,
    encode,
)
from support.raw_peer import connect

pytestmark = pytest.mark.anyio

DEADLINE = 15.0


def reserve_ports(count: int) -> list[int]:
    """Ports free right now on loopback, all different."""
    socks = [socket.create_server(("127.0.0.1", 0)) for _ in range(count)]
    try:
        return [sock.getsockname()[1] for sock in socks]
    finally:
        for sock in socks:
            sock.close()


async def poll(condition: Callable[[], Awaitable[bool]], what: str) -> None:
    """Wait until ``condition`` holds, failing after the deadline."""
    with anyio.move_on_after(DEADLINE):
        while not await condition():
            await anyio.sleep(0.02)
        return
    raise AssertionError(f"{what}: not within {DEADLINE} s")


async def stats(address: str) -> StatsReply:
    host, port = address.rsplit(":", 1)
    async with connect(host, int(port)) as peer:
        await peer.send(StatsRequest())
        reply = await peer.receive_one()
    assert isinstance(reply, StatsReply)
    return reply


async def workers_on(address: str) -> int:
    return (await stats(address)).current_workers


async def submit(address: str, count: int, queue: str = "q") -> list[int]:
    """Submit ``count`` tasks straight to one daemon; return their ids."""
    host, port = address.rsplit(":", 1)
    message = Submit(
        priority=0, delay_ms=0, ttr_ms=0, max_attempts=0, queue=queue, payload=b"p"
    )
    async with connect(host, int(port)) as peer:
        await peer.send(*[message] * count)
        replies = await peer.receive(count)
    assert all(isinstance(reply, Ok) for reply in replies)
    return [reply.task_id for reply in replies if isinstance(reply, Ok)]


class Group:
    """Daemons on reserved ports, each started with the whole group."""

    def __init__(self, tasks: TaskGroup, count: int, *, with_peers: bool) -> None:
        self._tasks = tasks
        self.ports = reserve_ports(count)
        self.addresses = tuple(f"127.0.0.1:{port}" for port in self.ports)
        self._peers = self.addresses if with_peers else ()
        self._scopes: dict[int, anyio.CancelScope] = {}

    async def start(self, index: int) -> None:
        config = DaemonConfig(
            host="127.0.0.1",
            port=self.ports[index],
            memory=4 << 20,
            peers=self._peers,
            broker=BrokerConfig(node_id=index + 1, max_payload=1024),
        )
        server = Server(config)
        scope = self._scopes[index] = anyio.CancelScope()

        async def serve(*, task_status: TaskStatus[Any]) -> None:
            with scope:
                await server.serve(task_status=task_status)

        await self._tasks.start(serve)

    async def kill(self, index: int) -> None:
        """Stop one daemon at once, connections and all."""
        self._scopes[index].cancel()

        async def refused() -> bool:
            try:
                stream = await anyio.connect_tcp("127.0.0.1", self.ports[index])
            except OSError:
                return True
            await stream.aclose()
            return False

        await poll(refused, "the killed daemon still accepts connections")


class WayIn:
    """A stand-in for a balancer: answers the first READY with PEERS."""

    def __init__(self, addresses: tuple[str, ...]) -> None:
        self.addresses = addresses
        self.readies: list[list[int]] = []  # credits, per connection
        self.address = ""
        self._streams: list[SocketStream] = []

    async def serve(self, *, task_status: TaskStatus[None]) -> None:
        listener = await anyio.create_tcp_listener(local_host="127.0.0.1")
        self.address = (
            f"127.0.0.1:{listener.extra(anyio.abc.SocketAttribute.local_port)}"
        )
        async with listener:
            task_status.started()
            await listener.serve(self._talk)

    async def drop_connections(self) -> None:
        for stream in self._streams:
            await stream.aclose()

    async def _talk(self, stream: SocketStream) -> None:
        self._streams.append(stream)
        credits: list[int] = []
        self.readies.append(credits)
        decoder = FrameDecoder()
        async with stream:
            try:
                async for data in stream:
                    for message in decoder.feed(data):
                        if isinstance(message, Ready):
                            if not credits:
                                await stream.send(
                                    encode(Peers(addresses=self.addresses))
                                )
                            credits.append(message.credit)
            except (anyio.BrokenResourceError, anyio.ClosedResourceError):
                pass


@pytest.fixture(params=["loop", "threads"])
def engine(request: pytest.FixtureRequest) -> str:
    """Which worker engine serves: AsyncWorker's event loop, or Worker's threads."""
    name: str = request.param
    return name


class Handled:
    """The worker's handler: records task ids; some tasks wait for a release."""

    def __init__(self) -> None:
        self.ids: list[int] = []
        self.release = threading.Event()

    async def run_async(self, task: Task) -> bytes:
        if task.queue == "slow":
            await anyio.to_thread.run_sync(self.release.wait, DEADLINE)
        self.ids.append(task.id)
        return b""

    def run_sync(self, task: Task) -> bytes:
        if task.queue == "slow":
            self.release.wait(DEADLINE)
        self.ids.append(task.id)
        return b""


@asynccontextmanager
async def worker(
    engine: str,
    addresses: tuple[str, ...],
    handled: Handled,
    *,
    follow_peers: bool = True,
) -> AsyncIterator[None]:
    config = WorkerConfig(
        addresses=addresses,
        queues=("q", "slow"),
        concurrency=2,
        reconnect_base=0.02,
        reconnect_cap=0.2,
        follow_peers=follow_peers,
    )
    core: WorkerCore | ThreadEngine
    async with anyio.create_task_group() as tasks:
        if engine == "loop":
            core = WorkerCore(config, handled.run_async)
            tasks.start_soon(core.run)
        else:
            core = ThreadEngine(config, handled.run_sync)
            tasks.start_soon(anyio.to_thread.run_sync, core.run)
        yield
        core.stop()


async def until_workers(address: str, count: int) -> None:
    """Wait until ``address`` counts ``count`` worker connections."""
    await poll(lambda: _equals(workers_on(address), count), f"workers on {address}")


async def all_handled(handled: Handled, ids: list[int]) -> None:
    async def done() -> bool:
        return set(ids) <= set(handled.ids)

    await poll(done, f"{len(ids)} tasks handled")


async def test_through_a_way_in_a_worker_serves_every_member_directly(
    engine: str,
) -> None:
    handled = Handled()
    async with anyio.create_task_group() as tasks:
        group = Group(tasks, 3, with_peers=True)
        for index in range(3):
            await group.start(index)
        way_in = WayIn(group.addresses)
        await tasks.start(way_in.serve)
        async with worker(engine, (way_in.address,), handled):
            for address in group.addresses:
                await until_workers(address, 1)
            (credits,) = way_in.readies  # paused once the group was known
            assert credits[0] > 0
            assert credits[1:] == [0]
            ids = [i for address in group.addresses for i in await submit(address, 5)]
            await all_handled(handled, ids)
            assert sorted(handled.ids) == sorted(ids)
        tasks.cancel_scope.cancel()


async def test_a_killed_member_is_served_again_once_it_is_back(engine: str) -> None:
    handled = Handled()
    async with anyio.create_task_group() as tasks:
        group = Group(tasks, 3, with_peers=True)
        for index in range(3):
            await group.start(index)
        async with worker(engine, (group.addresses[0],), handled):
            for address in group.addresses:
                await until_workers(address, 1)
            await group.kill(1)
            await all_handled(handled, await submit(group.addresses[2], 3))
            await group.start(1)
            await until_workers(group.addresses[1], 1)
            await all_handled(handled, await submit(group.addresses[1], 3))
        tasks.cancel_scope.cancel()


async def test_a_member_dropped_from_the_group_is_let_go_after_its_task(
    engine: str,
) -> None:
    handled = Handled()
    async with anyio.create_task_group() as tasks:
        group = Group(tasks, 2, with_peers=False)
        for index in range(2):
            await group.start(index)
        a, b = group.addresses
        way_in = WayIn((a, b))
        await tasks.start(way_in.serve)
        async with worker(engine, (way_in.address,), handled):
            await until_workers(b, 1)
            (slow,) = await submit(b, 1, queue="slow")
            await poll(lambda: _in_flight(b), "the slow task taken")
            way_in.addresses = (a,)
            await way_in.drop_connections()  # the worker comes back, hears (a,)
            await poll(lambda: _equals(_len(way_in.readies), 2), "way in again")
            assert await workers_on(b) == 1  # it still holds the slow task
            handled.release.set()
            await until_workers(b, 0)
            assert (await stats(b)).total_completed == 1
            assert slow in handled.ids
            assert await workers_on(a) == 1
        tasks.cancel_scope.cancel()


@pytest.mark.parametrize("with_peers", [False, True], ids=["no-group", "group"])
async def test_explicit_addresses_are_served_as_before(
    engine: str, with_peers: bool
) -> None:
    handled = Handled()
    async with anyio.create_task_group() as tasks:
        group = Group(tasks, 3, with_peers=with_peers)
        for index in range(3):
            await group.start(index)
        async with worker(engine, group.addresses[:2], handled):
            ids = [i for a in group.addresses[:2] for i in await submit(a, 4)]
            await all_handled(handled, ids)
            assert [await workers_on(a) for a in group.addresses[:2]] == [1, 1]
            assert await workers_on(group.addresses[2]) == int(with_peers)
        tasks.cancel_scope.cancel()


async def test_a_worker_told_not_to_follow_peers_serves_its_addresses_only(
    engine: str,
) -> None:
    handled = Handled()
    async with anyio.create_task_group() as tasks:
        group = Group(tasks, 2, with_peers=True)
        for index in range(2):
            await group.start(index)
        async with worker(engine, group.addresses[:1], handled, follow_peers=False):
            await all_handled(handled, await submit(group.addresses[0], 2))
            assert await workers_on(group.addresses[1]) == 0
        tasks.cancel_scope.cancel()


async def _equals(value: Awaitable[int], expected: int) -> bool:
    return await value == expected


async def _len(items: list[Any]) -> int:
    return len(items)


async def _in_flight(address: str) -> bool:
    return any(queue.in_flight for queue in (await stats(address)).queues)
