"""The client's one error tree.

Every exception the client raises on purpose derives from :class:`QuicxError`
and carries ``code``, the spec's :class:`~quicx_proto.ErrorCode` behind it
(``None`` when the failure has no code, such as a refused TCP connection).
The tree is split by blame, as in the spec:

- :class:`ServerError`: the daemon answered a request with ERROR. One subclass
  per code a client is expected to handle; :class:`RetryableError` gathers the
  codes whose request was not accepted and may be sent again after
  ``retry_after`` seconds.
- :class:`ConnectionLost` and :class:`Unreachable`: the transport failed.
- :class:`ProtocolViolation`: the daemon sent bytes this client cannot accept.
"""

from __future__ import annotations

from quicx_proto import Error, ErrorCode

__all__ = [
    "CLOSING_CODES",
    "BatchIncomplete",
    "ConnectionLost",
    "InternalError",
    "InvalidField",
    "JournalUnavailable",
    "LeaseExpired",
    "OutOfMemory",
    "PayloadTooLarge",
    "PermanentError",
    "ProtocolViolation",
    "QueueFull",
    "QuicxError",
    "RetryableError",
    "ServerError",
    "ShuttingDown",
    "UnknownTask",
    "Unreachable",
    "server_error",
]

CLOSING_CODES = frozenset(
    {
        ErrorCode.MALFORMED_FRAME,
        ErrorCode.UNSUPPORTED_VERSION,
        ErrorCode.UNKNOWN_MESSAGE_TYPE,
        ErrorCode.FRAME_TOO_LARGE,
        ErrorCode.NOT_ALLOWED_FOR_ROLE,
        ErrorCode.HEARTBEAT_TIMEOUT,
    }
)
"""Codes after which the daemon closes the connection (spec/PROTOCOL.md)."""


class QuicxError(Exception):
    """Root of every error the client raises on purpose.

    :ivar code: the spec's error code behind the failure, or ``None``.
    """

    code: ErrorCode | None = None


class ServerError(QuicxError):
    """The daemon refused a request with an ERROR frame.

    Raised by the call whose request was refused; the more specific
    subclasses below are raised for the codes a client usually handles.

    :ivar code: the ERROR frame's code.
    :ivar message: the daemon's explanation, for people.
    :ivar retry_after: seconds the daemon asks to wait before a retry; 0.0 for
        codes that must not be retried as they are.
    :ivar task_id: the task the error is about, or 0.
    """

    def __init__(
        self,
        code: ErrorCode,
        message: str,
        *,
        retry_after: float = 0.0,
        task_id: int = 0,
    ) -> None:
        super().__init__(f"{code.name.lower()}: {message}" if message else code.name)
        self.code: ErrorCode = code
        self.message = message
        self.retry_after = retry_after
        self.task_id = task_id


class RetryableError(ServerError):
    """The request was not accepted, and sending it again later is safe.

    Producers retry these after ``retry_after`` until their retry budget is
    spent, then raise the last one.
    """


class OutOfMemory(RetryableError):
    """The daemon's payload memory is full; raised by a SUBMIT it refused."""


class QueueFull(RetryableError):
    """The queue is at the daemon's depth limit; raised by a refused SUBMIT."""


class ShuttingDown(RetryableError):
    """The daemon is draining and takes no new tasks; producers fail over."""


class JournalUnavailable(RetryableError):
    """The daemon could not journal the task, so it did not accept it."""


class PayloadTooLarge(ServerError):
    """The payload is above the daemon's limit; never retried."""


class InvalidField(ServerError):
    """A field was out of range, such as an empty queue name; never retried."""


class UnknownTask(ServerError):
    """DONE, FAILED or TOUCH named a task this worker does not hold."""


class LeaseExpired(ServerError):
    """The task's lease ran out before this worker's DONE, FAILED or TOUCH."""


class InternalError(ServerError):
    """The daemon failed in a way that is not the client's fault.

    A SUBMIT refused this way is not retried: the client cannot know whether
    the failure is transient.
    """


class ConnectionLost(QuicxError):
    """The connection to the daemon broke or was closed by the daemon.

    Raised by a call that was waiting for a reply. When the daemon said why
    before closing (an ERROR such as heartbeat_timeout), ``code`` is that
    code and the :class:`ServerError` is the ``__cause__``.

    :ivar address: the daemon's ``host:port``.
    :ivar unconfirmed: requests sent whose reply never came. A SUBMIT among
        them may or may not have been accepted, so it is never retried.
    """

    def __init__(
        self,
        address: str,
        reason: str,
        *,
        unconfirmed: int = 0,
        code: ErrorCode | None = None,
    ) -> None:
        detail = f"; {unconfirmed} request(s) unconfirmed" if unconfirmed else ""
        super().__init__(f"connection to {address} lost: {reason}{detail}")
        self.address = address
        self.unconfirmed = unconfirmed
        self.code = code


class Unreachable(QuicxError):
    """No connection could be opened to any of the addresses given.

    Raised once the retry budget for connecting is spent; nothing was sent.
    """

    def __init__(self, addresses: tuple[str, ...], reason: str) -> None:
        super().__init__(f"cannot connect to {', '.join(addresses)}: {reason}")
        self.addresses = addresses


class ProtocolViolation(QuicxError):
    """The daemon sent bytes this client cannot accept; the connection is dropped.

    ``code`` is the code the client would have answered with, such as
    ``MALFORMED_FRAME``.
    """

    def __init__(self, code: ErrorCode, message: str) -> None:
        super().__init__(message)
        self.code = code


class BatchIncomplete(QuicxError):
    """``submit_many`` stopped before every payload was accepted.

    The error that stopped it is the ``__cause__`` and gives ``code``.

    :ivar task_ids: one entry per payload taken so far, in order: its task id,
        or None when it was not accepted (refused, or its answer lost with the
        connection, in which case it may have been accepted after all).
    """

    def __init__(self, task_ids: list[int | None], cause: QuicxError) -> None:
        accepted = sum(task_id is not None for task_id in task_ids)
        super().__init__(
            f"submit_many stopped with {accepted} of {len(task_ids)} payloads "
            f"accepted: {cause}"
        )
        self.task_ids = task_ids
        self.code = cause.code


class PermanentError(Exception):
    """Raise this from a task handler to dead-letter the task at once.

    Any other exception gives FAILED with a retry; this one gives FAILED
    without, so the daemon moves the task to the dead letters with the
    message as its reason.
    """


_CLASSES: dict[ErrorCode, type[ServerError]] = {
    ErrorCode.OUT_OF_MEMORY: OutOfMemory,
    ErrorCode.QUEUE_FULL: QueueFull,
    ErrorCode.SHUTTING_DOWN: ShuttingDown,
    ErrorCode.JOURNAL_UNAVAILABLE: JournalUnavailable,
    ErrorCode.PAYLOAD_TOO_LARGE: PayloadTooLarge,
    ErrorCode.INVALID_FIELD: InvalidField,
    ErrorCode.UNKNOWN_TASK: UnknownTask,
    ErrorCode.LEASE_EXPIRED: LeaseExpired,
    ErrorCode.INTERNAL_ERROR: InternalError,
}


def server_error(frame: Error) -> ServerError:
    """Build the exception matching an ERROR frame's code."""
    cls = _CLASSES.get(frame.code, ServerError)
    return cls(
        frame.code,
        frame.message,
        retry_after=frame.retry_after_ms / 1000,
        task_id=frame.task_id,
    )
