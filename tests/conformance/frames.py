"""Split one direction of a connection into frames and hold each to both decoders.

:func:`split_stream` feeds the bytes, one frame at a time, to quicx-proto's
:class:`FrameDecoder`; when the decoder refuses the stream (a scenario that
sends a broken frame on purpose), the rest of the bytes are kept as a
:class:`Refusal`. :func:`check_frame_decoders` then asks the Kaitai reference
decoder for the same fields and re-encodes the message, and
:func:`check_refusal_decoders` asks the reference decoder to refuse what
quicx-proto refused, except where the reference decoder is known to be laxer.

:func:`describe` renders a message as JSON-ready data: spec field names,
enums by their spec name, bytes as hex. The transcripts next to the captures
are written with it, and :func:`differences` compares two renderings field by
field.
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Iterator
from dataclasses import dataclass

from kaitaistruct import KaitaiStructError
from quicx_proto import (
    DEFAULT_MAX_FRAME,
    HEADER_SIZE,
    ErrorCode,
    FrameDecoder,
    Message,
    MsgType,
    ProtocolError,
    encode,
)
from support.reference_decoder import check_frame, read_reference

__all__ = [
    "CLIENT_FRAME_LIMIT",
    "Frame",
    "Refusal",
    "Stream",
    "check_frame_decoders",
    "check_refusal_decoders",
    "describe",
    "differences",
    "split_stream",
]

CLIENT_FRAME_LIMIT = DEFAULT_MAX_FRAME
"""The largest body a client accepts from the daemon (spec section 14)."""


@dataclass(frozen=True)
class Frame:
    """One whole frame of a stream and the message quicx-proto decoded from it."""

    index: int
    offset: int
    data: bytes
    message: Message

    @property
    def name(self) -> str:
        return MsgType(self.data[3]).name


@dataclass(frozen=True)
class Refusal:
    """The end of a stream that quicx-proto refused, from its first bad frame."""

    index: int
    offset: int
    data: bytes
    code: ErrorCode
    path: str | None


@dataclass(frozen=True)
class Stream:
    """One direction of a connection: its frames, then what was refused, if anything."""

    frames: tuple[Frame, ...]
    refusal: Refusal | None = None


def split_stream(data: bytes, max_frame_size: int) -> Stream:
    """Split ``data`` into frames with a :class:`FrameDecoder`.

    :param max_frame_size: the receiver's frame limit: the daemon's for what a
        client sends, :data:`CLIENT_FRAME_LIMIT` for what the daemon sends
    """
    decoder = FrameDecoder(max_frame_size)
    frames: list[Frame] = []
    offset = 0
    try:
        while offset < len(data):
            header = data[offset : offset + HEADER_SIZE]
            messages = decoder.feed(header)  # a frame with an empty body ends here
            size = int.from_bytes(header[4:8], "big") if len(header) == 8 else 0
            end = offset + HEADER_SIZE + size
            messages += decoder.feed(data[offset + HEADER_SIZE : end])
            if not messages:
                break
            frames.append(Frame(len(frames), offset, data[offset:end], messages[0]))
            offset = end
        decoder.end()
    except ProtocolError as exc:
        refusal = Refusal(len(frames), offset, data[offset:], exc.code, exc.path)
        return Stream(tuple(frames), refusal)
    return Stream(tuple(frames))


def check_frame_decoders(frame: Frame) -> None:
    """Both decoders read the same fields from ``frame``; encoding gives it back.

    :raises AssertionError: naming the field where the decoders disagree, or
        the first byte where the re-encoded frame differs
    """
    msg_type = MsgType(frame.data[3])
    try:
        check_frame(msg_type, frame.message, frame.data)
    except KaitaiStructError as exc:
        raise AssertionError(f"the reference decoder refuses it: {exc!r}") from None
    except AssertionError as exc:
        raise AssertionError(f"the reference decoder disagrees at {exc}") from None
    again = encode(frame.message)
    if again != frame.data:
        at = next(
            (
                i
                for i, (a, b) in enumerate(zip(again, frame.data, strict=False))
                if a != b
            ),
            min(len(again), len(frame.data)),
        )
        raise AssertionError(
            f"re-encoding {msg_type.name} gives different bytes from byte {at} "
            f"({len(again)} bytes instead of {len(frame.data)})"
        )


def check_refusal_decoders(refusal: Refusal) -> None:
    """The reference decoder refuses the bytes quicx-proto refused.

    It is laxer in three known places, where it may accept them: an ERROR
    code outside the enum, bytes after a body's last field, and a body above
    a receiver's frame limit (the limit is configuration, not in the .ksy).

    :raises AssertionError: the reference decoder accepts the bytes otherwise
    """
    try:
        parsed = read_reference(refusal.data)
    except (KaitaiStructError, EOFError, ValueError):
        return
    body = parsed.body
    known_laxity = (
        refusal.code == ErrorCode.FRAME_TOO_LARGE
        or not body._io.is_eof()
        or (refusal.path == "error.code" and not isinstance(body.code, enum.Enum))
    )
    assert known_laxity, (
        f"quicx-proto refuses it ({refusal.code.name} at {refusal.path}) "
        "but the reference decoder accepts it"
    )


def describe(value: object) -> object:
    """``value`` as JSON-ready data: dataclasses as dicts, enums by spec name,
    bytes as hex, tuples as lists."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            f.name: describe(getattr(value, f.name)) for f in dataclasses.fields(value)
        }
    if isinstance(value, enum.Enum):
        return value.name.lower()
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, tuple | list):
        return [describe(item) for item in value]
    return value


def differences(
    old: object,
    new: object,
    path: str = "",
    names: tuple[str, str] = ("recorded", "found"),
) -> Iterator[str]:
    """Yield ``path: recorded X, found Y`` for every field where two
    :func:`describe` renderings differ; ``names`` replaces the two words."""
    if isinstance(old, dict) and isinstance(new, dict):
        for key in dict.fromkeys([*old, *new]):
            where = f"{path}.{key}" if path else str(key)
            yield from differences(old.get(key), new.get(key), where, names)
    elif isinstance(old, list) and isinstance(new, list):
        if len(old) != len(new):
            yield f"{path}: {names[0]} {len(old)} items, {names[1]} {len(new)}"
        for i, (a, b) in enumerate(zip(old, new, strict=False)):
            yield from differences(a, b, f"{path}[{i}]", names)
    elif old != new or type(old) is not type(new):
        yield f"{path}: {names[0]} {old!r}, {names[1]} {new!r}"
