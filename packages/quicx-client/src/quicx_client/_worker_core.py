"""The async worker's engine: an anyio event loop for :class:`AsyncWorker`.

One :class:`WorkerCore` serves every daemon address at once: per address a
task connects, sends READY, reads TASKs and reconnects with backoff and
jitter when the connection breaks. Each daemon's credit is ``concurrency``
plus ``prefetch``, so the next tasks are already here when a handler
finishes. Tasks wait in one backlog, in arrival order, for one of at most
``concurrency`` handler loops (started as they are needed, then kept); the
answers go back over the connection the task came from, or are dropped when
it is gone (the daemon has put the task back by then), and a task whose
connection is gone before its turn is skipped.

A daemon with a group names its members in PEERS; the worker then serves
every member directly as well (:mod:`._worker_group` decides which, and what
happens to a connection that reached the group through a load balancer).

Stopping is graceful: every connection is paused with READY credit 0, the
running handlers finish and are answered, then the connections close, which
hands tasks received but not started back to their queues.
"""

from __future__ import annotations

import contextlib
import logging
import math
import time
from collections.abc import Awaitable, Callable
from functools import partial

import anyio
import quicx_proto
from anyio.abc import SocketStream, TaskGroup
from anyio.streams.memory import MemoryObjectReceiveStream, MemoryObjectSendStream

from ._async_link import connect_stream
from ._errors import QuicxError
from ._events import Closed, Event, GroupAnnounced, TaskAssigned, TaskRefused
from ._retry import Backoff
from ._task import Task
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

__all__ = ["HandlerRunner", "WorkerCore"]

logger = logging.getLogger(__name__)

HandlerRunner = Callable[[Task], Awaitable[bytes | None]]
_Assigned = tuple["_Link", quicx_proto.Task]


class _Link:
    """One live connection to a daemon: the stream, its writer, its leases."""

    def __init__(self, conn: WorkerConnection, stream: SocketStream) -> None:
        self.conn = conn
        self.failure: BaseException | None = None
        self._stream = stream
        self._send_lock = anyio.Lock()
        self._wake_writer = anyio.Event()
        self._wake_keeper = anyio.Event()
        self.scope = anyio.CancelScope()
        self.leaving = False  # paused for good: closes once it holds no task

    @property
    def alive(self) -> bool:
        return self.failure is None and not self.conn.closed

    def flush(self) -> None:
        """Have the writer send whatever the connection queued."""
        self._wake_writer.set()

    def answer(self, send: Callable[[], bool]) -> bool:
        """Run one of the connection's answer methods and flush; False if gone."""
        if not self.alive or not send():
            return False
        self.flush()
        return True

    async def answer_now(self, send: Callable[[], bool]) -> bool:
        """Like :meth:`answer`, but the calling task does the writing.

        A handler's DONE or FAILED goes out this way: waking the writer task
        for it cost a task switch per task. Draining a backlog of 20,000
        tasks at concurrency 1 on uvloop, 8 interleaved pairs: a median of
        183 µs of CPU per task that way, 166.5 µs this way.
        """
        if not self.alive or not send():
            return False
        await self._drain_or_fail()
        return True

    def touch(self, task_id: int) -> None:
        self.answer(partial(self.conn.touch, task_id))

    def task_added(self) -> None:
        self._wake_keeper.set()

    def leave(self) -> None:
        """Pause for good and close once no task is held."""
        self.leaving = True
        self.answer(partial(pause, self.conn))
        self.close_if_idle()

    def close_if_idle(self) -> None:
        if self.leaving and not self.conn.held:
            self.scope.cancel()

    def fail(self, error: BaseException) -> None:
        """End this connection: record why and cancel its tasks."""
        if self.failure is None:
            self.failure = error
        self.scope.cancel()

    async def drain(self) -> None:
        """Send what is queued now, waiting for the write to finish."""
        async with self._send_lock:
            data = self.conn.data_to_send()
            if data:
                await self._stream.send(data)

    async def drain_before_closing(self) -> None:
        """Send the last answers, if the connection lets us within a second."""
        if self.alive:
            with anyio.move_on_after(1.0):
                with contextlib.suppress(OSError, anyio.BrokenResourceError):
                    await self.drain()

    async def write_forever(self) -> None:
        while True:
            await self._wake_writer.wait()
            self._wake_writer = anyio.Event()
            if not await self._drain_or_fail():
                return

    async def _drain_or_fail(self) -> bool:
        """:meth:`drain`; when the send fails, end the connection and say so."""
        try:
            await self.drain()
        except (OSError, anyio.BrokenResourceError, anyio.ClosedResourceError) as exc:
            self.fail(self.conn.connection_lost(f"send failed: {exc!r}"))
            return False
        return True

    async def keep_alive(self, liveness: float, auto_touch: bool) -> None:
        """Touch leases that need it and probe a silent daemon, until cancelled."""
        while True:
            touch_at = self.conn.touch_due(TOUCH_SHARE) if auto_touch else None
            now = time.monotonic()
            if not self.conn.check_liveness(now, liveness):
                self.fail(self.conn.connection_lost(f"silent for {2 * liveness} s"))
                return
            if self.conn.wants_to_send:
                self.flush()
            wait = (
                liveness / 2 if touch_at is None else min(liveness / 2, touch_at - now)
            )
            with anyio.move_on_after(max(wait, 0.0)):
                await self._wake_keeper.wait()
            self._wake_keeper = anyio.Event()

    async def read_chunk(self) -> bytes:
        """The next bytes from the daemon; ``b""`` when it closed the connection."""
        try:
            return await self._stream.receive()
        except anyio.EndOfStream:
            return b""
        except (OSError, anyio.BrokenResourceError) as exc:
            raise self.conn.connection_lost(f"receive failed: {exc!r}") from exc


class WorkerCore:
    """Serve every address in ``config`` with ``run_handler`` until stopped."""

    def __init__(self, config: WorkerConfig, run_handler: HandlerRunner) -> None:
        self.config = config
        self._run_handler = run_handler
        self._stop_asked = False
        self._abort_asked = False
        self._stop_event: anyio.Event | None = None
        self._handlers_scope: anyio.CancelScope | None = None
        self._handlers: TaskGroup | None = None
        self._links: set[_Link] = set()
        # Tasks received, waiting for a handler loop; open while run() runs.
        self._backlog: MemoryObjectSendStream[_Assigned] | None = None
        self._backlog_out: MemoryObjectReceiveStream[_Assigned] | None = None
        self._handler_loops = 0
        self._group = WorkerGroup(config.addresses)
        self._serving = set(config.addresses)  # addresses to keep connected
        self._loops: set[str] = set()  # addresses whose _serve loop runs
        self._link_tasks: TaskGroup | None = None
        self._running = 0
        self._all_finished: anyio.Event | None = None

    @property
    def stopping(self) -> bool:
        """True once :meth:`stop` or :meth:`abort` was called."""
        return self._stop_asked

    def stop(self) -> None:
        """Stop taking tasks, let running handlers finish, then return from run().

        Call it from the event loop's thread.
        """
        self._stop_asked = True
        if self._stop_event is not None:
            self._stop_event.set()

    def abort(self) -> None:
        """Stop at once: cancel running handlers; their tasks go back to queues.

        Call it from the event loop's thread.
        """
        self._abort_asked = True
        self.stop()
        if self._handlers_scope is not None:
            self._handlers_scope.cancel()

    async def run(self) -> None:
        """Serve until :meth:`stop` or :meth:`abort`."""
        self._stop_event = anyio.Event()
        self._all_finished = anyio.Event()
        if self._stop_asked:
            return
        self._backlog, backlog = anyio.create_memory_object_stream[_Assigned](math.inf)
        async with self._backlog, backlog, anyio.create_task_group() as handlers:
            self._handlers = handlers
            self._backlog_out = backlog
            self._handlers_scope = handlers.cancel_scope
            async with anyio.create_task_group() as links:
                self._link_tasks = links
                for address in self.config.addresses:
                    self._start(address)
                await self._stop_event.wait()
                await self._wind_down()
                links.cancel_scope.cancel()
            handlers.cancel_scope.cancel()  # the idle handler loops

    async def _wind_down(self) -> None:
        for link in list(self._links):
            link.answer(partial(pause, link.conn))
        with anyio.move_on_after(_forever(self.config.stop_timeout)):
            if self._running and not self._abort_asked:
                assert self._all_finished is not None
                await self._all_finished.wait()
        if self._running:
            logger.warning("abandoning %d running handler(s)", self._running)
            assert self._handlers_scope is not None
            self._handlers_scope.cancel()
        for link in list(self._links):
            await link.drain_before_closing()

    def _start(self, address: str) -> None:
        """Keep a connection to ``address`` open, unless one already is."""
        self._serving.add(address)
        if address not in self._loops:
            assert self._link_tasks is not None
            self._loops.add(address)
            self._link_tasks.start_soon(self._serve, address)

    async def _serve(self, address: str) -> None:
        try:
            await self._reconnect_forever(address)
        finally:
            self._loops.discard(address)

    async def _reconnect_forever(self, address: str) -> None:
        backoff = Backoff(self.config.reconnect_base, self.config.reconnect_cap)
        while not self._stop_asked and address in self._serving:
            try:
                stream = await connect_stream(address, self.config.connect_timeout)
            except OSError as exc:
                logger.info("cannot connect to %s: %s", address, exc)
            else:
                try:
                    await self._session(address, stream, backoff)
                except QuicxError as exc:
                    logger.warning("connection to %s lost: %s", address, exc)
            if not self._stop_asked and address in self._serving:
                await anyio.sleep(backoff.pause())

    async def _session(
        self, address: str, stream: SocketStream, backoff: Backoff
    ) -> None:
        credit = 0 if self._stop_asked else self.config.credit
        conn = WorkerConnection(address, queues=self.config.queues, credit=credit)
        link = _Link(conn, stream)
        self._links.add(link)
        try:
            async with stream, anyio.create_task_group() as tasks:
                with link.scope:
                    conn.ready()
                    link.flush()
                    tasks.start_soon(link.write_forever)
                    tasks.start_soon(
                        link.keep_alive, self.config.liveness, self.config.auto_touch
                    )
                    logger.info("serving %s on %s", ", ".join(conn.queues), address)
                    await self._read_forever(link, backoff)
                if link.leaving:
                    await link.drain_before_closing()
                tasks.cancel_scope.cancel()
        finally:
            self._links.discard(link)
            if not conn.closed:
                conn.connection_lost("closed by the worker")
        if isinstance(link.failure, QuicxError):
            raise link.failure

    async def _read_forever(self, link: _Link, backoff: Backoff) -> None:
        while True:
            try:
                events = link.conn.receive_data(await link.read_chunk())
            except QuicxError as exc:
                link.fail(exc)
                return
            backoff.reset()
            for event in events:
                self._on_event(link, event)
            if link.conn.wants_to_send:
                link.flush()

    def _on_event(self, link: _Link, event: Event) -> None:
        if isinstance(event, TaskAssigned):
            nap = self.config.liveness / 2
            if touch_is_urgent(event.task, self.config.auto_touch, nap):
                link.task_added()
            if not self._stop_asked:
                self._queue_task(link, event.task)
        elif isinstance(event, GroupAnnounced):
            self._on_group(link, event.addresses)
        elif isinstance(event, TaskRefused):
            logger.warning("%s refused an answer: %s", link.conn.address, event.error)
        elif isinstance(event, Closed):
            link.fail(event.error)

    def _on_group(self, link: _Link, addresses: tuple[str, ...]) -> None:
        """Serve every member of the group a daemon named, directly."""
        if not self.config.follow_peers or self._stop_asked:
            return
        via = link.conn.address
        change = self._group.announce(via, addresses)
        if change.ignored:
            logger.warning(
                "%s named peers that are not host:port: %s",
                via,
                ", ".join(change.ignored),
            )
        if change.start or change.stop:
            logger.info("group, as %s tells it: %s", via, ", ".join(addresses))
        if change.way_in:
            logger.info("%s is a way in to the group: pausing it", via)
            link.answer(partial(pause, link.conn))
        for address in change.start:
            self._start(address)
        for address in change.stop:
            self._serving.discard(address)
            for other in list(self._links):
                if other.conn.address == address:
                    other.leave()

    def _queue_task(self, link: _Link, message: quicx_proto.Task) -> None:
        """Put a task in the backlog; when no handler loop was free to take it,
        start one more, up to ``concurrency``."""
        assert self._backlog is not None
        self._backlog.send_nowait((link, message))
        untaken = self._backlog.statistics().current_buffer_used
        if untaken and self._handler_loops < self.config.concurrency:
            assert self._handlers is not None
            assert self._backlog_out is not None
            self._handler_loops += 1
            self._handlers.start_soon(self._handle_backlog, self._backlog_out)

    async def _handle_backlog(
        self, backlog: MemoryObjectReceiveStream[_Assigned]
    ) -> None:
        """Run handlers, one task at a time, in the backlog's order, for good."""
        while True:
            link, message = await backlog.receive()
            if self._stop_asked or not link.alive:
                continue  # the daemon hands it out again once we close
            if not link.conn.holds(message.task_id):
                continue  # its lease was lost meanwhile
            self._running += 1
            await self._execute(link, message)

    async def _execute(self, link: _Link, message: quicx_proto.Task) -> None:
        task_id = message.task_id
        try:
            task = task_of(message, partial(link.touch, task_id))
            try:
                result = await self._run_handler(task)
            except Exception as exc:
                answer = answer_error(link.conn, task_id, exc)
            else:
                answer = answer_result(link.conn, task_id, result)
            if not await link.answer_now(answer):
                logger.info("task %d ended after its lease was lost", task_id)
        finally:
            self._running -= 1
            if not self._running and self._stop_asked and self._all_finished:
                self._all_finished.set()
            link.close_if_idle()


def _forever(timeout: float | None) -> float:
    return float("inf") if timeout is None else timeout
