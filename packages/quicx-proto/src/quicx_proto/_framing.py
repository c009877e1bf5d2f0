"""The incremental, sans-IO frame decoder."""

from __future__ import annotations

from quicx_proto._errors import ProtocolError
from quicx_proto._generated_messages import (
    HEADER_SIZE,
    ErrorCode,
    Message,
    MsgType,
)
from quicx_proto._wire import read_body, read_header

__all__ = ["DEFAULT_MAX_FRAME", "FrameDecoder"]

DEFAULT_MAX_FRAME = 16 * 1024 * 1024
"""Largest body a :class:`FrameDecoder` accepts unless told otherwise: 16 MiB,
the limit clients use for what they receive (a STATS reply can be large)."""


class FrameDecoder:
    """Turns a byte stream, in chunks of any size, into whole messages.

    It does no I/O: give it what the socket returned and act on the messages it
    gives back. Each header is checked as soon as its 8 bytes are in, so a
    frame that announces a body above ``max_frame_size`` is refused before its
    body is waited for.

    After a :class:`ProtocolError` the decoder stays broken: every later call
    raises a ProtocolError with the same code, since the stream can no longer be
    split into frames.

    :param max_frame_size: largest body length accepted, in bytes, not counting
        the 8-byte header
    """

    __slots__ = ("_buffer", "_error", "_max_frame_size", "_pending")

    def __init__(self, max_frame_size: int = DEFAULT_MAX_FRAME) -> None:
        if max_frame_size < 0:
            raise ValueError(f"max_frame_size must be >= 0, got {max_frame_size}")
        self._max_frame_size = max_frame_size
        self._buffer = bytearray()
        self._pending: tuple[MsgType, int] | None = None
        self._error: ProtocolError | None = None

    @property
    def buffered(self) -> int:
        """Bytes received that do not yet make a whole frame."""
        return len(self._buffer)

    def feed(self, data: bytes) -> list[Message]:
        """Add received bytes; return the messages they complete, in order.

        A frame split across calls is kept until its last byte arrives; an
        empty list means nothing is complete yet. When a frame is bad, the
        messages decoded before it in the same call travel in the error's
        ``messages``, so the caller can act on them before closing.

        :param data: the next bytes of the stream, any amount
        :raises ProtocolError: the stream is not valid Quicx, now or earlier
        """
        if self._error is not None:
            self._raise_if_broken()
        # With nothing buffered (the usual case) decode straight from ``data``
        # and keep only its incomplete tail, instead of copying it all first.
        buffer = self._buffer
        source: bytes | bytearray = data
        if buffer:
            buffer += data
            source = buffer
        messages: list[Message] = []
        try:
            with memoryview(source) as view:
                offset = self._split(view, messages)
        except ProtocolError as exc:
            exc.messages = tuple(messages)
            self._error = exc
            raise
        if source is buffer:
            del buffer[:offset]
        elif offset < len(data):
            buffer += memoryview(data)[offset:]
        return messages

    def end(self) -> None:
        """Say the stream has ended, so that a frame cut short is an error.

        :raises ProtocolError: malformed_frame when part of a frame is buffered,
            or the decoder's earlier error
        """
        self._raise_if_broken()
        if self._buffer:
            self._error = ProtocolError(
                ErrorCode.MALFORMED_FRAME,
                f"stream ended inside a frame, {len(self._buffer)} bytes buffered",
            )
            raise self._error

    def _split(self, view: memoryview, messages: list[Message]) -> int:
        """Decode the whole frames in ``view`` into ``messages``.

        Returns the offset of the first byte not used, where an incomplete
        frame starts; its header, when complete, is kept in ``_pending``.
        """
        offset = 0
        end = len(view)
        while True:
            if self._pending is None:
                if end - offset < HEADER_SIZE:
                    return offset
                self._pending = self._check_header(view, offset)
            msg_type, size = self._pending
            start = offset + HEADER_SIZE
            if end - start < size:
                return offset
            offset = start + size
            self._pending = None
            messages.append(read_body(msg_type, view[start:offset]))

    def _check_header(self, view: memoryview, at: int) -> tuple[MsgType, int]:
        msg_type, size = read_header(view, at)
        if size > self._max_frame_size:
            raise ProtocolError(
                ErrorCode.FRAME_TOO_LARGE,
                f"{msg_type.name} frame announces a {size}-byte body, "
                f"above the limit of {self._max_frame_size}",
                path="header.len_body",
            )
        return msg_type, size

    def _raise_if_broken(self) -> None:
        if self._error is not None:
            error = self._error
            raise ProtocolError(
                error.code,
                f"decoder broken by an earlier error: {error}",
                path=error.path,
            )
