"""The anyio server: frames in, broker calls, frames out.

Each connection's link hands the server the bytes it reads
(:meth:`Server.data_received`); the server decodes and handles the frames
and appends its answers to the connection's send buffer, which the link
sends in one write per turn. On asyncio the links are ``asyncio.Protocol``
callbacks (``_protocol_link``, much cheaper per frame), on trio anyio streams
with a reader and a writer task (``_stream_link``). One timer task sleeps
until the broker's next deadline and one heartbeat task watches for silent
peers. Everything that decides anything lives in the broker; this module
only moves bytes and logs what it absorbs.

With a journal (``--data-dir``), one more task writes the broker's events to
disk, and a SUBMIT's task and reply are held (``_held_replies``) until its
record is written.
"""

from __future__ import annotations

import dataclasses
import itertools
import logging
import math
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

import anyio
from anyio.abc import SocketAttribute, SocketStream, TaskStatus
from quicx_proto import (
    Done,
    Error,
    ErrorCode,
    Failed,
    Heartbeat,
    Message,
    Pong,
    ProtocolError,
    Ready,
    StatsRequest,
    Submit,
    Touch,
    encode,
)

from ._broker import Broker
from ._config import DaemonConfig
from ._connection import ALLOWED, DECIDES, Connection, Link, Role
from ._decisions import Refused, SendTask
from ._frames import (
    WAIT_FRAME,
    DoneFields,
    SubmitFields,
    read_dones,
    read_submits,
    write_ok,
    write_task,
)
from ._held_replies import HeldReplies
from ._journal import Journal
from ._journal._files import JournalFiles
from ._memory import make_arena
from ._peers import peers_frame
from ._protocol_link import on_asyncio, serve_protocols
from ._stream_link import StreamLink

__all__ = ["Server"]

logger = logging.getLogger(__name__)

MAX_ERROR_TEXT = 1000

Handler = Callable[[Connection, Any], None]


class Server:
    """The daemon's network side around one :class:`Broker`.

    :param config: the daemon's settings.
    :param clock: monotonic seconds, for the broker and heartbeats.
    :param journal_files: the journal's file system door, for tests.
    :raises ValueError: the memory size cannot hold an arena for the payload
        limit, or the journal's tasks.
    :raises JournalError: the journal is damaged or in use.
    """

    def __init__(
        self,
        config: DaemonConfig,
        *,
        clock: Callable[[], float] = time.monotonic,
        journal_files: JournalFiles | None = None,
    ) -> None:
        self.config = config
        self.max_send_buffer = config.max_send_buffer
        self._max_frame_body = config.max_frame_body
        self._clock = clock
        self.arena = make_arena(config.memory, config.broker.max_payload)
        self.journal: Journal | None = None
        if config.journal is not None:
            self.journal = Journal(config.journal, clock=clock, files=journal_files)
        self.broker = Broker(
            config.broker,
            self.arena,
            clock=clock,
            on_event=None if self.journal is None else self.journal.record,
            hold_submits=self.journal is not None,
        )
        if self.journal is not None:
            self.broker.restore(*self.journal.open())
        self._held = HeldReplies(
            config.journal.retry_after_ms if config.journal is not None else 0
        )
        self._connections: dict[int, Connection] = {}
        self._ids = itertools.count(1)
        self._roles: Counter[Role] = Counter()
        self._timer_wakeup = anyio.Event()
        self._timer_target: float | None = None
        self._drained = anyio.Event()
        self._peers_frame = peers_frame(config.peers)
        self._handlers: dict[type[Message], Handler] = {
            Submit: self._on_submit,
            Ready: self._on_ready,
            Touch: self._on_touch,
            Done: self._on_done,
            Failed: self._on_failed,
            Heartbeat: self._on_heartbeat,
            Pong: self._on_pong,
            StatsRequest: self._on_stats,
        }

    async def serve(
        self, *, task_status: TaskStatus[tuple[str, int]] = anyio.TASK_STATUS_IGNORED
    ) -> None:
        """Listen and serve until cancelled; report (host, port) once listening."""
        listener = await anyio.create_tcp_listener(
            local_host=self.config.host, local_port=self.config.port
        )
        async with listener, anyio.create_task_group() as group:
            host, port = _host_port(listener.extra(SocketAttribute.local_address))
            logger.info("listening on %s:%d", host, port)
            if self.config.peers:
                logger.info("group: %s", ", ".join(self.config.peers))
            group.start_soon(self._run_timers)
            group.start_soon(self._run_heartbeats)
            if self.journal is not None:
                group.start_soon(self.journal.run, self._settle, self.broker.export)
            task_status.started((host, port))
            if on_asyncio():
                await serve_protocols(self, listener)
            else:
                await listener.serve(self._serve_stream, task_group=group)

    async def drain(self) -> None:
        """Refuse new tasks, then wait for the backlog or the grace period."""
        self.broker.begin_drain()
        logger.info(
            "draining: %d tasks queued, %d in flight; waiting up to %g s",
            *self.broker.backlog(),
            self.config.drain_grace,
        )
        self._check_drained()
        with anyio.move_on_after(self.config.drain_grace):
            await self._drained.wait()
        if self.journal is not None:
            await self.journal.flush()
        queued, in_flight = self.broker.backlog()
        if queued or in_flight:
            logger.warning(
                "exiting with %d tasks queued and %d in flight; %s",
                queued,
                in_flight,
                "they are lost" if self.journal is None else "the journal keeps them",
            )
        else:
            logger.info("drained: nothing queued or in flight")

    # -- connections -------------------------------------------------------------

    async def _serve_stream(self, stream: SocketStream) -> None:
        await StreamLink(self, stream).run()

    def connection_opened(self, link: Link, peer: str) -> Connection:
        """A link accepted a peer: give it its state."""
        conn = Connection(next(self._ids), link, peer, self.config.max_frame_body)
        conn.last_heard = self._clock()
        self._connections[conn.id] = conn
        logger.debug("connection %d from %s opened", conn.id, conn.peer)
        return conn

    def data_received(self, conn: Connection, data: bytes) -> bool:
        """Handle the frames in ``data``; False once the connection is to stop
        reading (it broke the protocol)."""
        conn.last_heard = self._clock()
        conn.beats = 0
        if not conn.decoder.buffered:
            # The frames every task sends skip the decoder (see _frames).
            read = self._handle_hot(conn, data)
            if read == len(data):
                self._after_calls()
                return True
            if read:
                data = data[read:]
        try:
            messages = conn.decoder.feed(data)
        except ProtocolError as error:
            # Frames read before the bad one are answered first, in order.
            for message in error.messages:
                if not self._handle(conn, message):
                    return False
            self._violation(conn, error.code, str(error))
            return False
        for message in messages:
            if not self._handle(conn, message):
                return False
        self._after_calls()
        return True

    def can_close(self, conn: Connection) -> bool:
        """A closing connection waits for its replies held for the journal."""
        return not self._held.waiting(conn)

    def connection_closed(self, conn: Connection) -> None:
        """The link is gone: forget the connection; a worker's leases are lost."""
        del self._connections[conn.id]
        if conn.role is not Role.NEW:
            self._roles[conn.role] -= 1
        logger.debug("connection %d from %s closed", conn.id, conn.peer)
        self.broker.disconnect(conn.id, conn.reason)
        self._route()
        self._after_calls()

    # -- frames ---------------------------------------------------------------------

    def _handle(self, conn: Connection, message: Message) -> bool:
        """Act on one frame; False when the connection is to close."""
        kind = type(message)
        if kind not in ALLOWED[conn.role]:
            self._violation(
                conn,
                ErrorCode.NOT_ALLOWED_FOR_ROLE,
                f"{kind.__name__.upper()} is not allowed on a "
                f"{conn.role.value} connection",
            )
            return False
        if conn.role is Role.NEW and kind in DECIDES:
            conn.role = DECIDES[kind]
            self._roles[conn.role] += 1
            if conn.role is Role.WORKER:
                conn.out += self._peers_frame  # empty without a group
        self._act(conn, self._handlers[kind], message)
        return True

    def _handle_hot(self, conn: Connection, data: bytes) -> int:
        """Act on the SUBMITs of a producer or the DONEs of a worker at the
        start of ``data``; return how many bytes they took."""
        if conn.role is Role.PRODUCER:
            submits, read = read_submits(data, self._max_frame_body)
            for submit in submits:
                self._act(conn, self._on_submit, submit)
        elif conn.role is Role.WORKER:
            dones, read = read_dones(data, self._max_frame_body)
            for done in dones:
                self._act(conn, self._on_done, done)
        else:
            read = 0
        return read

    def _act(self, conn: Connection, handler: Handler, message: Any) -> None:
        """Run a frame's handler; answer a refusal or a failure with ERROR."""
        mark = len(conn.out)
        try:
            handler(conn, message)
        except Refused as refusal:
            _write_error(
                conn.out,
                refusal.code,
                refusal.message,
                retry_after_ms=refusal.retry_after_ms,
                task_id=refusal.task_id,
            )
        except Exception:
            logger.exception(
                "internal error on %s from %s", type(message).__name__, conn.peer
            )
            _write_error(conn.out, ErrorCode.INTERNAL_ERROR, "internal error")
        if self._held.waiting(conn):
            self._held.hold_output(conn, mark)
        if self.broker.has_outgoing:
            self._route()
        self._wake(conn)

    def _on_submit(self, conn: Connection, message: Submit | SubmitFields) -> None:
        journal = self.journal
        task_id = self.broker.submit(
            queue=message.queue,
            payload=message.payload,
            priority=message.priority,
            delay_ms=message.delay_ms,
            ttr_ms=message.ttr_ms,
            max_attempts=message.max_attempts,
        )
        if journal is None:
            write_ok(conn.out, task_id)
        elif journal.available:
            self._held.hold_ok(conn, journal.ticket, task_id)
        else:
            self.broker.withdraw(task_id)
            raise Refused(
                ErrorCode.JOURNAL_UNAVAILABLE,
                "the journal cannot write; retry after the hint",
                retry_after_ms=journal.config.retry_after_ms,
            )

    def _on_ready(self, conn: Connection, message: Ready) -> None:
        self.broker.ready(conn.id, message.credit, message.queues)

    def _on_touch(self, conn: Connection, message: Touch) -> None:
        self.broker.touch(conn.id, message.task_id)

    def _on_done(self, conn: Connection, message: Done | DoneFields) -> None:
        self.broker.done(conn.id, message.task_id, len(message.result))

    def _on_failed(self, conn: Connection, message: Failed) -> None:
        self.broker.failed(conn.id, message.task_id, message.retry, message.reason)

    def _on_heartbeat(self, conn: Connection, message: Heartbeat) -> None:
        conn.out += encode(Pong(token=message.token))

    def _on_pong(self, conn: Connection, message: Pong) -> None:
        """Nothing to do: hearing from the peer was the point."""

    def _on_stats(self, conn: Connection, message: StatsRequest) -> None:
        reply = self.broker.stats(
            producers=self._roles[Role.PRODUCER],
            workers=self._roles[Role.WORKER],
            monitors=self._roles[Role.MONITOR],
        )
        if self.journal is not None:
            size, live_ppm = self.journal.stats()
            reply = dataclasses.replace(
                reply, journal_bytes=size, journal_live_ppm=live_ppm
            )
        conn.out += encode(reply)

    # -- sending ------------------------------------------------------------------

    def _route(self) -> None:
        """Write the TASK and WAIT frames the broker queued to their peers."""
        connections = self._connections
        for out in self.broker.take_outgoing():
            conn = connections.get(out.conn)
            if conn is None:
                continue
            if isinstance(out, SendTask):
                write_task(
                    conn.out,
                    out.task_id,
                    out.attempt,
                    out.ttr_ms,
                    out.queue,
                    out.payload,
                )
            else:
                conn.out += WAIT_FRAME
            conn.link.flush_soon()

    def _wake(self, conn: Connection) -> None:
        """Have the connection's link send what gathered in its buffer."""
        if conn.out:
            conn.link.flush_soon()

    def _violation(self, conn: Connection, code: ErrorCode, text: str) -> None:
        """Send a closing ERROR, log it, and close once it is sent."""
        logger.warning("closing %s: %s (%s)", conn.peer, code.name.lower(), text)
        mark = len(conn.out)
        _write_error(conn.out, code, text)
        if self._held.waiting(conn):
            self._held.hold_output(conn, mark)
        conn.close_after_flush()

    def _settle(self, ticket: int, ok: bool) -> None:
        """The journal wrote (or failed to write) batches up to ``ticket``."""
        for conn in self._held.settle(ticket, ok, self.broker):
            self._wake(conn)
        self._route()
        self._after_calls()

    # -- time -------------------------------------------------------------------------

    def _after_calls(self) -> None:
        """Wake the timer if a deadline came earlier; notice a finished drain."""
        deadline = self.broker.next_deadline()
        target = self._timer_target
        if deadline is not None and (target is None or deadline < target):
            self._timer_wakeup.set()
        if self.broker.draining:
            self._check_drained()

    def _check_drained(self) -> None:
        if self.broker.backlog() == (0, 0):
            self._drained.set()

    async def _run_timers(self) -> None:
        while True:
            deadline = self.broker.next_deadline()
            self._timer_target = deadline
            delay = math.inf if deadline is None else deadline - self._clock()
            if delay > 0:
                with anyio.move_on_after(delay):
                    await self._timer_wakeup.wait()
                self._timer_wakeup = anyio.Event()
            self.broker.tick()
            self._route()
            if self.broker.draining:
                self._check_drained()

    async def _run_heartbeats(self) -> None:
        interval = self.config.heartbeat
        misses = self.config.heartbeat_misses
        tokens = itertools.count(1)
        while True:
            await anyio.sleep(interval / 4)
            now = self._clock()
            for conn in list(self._connections.values()):
                silent = int((now - conn.last_heard) / interval)
                if conn.closing or silent <= conn.beats:
                    continue
                if silent >= misses:
                    conn.reason = "missed heartbeats"
                    self._violation(
                        conn,
                        ErrorCode.HEARTBEAT_TIMEOUT,
                        f"nothing heard for {silent} heartbeat intervals",
                    )
                    continue
                conn.beats = silent
                conn.out += encode(Heartbeat(token=next(tokens)))
                self._wake(conn)


def _write_error(
    out: bytearray,
    code: ErrorCode,
    text: str,
    *,
    retry_after_ms: int = 0,
    task_id: int = 0,
) -> None:
    out += encode(
        Error(
            code=code,
            retry_after_ms=retry_after_ms,
            task_id=task_id,
            message=text[:MAX_ERROR_TEXT],
        )
    )


def _host_port(
    address: tuple[str, int] | tuple[str, int, int, int] | str,
) -> tuple[str, int]:
    if isinstance(address, str):  # a UNIX socket path; not used by the daemon
        return address, 0
    return address[0], address[1]
