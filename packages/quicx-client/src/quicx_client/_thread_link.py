"""One connection of the sync worker: a blocking socket shared by threads.

The link thread reads it, handler threads write their answers on it, and the
keeper writes TOUCHes and probes; :class:`ThreadLink` keeps them from
stepping on each other.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Callable
from functools import partial

from ._errors import QuicxError
from ._worker_answers import pause
from ._worker_protocol import WorkerConnection

__all__ = ["ThreadLink"]


class ThreadLink:
    """One connection to a daemon: its socket, its sans-IO state, two locks.

    ``state`` guards the connection object, which the link thread, the
    handler threads and the keeper all use. Writes go through :meth:`flush`:
    whoever holds the send lock writes whatever is queued, and goes again
    while more was queued meanwhile, so nobody waits behind another's write.
    In particular the link thread never blocks on a handler's write, and
    keeps reading (and answering heartbeats) even when the daemon is slow to
    read what the handlers send.
    """

    def __init__(self, conn: WorkerConnection, sock: socket.socket) -> None:
        self.conn = conn
        self.sock = sock
        self.state = threading.Lock()
        self._sending = threading.Lock()
        self.failure: QuicxError | None = None
        self.closing = False  # closed by the worker: its reader ends quietly
        self.leaving = False  # paused for good: closes once it holds no task

    @property
    def alive(self) -> bool:
        return self.failure is None and not self.closing and not self.conn.closed

    def holds(self, task_id: int) -> bool:
        with self.state:
            return self.conn.holds(task_id)

    def answer(self, call: Callable[[], bool]) -> bool:
        """Run one of the connection's answer methods and send; False if gone."""
        with self.state:
            if not self.alive or not call():
                return False
        self.flush()
        return True

    def touch(self, task_id: int) -> None:
        self.answer(partial(self.conn.touch, task_id))

    def flush(self) -> None:
        """Send what the connection queued, unless another thread is sending."""
        while self._sending.acquire(blocking=False):
            try:
                with self.state:
                    data = self.conn.data_to_send()
                if data:
                    self.sock.sendall(data)
            except OSError as exc:
                self.lose(f"send failed: {exc!r}")
                return
            finally:
                self._sending.release()
            with self.state:
                if not self.conn.wants_to_send:
                    return

    def leave(self) -> None:
        """Pause for good and close once no task is held."""
        self.leaving = True
        self.answer(partial(pause, self.conn))
        self.close_if_idle()

    def close_if_idle(self) -> None:
        with self.state:
            idle = self.leaving and not self.conn.held
        if idle:
            self.close()

    def lose(self, reason: str) -> None:
        """End the connection because its transport broke."""
        with self.state:
            error = self.conn.connection_lost(reason)
        self.fail(error)

    def fail(self, error: QuicxError) -> None:
        """End the connection, recording why."""
        with self.state:
            if self.failure is None:
                self.failure = error
        self._shut()

    def close(self) -> None:
        """End the connection on the worker's own account."""
        self.closing = True
        self._shut()

    def _shut(self) -> None:
        # shutdown, not close: the link thread may be blocked in recv on this
        # socket, and closes it itself once recv returns.
        with contextlib.suppress(OSError):
            self.sock.shutdown(socket.SHUT_RDWR)
