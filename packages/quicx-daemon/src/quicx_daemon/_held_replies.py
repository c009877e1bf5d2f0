"""Replies that wait for the journal, kept in order per connection.

With a journal, a SUBMIT's OK may only leave once the task's record is on
disk. The broker holds the task meanwhile and the server notes the reply
here, with the journal batch (ticket) that carries the record. Replies to
the connection's later frames (OK, ERROR, PONG, STATS_REPLY) queue behind
it, so replies still leave in the order of the frames they answer; frames
the daemon sends on its own (TASK, WAIT, HEARTBEAT) do not wait. Only
producers submit, so a worker's TASKs never queue here.

When the journal settles a batch, each held task is committed (it may run,
and OK goes out) or withdrawn (it never existed, and ERROR
journal_unavailable goes out instead).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator

from quicx_proto import Error, ErrorCode, encode

from ._broker import Broker
from ._connection import Connection
from ._frames import write_ok

__all__ = ["HeldReplies"]

UNAVAILABLE_TEXT = "the journal could not record the task; retry after the hint"


class _Held:
    """One connection's held replies: (ticket, task id or 0, bytes)."""

    __slots__ = ("conn", "replies")

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.replies: deque[tuple[int, int, bytes]] = deque()


class HeldReplies:
    """Held replies of every connection, released as the journal settles."""

    def __init__(self, retry_after_ms: int) -> None:
        self._held: dict[int, _Held] = {}
        self._retry_after_ms = retry_after_ms

    def waiting(self, conn: Connection) -> bool:
        """True while the connection has replies held back."""
        return conn.id in self._held

    def hold_ok(self, conn: Connection, ticket: int, task_id: int) -> None:
        """Hold the OK for a held task until batch ``ticket`` settles."""
        held = self._held.get(conn.id)
        if held is None:
            held = self._held[conn.id] = _Held(conn)
        held.replies.append((ticket, task_id, b""))

    def hold_output(self, conn: Connection, mark: int) -> None:
        """Move what was written to the connection since ``mark`` behind its
        held replies."""
        held = self._held[conn.id]
        if len(conn.out) > mark:
            ticket = held.replies[-1][0]
            held.replies.append((ticket, 0, bytes(conn.out[mark:])))
            del conn.out[mark:]

    def settle(self, ticket: int, ok: bool, broker: Broker) -> Iterator[Connection]:
        """Release every reply held for batches up to ``ticket``, committing or
        withdrawing their tasks; yield each connection written to."""
        for conn_id, held in list(self._held.items()):
            replies = held.replies
            if not replies or replies[0][0] > ticket:
                continue
            out = held.conn.out
            while replies and replies[0][0] <= ticket:
                _, task_id, data = replies.popleft()
                if not task_id:
                    out += data
                elif ok:
                    broker.commit(task_id)
                    write_ok(out, task_id)
                else:
                    broker.withdraw(task_id)
                    out += self._unavailable()
            if not replies:
                del self._held[conn_id]
            yield held.conn

    def _unavailable(self) -> bytes:
        return encode(
            Error(
                code=ErrorCode.JOURNAL_UNAVAILABLE,
                retry_after_ms=self._retry_after_ms,
                task_id=0,
                message=UNAVAILABLE_TEXT,
            )
        )
