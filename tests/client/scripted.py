"""A scripted stand-in for the daemon, to drive the client shells over sockets.

Each test gives a script: a function run in a thread for every accepted
connection, reading the client's frames and answering as the test needs.
Everything is bounded: sockets time out after a few seconds, and the server
is closed when the test ends.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Callable

from quicx_proto import (
    FrameDecoder,
    Message,
    Percentiles,
    QueueStats,
    StatsReply,
    encode,
)

TIMEOUT = 5.0


class ScriptedConnection:
    """The daemon's side of one client connection."""

    def __init__(self, sock: socket.socket, log: list[Message]) -> None:
        self._sock = sock
        self._decoder = FrameDecoder()
        self._pending: list[Message] = []
        self._log = log

    def receive(self) -> Message:
        """The client's next frame; raises EOFError when it closed."""
        while not self._pending:
            data = self._sock.recv(65536)
            if not data:
                raise EOFError
            self._pending.extend(self._decoder.feed(data))
        message = self._pending.pop(0)
        self._log.append(message)
        return message

    def send(self, *messages: Message) -> None:
        self._sock.sendall(b"".join(encode(message) for message in messages))

    def close(self) -> None:
        self._sock.close()


Script = Callable[[ScriptedConnection], None]


class ScriptedDaemon:
    """Listens on loopback and runs ``script`` for each connection."""

    def __init__(self, script: Script) -> None:
        self.received: list[Message] = []
        self.connections = 0
        self._script = script
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(TIMEOUT)
        self._threads: list[threading.Thread] = []
        self._closed = threading.Event()
        self._acceptor = threading.Thread(target=self._accept, daemon=True)
        self._acceptor.start()

    @property
    def address(self) -> str:
        host, port = self._listener.getsockname()[:2]
        return f"{host}:{port}"

    def close(self) -> None:
        self._closed.set()
        with contextlib.suppress(OSError):
            self._listener.shutdown(socket.SHUT_RDWR)
        self._listener.close()
        for thread in [self._acceptor, *self._threads]:
            thread.join(TIMEOUT)

    def _accept(self) -> None:
        while not self._closed.is_set():
            try:
                sock, _ = self._listener.accept()
            except OSError:
                return
            sock.settimeout(TIMEOUT)
            self.connections += 1
            thread = threading.Thread(target=self._run, args=(sock,), daemon=True)
            self._threads.append(thread)
            thread.start()

    def _run(self, sock: socket.socket) -> None:
        conn = ScriptedConnection(sock, self.received)
        try:
            self._script(conn)
        except (EOFError, OSError):
            pass
        finally:
            conn.close()


def sample_stats() -> StatsReply:
    """A small STATS reply: one queue, no samples."""
    zero = Percentiles(count=0, p50_us=0, p90_us=0, p99_us=0, p999_us=0, max_us=0)
    queue = QueueStats(
        name="q", depth=1, delayed=0, in_flight=0, dead=0, oldest_age_ms=3
    )
    return StatsReply(
        node_id=1,
        uptime_ms=5,
        total_submitted=2,
        total_completed=1,
        total_failed=0,
        total_retried=0,
        total_dead=0,
        total_lost_leases=0,
        current_producers=0,
        current_workers=0,
        current_monitors=1,
        wait_time=zero,
        run_time=zero,
        arena_capacity=1024,
        arena_used=64,
        journal_bytes=0,
        journal_live_ppm=0,
        size_classes=(),
        queues=(queue,),
    )
