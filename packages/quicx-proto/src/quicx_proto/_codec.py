"""Frames to messages and back, through the generated construct codecs.

A :class:`Codec` holds one construct per message body plus the header, either
as written (interpreted) or compiled by construct into Python source. The
package uses :data:`COMPILED`; :data:`INTERPRETED` exists for the tests, which
check that both modes agree, and for the benchmark.

construct reports no field path from compiled code, so when a compiled parse
fails, the same bytes are parsed again by the interpreted codec to find the
field; this costs time only on the error path.
"""

from __future__ import annotations

import re
import struct
from typing import Any

from construct import ConstructError

from quicx_proto._errors import ProtocolError
from quicx_proto._generated_codecs import BODIES, HEADER
from quicx_proto._generated_messages import (
    HEADER_SIZE,
    PROTOCOL_VERSION,
    ErrorCode,
    Message,
    MsgType,
)

__all__ = ["COMPILED", "INTERPRETED", "Codec"]

# Compiled codecs raise struct.error for a short integer instead of StreamError.
_PARSE_ERRORS = (ConstructError, struct.error)

# Which error code a bad header field earns; the rest of the header is free.
_HEADER_CODES = {
    "magic": ErrorCode.MALFORMED_FRAME,
    "version": ErrorCode.UNSUPPORTED_VERSION,
    "msg_type": ErrorCode.UNKNOWN_MESSAGE_TYPE,
}

_PATH_PREFIX = re.compile(r"^Error in path [^\n]*\n")


class Codec:
    """Encodes messages into frames and decodes headers and bodies.

    :param compiled: use construct's compiled mode (fast) or the interpreted
        constructs (slow, but with field paths in every error)
    """

    def __init__(self, *, compiled: bool) -> None:
        self.compiled = compiled
        self._header: Any = HEADER.compile() if compiled else HEADER
        self._by_type: dict[int, tuple[Any, Any]] = {}
        self._by_class: dict[type, tuple[int, Any, Any]] = {}
        for body in BODIES:
            struct_ = body.struct.compile() if compiled else body.struct
            self._by_type[body.msg_type] = (struct_, body.from_dict)
            self._by_class[body.message_class] = (body.msg_type, struct_, body.to_dict)

    def encode(self, message: Message) -> bytes:
        """Return ``message`` as one whole frame, header included.

        :raises TypeError: ``message`` is not one of the message classes
        """
        try:
            msg_type, struct_, to_dict = self._by_class[type(message)]
        except KeyError:
            raise TypeError(f"not a Quicx message: {message!r}") from None
        body: bytes = struct_.build(to_dict(message))
        header = {
            "version": PROTOCOL_VERSION,
            "msg_type": msg_type,
            "len_body": len(body),
        }
        return self._header.build(header) + body  # type: ignore[no-any-return]

    def decode_header(self, data: bytes) -> tuple[MsgType, int]:
        """Check a frame header and return its message type and body length.

        :param data: exactly :data:`HEADER_SIZE` bytes
        :raises ProtocolError: malformed_frame for a bad magic,
            unsupported_version, or unknown_message_type
        """
        try:
            fields = self._header.parse(data)
        except _PARSE_ERRORS:
            raise _blame(HEADER, data, "header") from None
        return MsgType(fields["msg_type"]), fields["len_body"]

    def decode_body(self, msg_type: MsgType, data: bytes) -> Message:
        """Decode the body of a frame whose header said ``msg_type``.

        :raises ProtocolError: malformed_frame when ``data`` does not match the
            layout, including trailing bytes and invalid UTF-8
        """
        struct_, from_dict = self._by_type[msg_type]
        try:
            fields = struct_.parse(data)
        except _PARSE_ERRORS:
            interpreted = INTERPRETED._by_type[msg_type][0]
            raise _blame(interpreted, data, msg_type.name.lower()) from None
        return from_dict(fields)  # type: ignore[no-any-return]

    def decode_frame(self, frame: bytes) -> Message:
        """Decode exactly one whole frame, for tools and tests.

        :raises ProtocolError: as :meth:`decode_header` and :meth:`decode_body`,
            and malformed_frame when ``frame`` is shorter or longer than its
            header says
        """
        if len(frame) < HEADER_SIZE:
            raise ProtocolError(
                ErrorCode.MALFORMED_FRAME, "frame shorter than a header"
            )
        msg_type, size = self.decode_header(frame[:HEADER_SIZE])
        if len(frame) != HEADER_SIZE + size:
            raise ProtocolError(
                ErrorCode.MALFORMED_FRAME,
                f"header announces {size} bytes of body, "
                f"found {len(frame) - HEADER_SIZE}",
            )
        return self.decode_body(msg_type, frame[HEADER_SIZE:])


def _blame(interpreted: Any, data: bytes, root: str) -> ProtocolError:
    """Parse ``data`` again, interpreted, and describe where it fails."""
    try:
        interpreted.parse(data)
    except ConstructError as exc:
        steps = (exc.path or "").split(" -> ")[1:]
        detail = _PATH_PREFIX.sub("", str(exc))
    else:  # pragma: no cover - the compiled codec failed where this one did not
        steps, detail = [], "compiled codec failed on input the interpreted one took"
    path = ".".join([root, *steps])
    code = ErrorCode.MALFORMED_FRAME
    if root == "header" and steps:
        code = _HEADER_CODES.get(steps[0], code)
    if code is ErrorCode.UNSUPPORTED_VERSION:
        reason = "unsupported protocol version"
    elif code is ErrorCode.UNKNOWN_MESSAGE_TYPE:
        reason = "unknown message type"
    elif root == "header":
        reason = "not a Quicx frame"
    else:
        reason = f"{root.upper()} body does not match its layout"
    return ProtocolError(code, f"{reason} ({path}): {detail}", path=path)


INTERPRETED = Codec(compiled=False)
"""Codecs as the generator wrote them; every error names its field."""

COMPILED = Codec(compiled=True)
"""Codecs compiled by construct; what the package uses."""
