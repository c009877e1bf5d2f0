"""Quicx over bare sockets: hand-built frames, no client library.

The producer sends SUBMIT and reads OK (a window of them at a time when
pipelined); the worker sends READY once, then answers each TASK with DONE.
This is the least work a Python client can do per task, so the gap between
this row and the client library's row is the client's own cost.
"""

from __future__ import annotations

import socket
import time
from dataclasses import dataclass, field

from ._quicx_frames import (
    ERROR,
    HEARTBEAT,
    OK,
    PEERS,
    TASK,
    WAIT,
    FrameBuffer,
    done_frame,
    error_of,
    pong_frame,
    ready_frame,
    submit_frame,
    task_of,
)
from ._runner import QUEUE, WorkerContext, WorkerStopped, interrupting_main
from ._servers import Address

__all__ = ["QuicxRawRunner"]

_QUEUE = QUEUE.encode()
_RECV_SIZE = 256 * 1024
_REPLY_TIMEOUT_S = 30.0
# A refused batch (out of memory, queue full) is sent again at most this
# many times before the run fails.
_MAX_RESENDS = 100


class QuicxError(RuntimeError):
    """The daemon answered with an ERROR the runner cannot retry."""


def _connect(address: Address) -> socket.socket:
    sock = socket.create_connection(address, timeout=_REPLY_TIMEOUT_S)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return sock


@dataclass
class _Producer:
    sock: socket.socket
    retries: int = 0
    _buffer: FrameBuffer = field(default_factory=FrameBuffer)

    def submit(self, payload: bytes) -> None:
        self.submit_many([payload])

    def submit_many(self, payloads: list[bytes]) -> None:
        pending = payloads
        for _ in range(_MAX_RESENDS):
            self.sock.sendall(b"".join(submit_frame(_QUEUE, p) for p in pending))
            refused, wait_ms = self._refused(pending)
            if not refused:
                return
            self.retries += len(refused)
            time.sleep(wait_ms / 1000)
            pending = refused
        raise QuicxError(f"SUBMIT still refused after {_MAX_RESENDS} resends")

    def _refused(self, sent: list[bytes]) -> tuple[list[bytes], int]:
        """Read one reply per payload sent; return those refused for now."""
        refused: list[bytes] = []
        wait_ms = 0
        replies = 0
        while replies < len(sent):
            for msg_type, body in self._next_frames():
                if msg_type == HEARTBEAT:
                    self.sock.sendall(pong_frame(bytes(body)))
                    continue
                if msg_type == ERROR:
                    code, retry_after_ms, message = error_of(body)
                    if retry_after_ms == 0:
                        raise QuicxError(f"SUBMIT refused, code {code}: {message}")
                    refused.append(sent[replies])
                    wait_ms = max(wait_ms, retry_after_ms)
                elif msg_type != OK:
                    raise QuicxError(f"unexpected frame type {msg_type} after SUBMIT")
                replies += 1
        return refused, wait_ms

    def _next_frames(self) -> list[tuple[int, memoryview]]:
        data = self.sock.recv(_RECV_SIZE)
        if not data:
            raise ConnectionError("quicx-daemon closed the connection")
        self._buffer.feed(data)
        return list(self._buffer.frames())

    def close(self) -> None:
        self.sock.close()


@dataclass(frozen=True)
class QuicxRawRunner:
    """Hand-built frames over one socket per process."""

    label: str = "quicx raw"
    server: str = "quicx"
    window: int = 1

    def open_producer(self, address: Address) -> _Producer:
        return _Producer(_connect(address))

    def run_worker(self, address: Address, context: WorkerContext) -> None:
        with _connect(address) as sock:
            sock.settimeout(None)
            sock.sendall(ready_frame(self.window, _QUEUE))
            context.ready()
            try:
                with interrupting_main(context.stop):
                    _serve(sock, context)
            except WorkerStopped:
                pass


def _serve(sock: socket.socket, context: WorkerContext) -> None:
    """Answer every TASK with DONE until interrupted."""
    buffer = FrameBuffer()
    while True:
        data = sock.recv(_RECV_SIZE)
        if not data:
            raise ConnectionError("quicx-daemon closed the connection")
        buffer.feed(data)
        payloads: list[memoryview] = []
        replies: list[bytes] = []
        for msg_type, body in buffer.frames():
            if msg_type == TASK:
                task = task_of(body)
                payloads.append(task.payload)
                replies.append(done_frame(task.task_id))
            elif msg_type == HEARTBEAT:
                replies.append(pong_frame(bytes(body)))
            elif msg_type == ERROR:
                code, _, message = error_of(body)
                raise QuicxError(f"daemon error {code}: {message}")
            elif msg_type not in (WAIT, PEERS):
                raise QuicxError(f"unexpected frame type {msg_type} for a worker")
        if replies:
            sock.sendall(b"".join(replies))
        for payload in payloads:
            context.recorder.done(payload)
