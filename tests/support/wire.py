"""A blocking Quicx connection over a plain socket, for helper processes and
tests that run outside an event loop (producers, workers, monitors)."""

from __future__ import annotations

import socket
import time

from quicx_proto import (
    FrameDecoder,
    Message,
    StatsReply,
    StatsRequest,
    Submit,
    encode,
)

__all__ = ["Wire", "fetch_stats", "submit_message"]


def submit_message(queue: str, payload: bytes, **fields: int) -> Submit:
    """A SUBMIT with zeros (daemon defaults) for the fields not given."""
    values = {"priority": 0, "delay_ms": 0, "ttr_ms": 0, "max_attempts": 0}
    values.update(fields)
    return Submit(queue=queue, payload=payload, **values)


class Wire:
    """One TCP connection to a daemon that sends and receives whole frames."""

    def __init__(self, host: str, port: int, timeout: float = 10.0) -> None:
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.decoder = FrameDecoder()
        self.pending: list[Message] = []

    def close(self) -> None:
        self.sock.close()

    def __enter__(self) -> Wire:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def send(self, *messages: Message) -> None:
        """Send the messages in one write."""
        self.sock.sendall(b"".join(encode(m) for m in messages))

    def receive_some(self) -> list[Message]:
        """Block until at least one message is in; return all that are.

        :raises ConnectionError: the daemon closed the connection.
        """
        while not self.pending:
            data = self.sock.recv(1 << 20)
            if not data:
                raise ConnectionError("the daemon closed the connection")
            self.pending += self.decoder.feed(data)
        got, self.pending = self.pending, []
        return got

    def receive(self, count: int) -> list[Message]:
        """Exactly the next ``count`` messages."""
        got: list[Message] = []
        while len(got) < count:
            got += self.receive_some()
        self.pending = got[count:]
        return got[:count]


def fetch_stats(host: str, port: int, wire: Wire | None = None) -> StatsReply:
    """Ask a daemon for STATS, on ``wire`` or on a fresh connection."""
    own = wire is None
    conn = Wire(host, port) if wire is None else wire
    try:
        conn.send(StatsRequest())
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            for message in conn.receive(1):
                if isinstance(message, StatsReply):
                    return message
        raise TimeoutError("no STATS_REPLY within 10 s")
    finally:
        if own:
            conn.close()
