"""The sync worker's engine: blocking sockets and threads, no event loop.

Per daemon address a link thread connects, sends READY, reads, and
reconnects with backoff and jitter when the connection breaks. The TASKs it
reads go into one backlog, in arrival order, for ``concurrency`` handler
threads; a handler thread answers its task on the task's own connection,
from its own thread. One keeper thread touches leases at half their
time-to-run and probes daemons that went silent.

A handler is a plain function, so it runs in a thread whatever carries the
bytes. With the bytes read in a thread too, a task costs one wake-up of the
reading thread and one of a handler thread; an event loop between them added
its own wake-ups, task switches and locks, and was most of a worker's CPU
time (draining a backlog with concurrency 1 here: 128 µs of CPU per task
with the loop, against 23 µs for a bare socket loop).

Stopping is graceful: every connection is paused with READY credit 0, the
running handlers finish and answer, then the connections close, which hands
tasks received but not started back to their queues. A daemon's group
(PEERS) is followed as :mod:`._worker_group` decides.
"""

from __future__ import annotations

import logging
import queue
import socket
import threading
import time
from collections.abc import Callable
from functools import partial

import quicx_proto

from ._errors import QuicxError
from ._events import Closed, Event, GroupAnnounced, TaskAssigned, TaskRefused
from ._retry import Backoff
from ._socket_link import open_socket
from ._task import Task
from ._thread_link import ThreadLink
from ._worker_answers import (
    TOUCH_SHARE,
    answer_error,
    answer_result,
    pause,
    task_of,
    touch_is_urgent,
)
from ._worker_config import WorkerConfig
from ._worker_group import WorkerGroup
from ._worker_protocol import WorkerConnection

__all__ = ["ThreadEngine"]

logger = logging.getLogger(__name__)

RECEIVE_SIZE = 256 * 1024
JOIN_TIMEOUT = 5.0
"""How long the end of run() waits for each link thread to notice its close."""
SIGNAL_CHECK = 0.2
"""Longest the thread in run() blocks at a time. A signal that the kernel
hands to another thread runs its Python handler only when the main thread
next runs bytecode, which a thread blocked on a lock never does."""

Handler = Callable[[Task], bytes | None]


class ThreadEngine:
    """Serve every address in ``config`` with ``handler`` until stopped.

    :meth:`run` blocks in the calling thread; :meth:`stop` and :meth:`abort`
    may be called from any thread, before or during :meth:`run`.
    """

    def __init__(self, config: WorkerConfig, handler: Handler) -> None:
        self.config = config
        self._handler = handler
        self._lock = threading.Lock()  # links, addresses, group, stopping
        self._links: set[ThreadLink] = set()
        self._group = WorkerGroup(config.addresses)
        self._serving = set(config.addresses)  # addresses to keep connected
        self._loops: dict[str, threading.Thread] = {}  # running link threads
        self._stopping = False
        self._stop_event = threading.Event()
        self._backlog: queue.SimpleQueue[tuple[ThreadLink, quicx_proto.Task] | None] = (
            queue.SimpleQueue()
        )
        self._counts = threading.Condition()  # running, aborted
        self._running = 0
        self._aborted = False
        self._keeper_wake = threading.Event()
        self._finished = threading.Event()

    @property
    def stopping(self) -> bool:
        """True once :meth:`stop` or :meth:`abort` was called."""
        return self._stopping

    def stop(self) -> None:
        """Stop taking tasks: pause every connection; run() then winds down."""
        with self._lock:
            first = not self._stopping
            self._stopping = True
            links = list(self._links)
        if first:
            for link in links:
                link.answer(partial(pause, link.conn))
        self._stop_event.set()

    def abort(self) -> None:
        """Stop without waiting for running handlers; their tasks go back to
        their queues when the connections close (the threads run on, unheard)."""
        with self._counts:
            self._aborted = True
            self._counts.notify_all()
        self.stop()

    def run(self) -> None:
        """Serve until :meth:`stop` or :meth:`abort`, then wind down."""
        if self._stopping:
            return
        for number in range(self.config.concurrency):
            _start_thread(self._handle_forever, f"quicx-handler-{number}")
        keeper = _start_thread(self._keep, "quicx-keeper")
        for address in self.config.addresses:
            self._start(address)
        while not self._stop_event.wait(SIGNAL_CHECK):
            pass
        self._wind_down()
        keeper.join(JOIN_TIMEOUT)

    def _wind_down(self) -> None:
        deadline = (
            None
            if self.config.stop_timeout is None
            else time.monotonic() + self.config.stop_timeout
        )
        with self._counts:
            while self._running and not self._aborted:
                left = None if deadline is None else deadline - time.monotonic()
                if left is not None and left <= 0:
                    break
                self._counts.wait(
                    SIGNAL_CHECK if left is None else min(left, SIGNAL_CHECK)
                )
            running = self._running
        if running:
            logger.warning("abandoning %d running handler(s)", running)
        with self._lock:
            links, loops = list(self._links), list(self._loops.values())
        for link in links:
            link.close()
        for _ in range(self.config.concurrency):
            self._backlog.put(None)
        self._finished.set()
        self._keeper_wake.set()
        for thread in loops:
            thread.join(JOIN_TIMEOUT)

    # Connections: one thread per address.

    def _start(self, address: str) -> None:
        """Keep a connection to ``address`` open, unless one already is."""
        with self._lock:
            self._serving.add(address)
            if address in self._loops or self._stopping:
                return
            self._loops[address] = _start_thread(
                partial(self._serve, address), f"quicx-link-{address}"
            )

    def _still_serving(self, address: str) -> bool:
        """Whether ``address``'s thread goes on; if not, it is let go here,
        under the lock, so a later :meth:`_start` starts a new one."""
        with self._lock:
            if not self._stopping and address in self._serving:
                return True
            del self._loops[address]
            return False

    def _serve(self, address: str) -> None:
        backoff = Backoff(self.config.reconnect_base, self.config.reconnect_cap)
        while self._still_serving(address):
            try:
                sock = open_socket(address, self.config.connect_timeout, None)
            except OSError as exc:
                logger.info("cannot connect to %s: %s", address, exc)
            else:
                try:
                    self._session(address, sock, backoff)
                except QuicxError as exc:
                    logger.warning("connection to %s lost: %s", address, exc)
            if not self._stopping and address in self._serving:
                self._stop_event.wait(backoff.pause())

    def _session(self, address: str, sock: socket.socket, backoff: Backoff) -> None:
        conn = WorkerConnection(
            address, queues=self.config.queues, credit=self.config.credit
        )
        link = ThreadLink(conn, sock)
        with self._lock:
            if self._stopping:
                sock.close()
                return
            self._links.add(link)
        try:
            link.answer(partial(_ready, conn))
            logger.info("serving %s on %s", ", ".join(conn.queues), address)
            self._read_forever(link, backoff)
        finally:
            with self._lock:
                self._links.discard(link)
            with link.state:
                if not conn.closed:
                    conn.connection_lost("closed by the worker")
            sock.close()
        if link.failure is not None and not link.closing:
            raise link.failure

    def _read_forever(self, link: ThreadLink, backoff: Backoff) -> None:
        while True:
            try:
                data = link.sock.recv(RECEIVE_SIZE)
            except OSError as exc:
                if not link.closing:
                    link.lose(f"receive failed: {exc!r}")
                return
            if link.closing:
                return
            try:
                with link.state:
                    events = link.conn.receive_data(data)
            except QuicxError as exc:
                link.fail(exc)
                return
            backoff.reset()
            for event in events:
                self._on_event(link, event)
            link.flush()
            if not link.alive:
                return

    def _on_event(self, link: ThreadLink, event: Event) -> None:
        if isinstance(event, TaskAssigned):
            nap = self.config.liveness / 2
            if touch_is_urgent(event.task, self.config.auto_touch, nap):
                self._keeper_wake.set()
            if not self._stopping:
                self._backlog.put((link, event.task))
        elif isinstance(event, GroupAnnounced):
            self._on_group(link, event.addresses)
        elif isinstance(event, TaskRefused):
            logger.warning("%s refused an answer: %s", link.conn.address, event.error)
        elif isinstance(event, Closed):
            link.fail(event.error)

    def _on_group(self, link: ThreadLink, addresses: tuple[str, ...]) -> None:
        """Serve every member of the group a daemon named, directly."""
        if not self.config.follow_peers or self._stopping:
            return
        via = link.conn.address
        with self._lock:
            change = self._group.announce(via, addresses)
        if change.ignored:
            ignored = ", ".join(change.ignored)
            logger.warning("%s named peers that are not host:port: %s", via, ignored)
        if change.start or change.stop:
            logger.info("group, as %s tells it: %s", via, ", ".join(addresses))
        if change.way_in:
            logger.info("%s is a way in to the group: pausing it", via)
            link.answer(partial(pause, link.conn))
        for address in change.start:
            self._start(address)
        for address in change.stop:
            with self._lock:
                self._serving.discard(address)
                links = [each for each in self._links if each.conn.address == address]
            for each in links:
                each.leave()

    # Handlers: ``concurrency`` threads sharing the backlog.

    def _handle_forever(self) -> None:
        while (item := self._backlog.get()) is not None:
            link, message = item
            with self._counts:
                # Checked under the lock wind-down waits on, so a task is either
                # counted as running before the wait starts or not run at all.
                if self._stopping or not link.holds(message.task_id):
                    continue  # the daemon hands it out again once we close
                self._running += 1
            try:
                self._execute(link, message)
            finally:
                with self._counts:
                    self._running -= 1
                    if not self._running:
                        self._counts.notify_all()
                link.close_if_idle()

    def _execute(self, link: ThreadLink, message: quicx_proto.Task) -> None:
        task_id = message.task_id
        task = task_of(message, partial(link.touch, task_id))
        try:
            result = self._handler(task)
        except Exception as exc:
            answer = answer_error(link.conn, task_id, exc)
        else:
            answer = answer_result(link.conn, task_id, result)
        if not link.answer(answer):
            logger.info("task %d ended after its lease was lost", task_id)

    # The keeper: touches and liveness for every connection.

    def _keep(self) -> None:
        liveness = self.config.liveness
        while not self._finished.is_set():
            self._keeper_wake.clear()
            now = time.monotonic()
            next_touch = now + liveness / 2
            with self._lock:
                links = list(self._links)
            for link in links:
                with link.state:
                    if link.conn.closed:
                        continue
                    due = None
                    if self.config.auto_touch:
                        due = link.conn.touch_due(TOUCH_SHARE)
                    alive = link.conn.check_liveness(now, liveness)
                if not alive:
                    link.lose(f"silent for {2 * liveness} s")
                    continue
                link.flush()
                if due is not None:
                    next_touch = min(next_touch, due)
            self._keeper_wake.wait(max(next_touch - now, 0.0))


def _ready(conn: WorkerConnection) -> bool:
    conn.ready()
    return True


def _start_thread(target: Callable[[], None], name: str) -> threading.Thread:
    thread = threading.Thread(target=target, name=name, daemon=True)
    thread.start()
    return thread
