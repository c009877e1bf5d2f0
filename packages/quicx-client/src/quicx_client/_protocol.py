"""Sans-IO connections for the producer and monitor roles, and their base.

A connection object holds one TCP connection's protocol state and no socket.
The shell feeds it the bytes it received (:meth:`Connection.receive_data`),
gets back :mod:`events <quicx_client._events>`, and sends whatever
:meth:`Connection.data_to_send` returns. Requests only append frames to an
outbox, so a shell that queues several requests sends them in one write.

Which message the daemon may send is a table per role: each connection maps
the message types it accepts to a handler, and anything else is a
:class:`ProtocolViolation` that leaves the connection broken for good.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import ClassVar

from quicx_proto import (
    Error,
    ErrorCode,
    FrameDecoder,
    Heartbeat,
    Message,
    Ok,
    Pong,
    ProtocolError,
    StatsReply,
    StatsRequest,
    Submit,
    encode,
    write_submit,
)

from ._errors import (
    CLOSING_CODES,
    ConnectionLost,
    ProtocolViolation,
    QuicxError,
    ServerError,
    server_error,
)
from ._events import Accepted, Closed, Event, Refused, StatsReceived

__all__ = [
    "CLIENT_MAX_FRAME",
    "Connection",
    "MonitorConnection",
    "ProducerConnection",
    "SubmitSettings",
    "submit_message",
    "submit_settings",
]

CLIENT_MAX_FRAME = 16 << 20
"""Largest frame body a client accepts; STATS replies can be large."""

_U16 = (1 << 16) - 1
_U32 = (1 << 32) - 1
_STATS_REQUEST = encode(StatsRequest())

Handler = Callable[[Message], Event | None]


class Connection:
    """Protocol state shared by every role: decoding, heartbeats, closing.

    :param address: the daemon's ``host:port``, used in error messages.
    """

    role: ClassVar[str] = "client"

    def __init__(self, address: str, *, max_frame_size: int = CLIENT_MAX_FRAME):
        self.address = address
        self._decoder = FrameDecoder(max_frame_size)
        self._outbox = bytearray()
        self._failure: QuicxError | None = None
        self._heard = False
        self._probing = False
        self._silent_since: float | None = None
        self._handlers: dict[type[Message], Handler] = {
            Error: self._on_error,
            Heartbeat: self._on_heartbeat,
            Pong: self._on_pong,
        }

    @property
    def unconfirmed(self) -> int:
        """Requests sent and not yet answered."""
        return 0

    @property
    def closed(self) -> bool:
        """True once the connection is over; every later call raises."""
        return self._failure is not None

    @property
    def wants_to_send(self) -> bool:
        """True when frames are queued for :meth:`data_to_send`."""
        return bool(self._outbox)

    def data_to_send(self) -> bytes:
        """Take every frame queued so far, as one chunk to write."""
        data = bytes(self._outbox)
        self._outbox.clear()
        return data

    def receive_data(self, data: bytes) -> list[Event]:
        """Feed bytes read from the socket; ``b""`` means the daemon closed.

        :returns: the events, in the order the frames arrived.
        :raises ProtocolViolation: when the daemon sent something this role
            cannot accept; the connection is then broken for good.
        """
        self._check_open()
        if not data:
            lost = ConnectionLost(
                self.address, "closed by the daemon", unconfirmed=self.unconfirmed
            )
            return [self._close(lost)]
        try:
            messages = self._decoder.feed(data)
        except ProtocolError as exc:
            raise self._violation(exc.code, f"undecodable frame: {exc}") from exc
        self._heard = True
        events: list[Event] = []
        for message in messages:
            handler = self._handlers.get(type(message))
            if handler is None:
                raise self._violation(
                    ErrorCode.NOT_ALLOWED_FOR_ROLE,
                    f"{type(message).__name__} is not sent to a {self.role}",
                )
            event = handler(message)
            if event is not None:
                events.append(event)
            if self._failure is not None:
                break
        return events

    def connection_lost(self, reason: str) -> ConnectionLost:
        """Tell the connection its transport broke; returns the error to raise."""
        error = ConnectionLost(self.address, reason, unconfirmed=self.unconfirmed)
        if self._failure is None:
            self._failure = error
        return error

    def check_liveness(self, now: float, interval: float) -> bool:
        """Probe a silent daemon; call it at least every ``interval`` seconds.

        After ``interval`` without a byte from the daemon a HEARTBEAT is
        queued; the daemon answers at once when it is alive.

        :returns: False when the daemon stayed silent for two intervals,
            which the shell treats as a lost connection.
        """
        if self._heard or self._silent_since is None:
            self._heard = self._probing = False
            self._silent_since = now
            return True
        silent = now - self._silent_since
        if silent >= 2 * interval:
            return False
        if silent >= interval and not self._probing:
            self._probing = True
            self._outbox += encode(Heartbeat(token=int(now * 1000) & _U32))
        return True

    # Handlers shared by every role.

    def _on_heartbeat(self, message: Message) -> None:
        assert isinstance(message, Heartbeat)
        self._outbox += encode(Pong(token=message.token))

    def _on_pong(self, message: Message) -> None:
        return None

    def _on_error(self, message: Message) -> Event | None:
        assert isinstance(message, Error)
        error = server_error(message)
        if message.code not in CLOSING_CODES:
            return self._on_refusal(error)
        lost = ConnectionLost(
            self.address,
            f"closed by the daemon ({error})",
            unconfirmed=self.unconfirmed,
            code=message.code,
        )
        lost.__cause__ = error
        return self._close(lost)

    def _on_refusal(self, error: ServerError) -> Event | None:
        raise self._violation(
            ErrorCode.NOT_ALLOWED_FOR_ROLE,
            f"ERROR {error.code.name} answers no request of this {self.role}",
        )

    # Internal helpers.

    def _check_open(self) -> None:
        if self._failure is not None:
            raise self._failure

    def _close(self, error: QuicxError) -> Closed:
        self._failure = error
        return Closed(error)

    def _violation(self, code: ErrorCode, message: str) -> ProtocolViolation:
        error = ProtocolViolation(code, f"{self.address}: {message}")
        self._failure = error
        return error


class _RequestConnection(Connection):
    """A role whose requests are answered one for one, strictly in order."""

    def __init__(self, address: str, *, max_frame_size: int = CLIENT_MAX_FRAME):
        super().__init__(address, max_frame_size=max_frame_size)
        self._waiting = 0

    @property
    def unconfirmed(self) -> int:
        return self._waiting

    def _request(self, frame: bytes) -> None:
        self._check_open()
        self._outbox += frame
        self._waiting += 1

    def _on_refusal(self, error: ServerError) -> Event:
        self._answered(f"ERROR {error.code.name}")
        return Refused(error)

    def _answered(self, what: str) -> None:
        if not self._waiting:
            raise self._violation(ErrorCode.NOT_ALLOWED_FOR_ROLE, f"{what} unasked")
        self._waiting -= 1


class ProducerConnection(_RequestConnection):
    """A producer's connection: SUBMITs out, OK or ERROR back, in order."""

    role = "producer"

    def __init__(self, address: str, *, max_frame_size: int = CLIENT_MAX_FRAME):
        super().__init__(address, max_frame_size=max_frame_size)
        self._handlers[Ok] = self._on_ok

    def submit(self, message: Submit) -> None:
        """Queue one SUBMIT; its answer is an :class:`Accepted` or :class:`Refused`.

        :raises QuicxError: when the connection is already over.
        """
        self._request(encode(message))

    def submit_payload(self, settings: SubmitSettings, payload: bytes) -> None:
        """Queue one SUBMIT of ``payload`` with checked ``settings``, without
        building a message object (the one-at-a-time submit's path).

        :raises QuicxError: when the connection is already over.
        """
        self._check_open()
        write_submit(
            self._outbox,
            settings.priority,
            settings.delay_ms,
            settings.ttr_ms,
            settings.max_attempts,
            settings.queue,
            payload,
        )
        self._waiting += 1

    def _on_ok(self, message: Message) -> Event:
        assert isinstance(message, Ok)
        self._answered("OK")
        return Accepted(message.task_id)


class MonitorConnection(_RequestConnection):
    """A monitor's connection: STATS_REQUEST out, STATS_REPLY back."""

    role = "monitor"

    def __init__(self, address: str, *, max_frame_size: int = CLIENT_MAX_FRAME):
        super().__init__(address, max_frame_size=max_frame_size)
        self._handlers[StatsReply] = self._on_stats

    def request_stats(self) -> None:
        """Queue one STATS_REQUEST; its answer is a :class:`StatsReceived`.

        :raises QuicxError: when the connection is already over.
        """
        self._request(_STATS_REQUEST)

    def _on_stats(self, message: Message) -> Event:
        assert isinstance(message, StatsReply)
        self._answered("STATS_REPLY")
        return StatsReceived(message)


@dataclass(frozen=True, slots=True)
class SubmitSettings:
    """Everything in a SUBMIT but its payload, checked to fit the wire."""

    queue: str
    priority: int
    delay_ms: int
    ttr_ms: int
    max_attempts: int


@lru_cache(maxsize=256)
def submit_settings(
    *,
    queue: str,
    priority: int,
    delay: float,
    ttr: float | None,
    max_attempts: int | None,
) -> SubmitSettings:
    """Check a submit's settings; times are in seconds, and ``None`` leaves
    ttr or max_attempts to the daemon. Cached, since a producer usually sends
    many tasks with the same few settings.

    :raises ValueError: when a setting is outside what the wire can carry.
    """
    if not 1 <= len(queue.encode()) <= 255:
        raise ValueError(f"queue name must be 1..255 bytes of UTF-8: {queue!r}")
    delay_ms = _milliseconds("delay", delay)
    ttr_ms = 0 if ttr is None else _milliseconds("ttr", ttr)
    if ttr is not None and ttr_ms == 0:
        raise ValueError("ttr must be at least 1 ms; None uses the daemon's default")
    attempts = 0 if max_attempts is None else max_attempts
    if not 0 <= attempts <= _U16 or max_attempts == 0:
        raise ValueError(f"max_attempts must be 1..65535 or None, not {max_attempts}")
    if not 0 <= priority <= _U32:
        raise ValueError(f"priority must be 0..{_U32}, not {priority}")
    return SubmitSettings(queue, priority, delay_ms, ttr_ms, attempts)


def check_payload(payload: bytes | bytearray | memoryview) -> bytes:
    """The payload as bytes.

    :raises TypeError: when it is not bytes-like.
    :raises ValueError: when it is longer than SUBMIT can carry.
    """
    if not isinstance(payload, bytes | bytearray | memoryview):
        raise TypeError(f"payload must be bytes, not {type(payload).__name__}")
    if len(payload) > _U32:
        raise ValueError(f"a payload is at most {_U32} bytes, not {len(payload)}")
    return payload if type(payload) is bytes else bytes(payload)


def submit_message(
    payload: bytes | bytearray | memoryview,
    *,
    queue: str,
    priority: int,
    delay: float,
    ttr: float | None,
    max_attempts: int | None,
) -> Submit:
    """Check a submit's arguments and build its SUBMIT message.

    :raises ValueError: when an argument is outside what the wire can carry.
    :raises TypeError: when the payload is not bytes-like.
    """
    settings = submit_settings(
        queue=queue,
        priority=priority,
        delay=delay,
        ttr=ttr,
        max_attempts=max_attempts,
    )
    return Submit(
        priority=settings.priority,
        delay_ms=settings.delay_ms,
        ttr_ms=settings.ttr_ms,
        max_attempts=settings.max_attempts,
        queue=settings.queue,
        payload=check_payload(payload),
    )


def _milliseconds(name: str, seconds: float) -> int:
    millis = round(seconds * 1000)
    if not 0 <= millis <= _U32:
        raise ValueError(f"{name} must be 0..{_U32 // 1000} seconds, not {seconds}")
    return millis
