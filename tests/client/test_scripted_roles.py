"""Worker and async producer over sockets, against scripted daemons."""

from __future__ import annotations

import threading
from collections.abc import Callable

import anyio
import pytest
from quicx_client import (
    AsyncProducer,
    ConnectionLost,
    PermanentError,
    Producer,
    ProtocolViolation,
    Worker,
)
from quicx_client import Task as ClientTask
from quicx_client._worker_config import WorkerConfig
from quicx_client._worker_threads import ThreadEngine
from quicx_proto import (
    Done,
    ErrorCode,
    Failed,
    Heartbeat,
    Ok,
    Ready,
    Submit,
    Task,
    Touch,
    Wait,
)

from client.live import running
from client.scripted import ScriptedConnection, ScriptedDaemon

Start = Callable[[Callable[[ScriptedConnection], None]], ScriptedDaemon]


def task(task_id: int, payload: bytes = b"p", ttr_ms: int = 60_000) -> Task:
    return Task(task_id=task_id, attempt=1, ttr_ms=ttr_ms, queue="q", payload=payload)


def test_worker_answers_tasks_and_pauses_before_it_leaves(scripted: Start) -> None:
    seen: list[object] = []
    finished, paused = threading.Event(), threading.Event()

    def daemon_side(conn: ScriptedConnection) -> None:
        seen.append(conn.receive())
        conn.send(task(1, b"ok"), task(2, b"boom"), task(3, b"dead"), Wait())
        seen.extend(conn.receive() for _ in range(3))
        finished.set()
        seen.append(conn.receive())
        paused.set()

    def handle(t: ClientTask) -> bytes:
        if t.payload == b"boom":
            raise RuntimeError("it broke")
        if t.payload == b"dead":
            raise PermanentError("never")
        return t.payload.upper()

    daemon = scripted(daemon_side)
    with running(Worker(daemon.address, handle, queues=["q", "r"], concurrency=3)):
        assert finished.wait(10)
    assert paused.wait(10)
    assert seen[0] == Ready(credit=6, queues=("q", "r"))  # 3 running, 3 waiting
    answers = {type(m).__name__ + str(getattr(m, "task_id", "")): m for m in seen[1:4]}
    assert answers["Done1"] == Done(task_id=1, result=b"OK")
    assert answers["Failed2"] == Failed(
        task_id=2, retry=True, reason="RuntimeError: it broke"
    )
    assert answers["Failed3"] == Failed(
        task_id=3, retry=False, reason="PermanentError: never"
    )
    assert seen[4] == Ready(credit=0, queues=("q", "r"))


def test_worker_touches_a_long_task(scripted: Start) -> None:
    touched = threading.Event()

    def daemon_side(conn: ScriptedConnection) -> None:
        conn.receive()
        conn.send(task(7, ttr_ms=200))
        while not isinstance(conn.receive(), Touch):
            pass
        touched.set()
        while True:
            conn.receive()

    def handle(t: ClientTask) -> None:
        assert touched.wait(10)

    daemon = scripted(daemon_side)
    with running(Worker(daemon.address, handle)):
        assert touched.wait(10)
    assert Touch(task_id=7) in daemon.received


def test_worker_reconnects_after_the_daemon_drops_it(scripted: Start) -> None:
    second = threading.Event()

    def daemon_side(conn: ScriptedConnection) -> None:
        conn.receive()
        if daemon.connections == 1:
            conn.close()
            return
        second.set()
        while True:
            conn.receive()

    daemon = scripted(daemon_side)
    with running(Worker(daemon.address, lambda t: None)):
        assert second.wait(10)
    assert daemon.received.count(Ready(credit=2, queues=("default",))) >= 2


def test_producer_refuses_what_a_producer_is_never_sent(scripted: Start) -> None:
    def confused(conn: ScriptedConnection) -> None:
        conn.receive()
        conn.send(task(1))
        conn.receive()

    daemon = scripted(confused)
    with Producer(daemon.address) as producer, pytest.raises(ProtocolViolation) as err:
        producer.submit(b"x")
    assert err.value.code is ErrorCode.NOT_ALLOWED_FOR_ROLE


@pytest.mark.anyio
async def test_async_submits_share_one_pipelined_connection(scripted: Start) -> None:
    def answer_after_ten(conn: ScriptedConnection) -> None:
        batch = [conn.receive() for _ in range(10)]
        conn.send(*(Ok(task_id=i + 1) for i in range(len(batch))))
        conn.receive()

    daemon = scripted(answer_after_ten)
    ids: list[int] = []
    async with AsyncProducer(daemon.address) as producer:

        async def submit(i: int) -> None:
            ids.append(await producer.submit(b"%d" % i))

        with anyio.fail_after(10):
            async with anyio.create_task_group() as tasks:
                for i in range(10):
                    tasks.start_soon(submit, i)
    assert sorted(ids) == list(range(1, 11))
    assert daemon.connections == 1
    assert all(isinstance(m, Submit) for m in daemon.received)


@pytest.mark.anyio
async def test_async_submit_lost_with_its_connection(scripted: Start) -> None:
    def vanish(conn: ScriptedConnection) -> None:
        conn.receive()

    daemon = scripted(vanish)
    async with AsyncProducer(daemon.address) as producer:
        with pytest.raises(ConnectionLost) as err:
            await producer.submit(b"x")
    assert err.value.unconfirmed == 1
    assert len(daemon.received) == 1


def test_worker_probes_a_silent_daemon_then_leaves_it(scripted: Start) -> None:
    """A daemon that stops answering gets a HEARTBEAT after ``liveness`` of
    silence; still silent after twice that, its connection is dropped and
    the worker connects again."""
    second = threading.Event()

    def daemon_side(conn: ScriptedConnection) -> None:
        conn.receive()  # READY
        if daemon.connections > 1:
            second.set()
        while True:
            conn.receive()  # HEARTBEATs go unanswered

    daemon = scripted(daemon_side)
    config = WorkerConfig(
        addresses=(daemon.address,), liveness=0.2, reconnect_base=0.01
    )
    engine = ThreadEngine(config, lambda t: None)
    thread = threading.Thread(target=engine.run, daemon=True)
    thread.start()
    try:
        assert second.wait(10)
    finally:
        engine.stop()
        thread.join(10)
    assert not thread.is_alive()
    assert any(isinstance(message, Heartbeat) for message in daemon.received)
