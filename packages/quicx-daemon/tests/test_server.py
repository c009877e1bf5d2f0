"""The server on loopback, with raw frames: every ERROR of spec/PROTOCOL.md,
roles, pipelining, timers, heartbeats, slow readers and draining."""

from __future__ import annotations

import socket
import struct
from typing import Any

import anyio
import pytest
from quicx_daemon._connection import Role
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
    Touch,
    Wait,
    encode,
)
from support.inprocess_daemon import serving
from support.raw_peer import RawPeer, connect

pytestmark = pytest.mark.anyio

FRAME_LIMIT = 1024 + 1024  # the default test payload limit plus 1024


def submit(queue: str = "q", payload: bytes = b"x", **fields: int) -> Submit:
    values = {"priority": 0, "delay_ms": 0, "ttr_ms": 0, "max_attempts": 0}
    values.update(fields)
    return Submit(queue=queue, payload=payload, **values)


def header(msg_type: int, length: int, magic: bytes = b"QX", version: int = 1) -> bytes:
    return struct.pack(">2sBBI", magic, version, msg_type, length)


def error_of(message: Message) -> tuple[ErrorCode, int, int]:
    assert isinstance(message, Error), message
    return message.code, message.retry_after_ms, message.task_id


async def expect_closing(peer: RawPeer, code: ErrorCode) -> None:
    assert error_of(await peer.receive_one()) == (code, 0, 0)
    assert await peer.closed()


# -- errors that close the connection --------------------------------------------


@pytest.mark.parametrize(
    ("data", "code"),
    [
        pytest.param(header(1, 0, magic=b"XQ"), ErrorCode.MALFORMED_FRAME, id="magic"),
        pytest.param(header(1, 0, version=2), ErrorCode.UNSUPPORTED_VERSION, id="v2"),
        pytest.param(header(99, 0), ErrorCode.UNKNOWN_MESSAGE_TYPE, id="type-99"),
        pytest.param(
            header(1, FRAME_LIMIT + 1), ErrorCode.FRAME_TOO_LARGE, id="too-large"
        ),
        pytest.param(header(1, 3) + b"abc", ErrorCode.MALFORMED_FRAME, id="body"),
        pytest.param(
            encode(Done(task_id=1, result=b"")),
            ErrorCode.NOT_ALLOWED_FOR_ROLE,
            id="done-first",
        ),
        pytest.param(
            encode(Ok(task_id=1)), ErrorCode.NOT_ALLOWED_FOR_ROLE, id="daemon-only"
        ),
    ],
)
async def test_a_bad_frame_gets_error_and_the_connection_closes(
    data: bytes, code: ErrorCode
) -> None:
    async with serving() as (_, host, port), connect(host, port) as peer:
        await peer.send_raw(data)
        await expect_closing(peer, code)


async def test_frame_too_large_is_refused_from_the_header_alone() -> None:
    async with serving() as (_, host, port), connect(host, port) as peer:
        await peer.send(submit())
        await peer.receive_one()
        await peer.send_raw(header(1, 1 << 30))  # no body will ever follow
        await expect_closing(peer, ErrorCode.FRAME_TOO_LARGE)


async def test_frames_read_with_a_bad_one_are_answered_before_the_error() -> None:
    async with serving() as (_, host, port), connect(host, port) as peer:
        await peer.send_raw(encode(submit()) + encode(submit()) + header(99, 0))
        first, second = await peer.receive(2)
        assert isinstance(first, Ok)
        assert isinstance(second, Ok)
        await expect_closing(peer, ErrorCode.UNKNOWN_MESSAGE_TYPE)


@pytest.mark.parametrize(
    ("first", "then"),
    [
        pytest.param(submit(), Ready(credit=1, queues=("q",)), id="producer-ready"),
        pytest.param(StatsRequest(), submit(), id="monitor-submit"),
        pytest.param(Ready(credit=1, queues=("q",)), submit(), id="worker-submit"),
        pytest.param(submit(), Done(task_id=1, result=b""), id="producer-done"),
    ],
)
async def test_a_frame_not_allowed_for_the_role_closes_after_earlier_replies(
    first: Message, then: Message
) -> None:
    async with serving() as (_, host, port), connect(host, port) as peer:
        await peer.send(first, then)
        replies = await peer.receive(2)
        assert not isinstance(replies[0], Error)
        assert error_of(replies[1]) == (ErrorCode.NOT_ALLOWED_FOR_ROLE, 0, 0)
        assert await peer.closed()


# -- errors that keep the connection -------------------------------------------


async def test_submit_refusals_keep_the_connection() -> None:
    async with serving() as (_, host, port), connect(host, port) as peer:
        await peer.send(submit(""), submit(payload=b"p" * 1025), submit())
        first, second, third = await peer.receive(3)
        assert error_of(first) == (ErrorCode.INVALID_FIELD, 0, 0)
        assert error_of(second) == (ErrorCode.PAYLOAD_TOO_LARGE, 0, 0)
        assert third == Ok(task_id=1)


async def test_ready_refusals_keep_the_connection() -> None:
    async with serving() as (_, host, port), connect(host, port) as peer:
        await peer.send(Ready(credit=1, queues=()), Ready(credit=1, queues=("",)))
        for reply in await peer.receive(2):
            assert error_of(reply) == (ErrorCode.INVALID_FIELD, 0, 0)
        await peer.send(Ready(credit=1, queues=("q",)))
        assert await peer.receive_one() == Wait()


async def test_messages_about_tasks_not_held_get_unknown_task() -> None:
    async with serving() as (_, host, port), connect(host, port) as peer:
        await peer.send(
            Ready(credit=1, queues=("q",)),
            Done(task_id=7, result=b""),
            Touch(task_id=8),
            Failed(task_id=9, retry=True, reason="?"),
        )
        wait, *errors = await peer.receive(4)
        assert wait == Wait()
        assert [error_of(e) for e in errors] == [
            (ErrorCode.UNKNOWN_TASK, 0, 7),
            (ErrorCode.UNKNOWN_TASK, 0, 8),
            (ErrorCode.UNKNOWN_TASK, 0, 9),
        ]
        await peer.send(Heartbeat(token=5))
        assert await peer.receive_one() == Pong(token=5)


async def test_a_late_done_after_the_lease_ran_out_gets_lease_expired() -> None:
    async with (
        serving() as (_, host, port),
        connect(host, port) as slow,
        connect(host, port) as other,
    ):
        await slow.send(Ready(credit=1, queues=("q",)))
        await slow.receive_one()  # WAIT
        async with connect(host, port) as producer:
            await producer.send(submit(ttr_ms=100))
            task_id = (await producer.receive_one()).task_id  # type: ignore[union-attr]
        assert isinstance(await slow.receive_one(), Task)
        await other.send(Ready(credit=1, queues=("q",)))
        assert await other.receive_one() == Wait()  # until the lease runs out
        redelivered = await other.receive_one(timeout=5)
        assert isinstance(redelivered, Task)
        assert (redelivered.task_id, redelivered.attempt) == (task_id, 2)
        await slow.send(Done(task_id=task_id, result=b""))
        reply = await slow.receive_one()
        assert error_of(reply) == (ErrorCode.LEASE_EXPIRED, 0, task_id)
        await other.send(Done(task_id=task_id, result=b""), StatsRequest())
        stats = await other.receive_one()
        assert isinstance(stats, StatsReply)
        assert (stats.total_completed, stats.total_lost_leases) == (1, 1)


async def test_a_full_arena_answers_out_of_memory_with_a_retry_hint() -> None:
    async with serving(memory=256 << 10) as (_, host, port):
        async with connect(host, port) as peer:
            await peer.send(*[submit(payload=b"p" * 1000) for _ in range(400)])
            replies = await peer.receive(400)
        oks = [r for r in replies if isinstance(r, Ok)]
        errors = {error_of(r) for r in replies if not isinstance(r, Ok)}
        assert oks
        assert errors == {(ErrorCode.OUT_OF_MEMORY, 100, 0)}


async def test_a_queue_at_its_limit_answers_queue_full() -> None:
    async with serving(queue_limit=1) as (_, host, port), connect(host, port) as peer:
        await peer.send(submit(), submit())
        ok, full = await peer.receive(2)
        assert isinstance(ok, Ok)
        assert error_of(full) == (ErrorCode.QUEUE_FULL, 100, 0)


async def test_an_internal_failure_answers_internal_error_and_keeps_serving(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async with serving() as (server, host, port), connect(host, port) as peer:

        def broken(**fields: Any) -> int:
            raise RuntimeError("simulated fault")

        monkeypatch.setattr(server.broker, "submit", broken)
        await peer.send(submit())
        assert error_of(await peer.receive_one()) == (ErrorCode.INTERNAL_ERROR, 0, 0)
        await peer.send(StatsRequest())
        assert isinstance(await peer.receive_one(), StatsReply)


# -- roles, order, timers ------------------------------------------------------------


async def test_heartbeat_and_pong_decide_no_role() -> None:
    async with serving() as (server, host, port), connect(host, port) as peer:
        await peer.send(Heartbeat(token=1), Pong(token=2))
        assert await peer.receive_one() == Pong(token=1)
        assert [c.role for c in server._connections.values()] == [Role.NEW]
        await peer.send(Ready(credit=1, queues=("q",)))
        assert await peer.receive_one() == Wait()


async def test_pipelined_requests_are_answered_in_order_and_tasks_flow() -> None:
    async with (
        serving(node_id=2) as (_, host, port),
        connect(host, port) as producer,
        connect(host, port) as worker,
    ):
        await producer.send(*[submit(payload=bytes([i])) for i in range(50)])
        oks = await producer.receive(50)
        base = 2 << 48
        assert oks == [Ok(task_id=base + i) for i in range(1, 51)]
        await worker.send(Ready(credit=100, queues=("q",)))
        tasks = await worker.receive(50)
        assert [t.payload for t in tasks] == [bytes([i]) for i in range(50)]  # type: ignore[union-attr]
        await worker.send(*[Done(task_id=base + i, result=b"") for i in range(1, 51)])
        await producer.send(StatsRequest())
        stats = await producer.receive_one()
        assert isinstance(stats, StatsReply)
        assert (stats.total_completed, stats.arena_used) == (50, 0)
        roles = (stats.current_producers, stats.current_workers)
        assert roles == (1, 1)
        assert await worker.quiet(0.2)  # idle again, but no READY: no WAIT


async def test_a_delayed_task_is_dispatched_when_its_delay_ends() -> None:
    async with serving() as (_, host, port), connect(host, port) as worker:
        await worker.send(Ready(credit=1, queues=("q",)))
        assert await worker.receive_one() == Wait()
        async with connect(host, port) as producer:
            await producer.send(submit(delay_ms=150))
            await producer.receive_one()
        started = anyio.current_time()
        assert isinstance(await worker.receive_one(timeout=5), Task)
        assert anyio.current_time() - started >= 0.1


async def test_accepted_sockets_use_tcp_nodelay() -> None:
    async with serving() as (server, host, port), connect(host, port) as peer:
        await peer.send(Heartbeat(token=1))
        await peer.receive_one()
        (conn,) = server._connections.values()
        raw = conn.link.socket()
        assert raw.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)


# -- heartbeats, slow readers, draining -------------------------------------------


async def test_a_silent_worker_gets_heartbeats_then_is_dropped_and_loses_its_task() -> (
    None
):
    async with serving(heartbeat=0.2, heartbeat_misses=3) as (_, host, port):
        async with connect(host, port) as silent:
            await silent.send(Ready(credit=1, queues=("q",)))
            await silent.receive_one()  # WAIT
            async with connect(host, port) as producer:
                await producer.send(submit())
                await producer.receive_one()
            assert isinstance(await silent.receive_one(), Task)
            beats = await silent.receive(2, timeout=5)
            assert all(isinstance(b, Heartbeat) for b in beats)
            await expect_closing(silent, ErrorCode.HEARTBEAT_TIMEOUT)
        async with connect(host, port) as other:
            await other.send(Ready(credit=1, queues=("q",)))
            task = await other.receive_one()
            assert isinstance(task, Task)
            assert task.attempt == 2


async def test_a_peer_that_answers_heartbeats_stays() -> None:
    async with (
        serving(heartbeat=0.1, heartbeat_misses=10) as (_, host, port),
        connect(host, port) as peer,
    ):
        for _ in range(4):
            beat = await peer.receive_one(timeout=5)
            assert isinstance(beat, Heartbeat)
            await peer.send(Pong(token=beat.token))
        await peer.send(StatsRequest())
        assert isinstance(await peer.receive_one(), StatsReply)


async def test_a_worker_that_does_not_read_is_dropped_and_its_tasks_go_on() -> None:
    settings = {"max_payload": 64 << 10, "memory": 32 << 20, "max_send_buffer": 1 << 20}
    async with serving(**settings) as (server, host, port):
        async with connect(host, port) as stuck:
            await stuck.send(Ready(credit=1000, queues=("q",)))
            async with connect(host, port) as producer:
                await producer.send(
                    *[submit(payload=b"p" * 60_000) for _ in range(200)]
                )
                oks = await producer.receive(200, timeout=10)
            assert all(isinstance(ok, Ok) for ok in oks)
            with anyio.fail_after(10):
                while server.broker.counters.lost_leases == 0:
                    await anyio.sleep(0.01)
        async with connect(host, port) as worker:
            await worker.send(Ready(credit=1000, queues=("q",)))
            tasks = await worker.receive(200, timeout=10)
            assert {t.task_id for t in tasks} == {ok.task_id for ok in oks}  # type: ignore[union-attr]


async def test_a_hung_worker_that_neither_reads_nor_writes_is_dropped() -> None:
    settings = {
        "max_payload": 64 << 10,
        "memory": 32 << 20,
        "heartbeat": 0.1,
        "heartbeat_misses": 2,
    }
    async with serving(**settings) as (server, host, port):
        async with connect(host, port) as hung:
            await hung.send(Ready(credit=1000, queues=("q",)))
            async with connect(host, port) as producer:
                big = [submit(payload=b"p" * 60_000) for _ in range(200)]
                await producer.send(*big)
                oks = await producer.receive(200, timeout=10)
            # Its buffers are full and it says nothing: heartbeats cannot
            # reach it, the closing ERROR cannot either, yet it is dropped.
            with anyio.fail_after(10):
                while server.broker.counters.lost_leases < len(oks):
                    await anyio.sleep(0.05)
        assert server._connections == {}


async def test_drain_refuses_submit_and_waits_for_tasks_in_flight() -> None:
    async with (
        serving(drain_grace=10) as (server, host, port),
        connect(host, port) as producer,
        connect(host, port) as worker,
    ):
        await producer.send(submit())
        task_id = (await producer.receive_one()).task_id  # type: ignore[union-attr]
        await worker.send(Ready(credit=1, queues=("q",)))
        assert isinstance(await worker.receive_one(), Task)
        drained = anyio.Event()

        async def drain() -> None:
            await server.drain()
            drained.set()

        async with anyio.create_task_group() as group:
            group.start_soon(drain)
            await anyio.wait_all_tasks_blocked()
            await producer.send(submit())
            refusal = await producer.receive_one()
            assert error_of(refusal) == (ErrorCode.SHUTTING_DOWN, 1000, 0)
            assert not drained.is_set()
            await worker.send(Done(task_id=task_id, result=b""))
            with anyio.fail_after(5):
                await drained.wait()


def test_server_config_errors_are_value_errors() -> None:
    from quicx_daemon import DaemonConfig

    with pytest.raises(ValueError, match="capacity"):
        Server(DaemonConfig(memory=1024))
