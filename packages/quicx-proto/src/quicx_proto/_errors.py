"""The one exception that blames the peer."""

from __future__ import annotations

from quicx_proto._generated_messages import ErrorCode, Message

__all__ = ["ProtocolError"]


class ProtocolError(Exception):
    """The bytes received break the Quicx protocol; the peer is to blame.

    Raised by :class:`FrameDecoder` for a bad header, a frame above the size
    limit, or a body that does not match its message's layout. Mistakes of the
    caller, such as building a message with an out-of-range field, raise
    ``ValueError`` or ``TypeError`` instead.

    :param code: the spec's error code to send back in ERROR before closing
    :param message: what was wrong, for logs
    :param path: for a codec error, the field that failed, such as
        ``"submit.queue"`` or ``"header.version"``; ``None`` otherwise

    .. attribute:: messages

        The whole messages :meth:`FrameDecoder.feed` decoded before the bad
        frame in the same call, in order, so that a peer can still act on them
        (and answer them) before it sends its closing ERROR. Empty otherwise.
    """

    messages: tuple[Message, ...]

    def __init__(self, code: ErrorCode, message: str, *, path: str | None = None):
        super().__init__(message)
        self.code = code
        self.path = path
        self.messages = ()

    def __reduce__(
        self,
    ) -> tuple[type[ProtocolError], tuple[ErrorCode, str], dict[str, object]]:
        state: dict[str, object] = {"path": self.path, "messages": self.messages}
        return type(self), (self.code, str(self)), state

    def __repr__(self) -> str:
        return f"ProtocolError({self.code.name}, {str(self)!r}, path={self.path!r})"
