"""The limit: a minimal anyio server trading frames of Quicx's sizes.

It runs on asyncio with uvloop when uvloop is installed, as the daemon does.

Per task, a client sends SUBMIT and gets OK, then sends DONE and gets TASK
carrying the payload it submitted: the four frames of one Quicx task, in
the same directions and of the same sizes, with no queue behind them. The
server only cuts frames and answers them. Its CPU time per frame, times
four, is the least a Python daemon on this machine can spend per task.
"""

from __future__ import annotations

import contextlib
import importlib.util
import multiprocessing
import socket
import time
import traceback
from collections import deque
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.queues import Queue
from multiprocessing.synchronize import Barrier
from typing import Any

import anyio
from anyio.abc import SocketAttribute, SocketStream

from ._quicx_frames import (
    SUBMIT,
    FrameBuffer,
    done_frame,
    ok_frame,
    submit_frame,
    submit_payload_of,
    task_frame,
)
from ._roles import START_TIMEOUT_S
from ._servers import HOST, Address, ServerProcess

__all__ = ["EVENT_LOOP", "FRAMES_PER_TASK", "EchoResult", "run_echo"]

FRAMES_PER_TASK = 4
_CONTEXT = multiprocessing.get_context("fork")
_QUEUE = b"bench"
_RECV_SIZE = 256 * 1024
_JOIN_S = 5.0
# The same event loop the daemon picks: uvloop when it is installed.
EVENT_LOOP = "uvloop" if importlib.util.find_spec("uvloop") else "asyncio"


@dataclass(frozen=True)
class EchoResult:
    """One echo run: tasks (four frames each) per second and server CPU."""

    payload_size: int
    window: int
    clients: int
    tasks: int
    tasks_per_s: float
    server_cpu_s: float

    @property
    def server_cpu_us_per_frame(self) -> float:
        return self.server_cpu_s / max(self.tasks * FRAMES_PER_TASK, 1) * 1e6


def run_echo(
    payload_size: int, window: int, clients: int, seconds: float, max_tasks: int
) -> EchoResult:
    """Run the echo server and ``clients`` clients for about ``seconds``.

    :param window: tasks' frames sent per write; 1 waits for every reply.
    """
    receiver, sender = _CONTEXT.Pipe(duplex=False)
    server = _CONTEXT.Process(target=_server_main, args=(sender,), daemon=True)
    processes = [server]
    server.start()
    try:
        if not receiver.poll(START_TIMEOUT_S):
            raise RuntimeError("the echo server did not start")
        assert server.pid is not None
        measured = ServerProcess("echo", (HOST, receiver.recv()), server.pid)
        start = _CONTEXT.Barrier(clients + 1)
        results: Queue[Any] = _CONTEXT.Queue()
        for _ in range(clients):
            args = (measured.address, payload_size, window, start, results)
            client = _CONTEXT.Process(
                target=_client_main, args=(*args, seconds, max_tasks), daemon=True
            )
            client.start()
            processes.append(client)
        start.wait(START_TIMEOUT_S)
        cpu_before = measured.cpu_seconds()
        reports = [
            results.get(timeout=seconds + START_TIMEOUT_S) for _ in range(clients)
        ]
        cpu = measured.cpu_seconds() - cpu_before
    finally:
        for process in processes:
            process.kill()
            process.join(_JOIN_S)
    return _result(payload_size, window, reports, cpu)


def _result(
    payload_size: int, window: int, reports: list[Any], cpu: float
) -> EchoResult:
    failed = [report for report in reports if isinstance(report, str)]
    if failed:
        raise RuntimeError(f"an echo client failed:\n{failed[0]}")
    tasks = sum(count for count, _, _ in reports)
    first = min(began for _, began, _ in reports)
    last = max(ended for _, _, ended in reports)
    return EchoResult(
        payload_size=payload_size,
        window=window,
        clients=len(reports),
        tasks=tasks,
        tasks_per_s=tasks / ((last - first) / 1e9),
        server_cpu_s=cpu,
    )


def _server_main(port_out: Connection) -> None:
    options = {"use_uvloop": EVENT_LOOP == "uvloop"}
    anyio.run(_serve, port_out, backend="asyncio", backend_options=options)


async def _serve(port_out: Connection) -> None:
    listener = await anyio.create_tcp_listener(local_host=HOST, local_port=0)
    port_out.send(listener.extra(SocketAttribute.local_port))
    await listener.serve(_answer)


async def _answer(stream: SocketStream) -> None:
    """SUBMIT gets OK and its payload is held; any other frame gets TASK."""
    buffer = FrameBuffer()
    held: deque[memoryview] = deque()
    task_id = 0
    async with stream:
        while True:
            try:
                data = await stream.receive(_RECV_SIZE)
            except (anyio.EndOfStream, anyio.BrokenResourceError):
                return
            buffer.feed(data)
            replies: list[bytes] = []
            for msg_type, body in buffer.frames():
                task_id += 1
                if msg_type == SUBMIT:
                    held.append(submit_payload_of(body))
                    replies.append(ok_frame(task_id))
                else:
                    replies.append(task_frame(task_id, _QUEUE, held.popleft()))
            if replies:
                await stream.send(b"".join(replies))


def _client_main(
    address: Address,
    payload_size: int,
    window: int,
    start: Barrier,
    results: Queue[Any],
    seconds: float,
    max_tasks: int,
) -> None:
    try:
        with socket.create_connection(address, timeout=START_TIMEOUT_S) as sock:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            start.wait(START_TIMEOUT_S)
            results.put(_exchange(sock, payload_size, window, seconds, max_tasks))
    except BaseException:
        with contextlib.suppress(Exception):
            start.abort()
        results.put(traceback.format_exc())


def _exchange(
    sock: socket.socket, payload_size: int, window: int, seconds: float, max_tasks: int
) -> tuple[int, int, int]:
    """Trade tasks' frames until time or count runs out: (tasks, start, end)."""
    submit = submit_frame(_QUEUE, bytes(payload_size))
    done = done_frame(1)
    # One at a time: two round trips per task. Pipelined: a window of tasks'
    # SUBMITs and DONEs in one write, then all their replies.
    steps = [submit, done] if window == 1 else [(submit * window) + (done * window)]
    replies_per_step = 1 if window == 1 else 2 * window
    buffer = FrameBuffer()
    began = time.monotonic_ns()
    deadline = began + int(seconds * 1e9)
    tasks = 0
    while tasks < max_tasks and time.monotonic_ns() < deadline:
        for step in steps:
            sock.sendall(step)
            _read_frames(sock, buffer, replies_per_step)
        tasks += window
    return tasks, began, time.monotonic_ns()


def _read_frames(sock: socket.socket, buffer: FrameBuffer, count: int) -> None:
    while count > 0:
        data = sock.recv(_RECV_SIZE)
        if not data:
            raise ConnectionError("the echo server closed the connection")
        buffer.feed(data)
        count -= sum(1 for _ in buffer.frames())
