"""The one round-trip check every codec test goes through.

:func:`assert_roundtrip` decodes the frame and compares the message, encodes
the message and compares the bytes, checks the header's length, and does all of
it with the compiled codecs, the interpreted ones and the public functions.
It also decodes the frame with the Kaitai reference parser compiled from the
same spec by the official compiler, so both toolchains must agree.
"""

from __future__ import annotations

import dataclasses
import enum
import io
import re
from typing import Any

from kaitaistruct import KaitaiStream
from quicx_proto import HEADER_SIZE, FrameDecoder, Message, MsgType, encode
from quicx_proto._codec import COMPILED, INTERPRETED
from reference.quicx_frame import QuicxFrame  # type: ignore[attr-defined]

__all__ = ["assert_roundtrip", "decode_reference", "msg_type_of"]


def assert_roundtrip(message: Message, frame: bytes | None = None) -> bytes:
    """Check ``message`` against ``frame`` both ways, in every mode.

    :param frame: the expected bytes; when None, the compiled encoding is the
        reference the other modes must match
    :returns: the frame
    """
    frame = encode(message) if frame is None else frame
    assert len(frame) == HEADER_SIZE + int.from_bytes(frame[4:8], "big")
    for codec in (COMPILED, INTERPRETED):
        assert codec.encode(message) == frame, f"compiled={codec.compiled}"
        assert codec.decode_frame(frame) == message, f"compiled={codec.compiled}"
    assert encode(message) == frame
    assert FrameDecoder().feed(frame) == [message]
    assert decode_reference(frame, message) == message
    return frame


def decode_reference(frame: bytes, like: Message) -> Message:
    """Decode ``frame`` with the Kaitai reference parser into ``like``'s class.

    ``like`` supplies the class of each nested value, so that the Kaitai
    objects can be turned into dataclasses without a second mapping table.
    """
    parsed = QuicxFrame(KaitaiStream(io.BytesIO(frame)))
    assert parsed.header.magic == b"QX"
    assert int(parsed.header.msg_type) == msg_type_of(like)
    message: Message = _convert(parsed.body, like)
    return message


def msg_type_of(message: Message) -> MsgType:
    """The message type of ``message``'s class: StatsReply -> STATS_REPLY."""
    return MsgType[re.sub(r"(?<!^)(?=[A-Z])", "_", type(message).__name__).upper()]


def _convert(value: Any, like: Any) -> Any:
    if dataclasses.is_dataclass(like):
        fields = {
            f.name: _convert(getattr(value, f.name), getattr(like, f.name))
            for f in dataclasses.fields(like)
        }
        cls: Any = type(like)
        return cls(**fields)
    if isinstance(like, tuple):
        assert len(value) == len(like)
        return tuple(_convert(v, item) for v, item in zip(value, like, strict=True))
    if isinstance(like, bool):
        return bool(value)
    if isinstance(like, enum.IntEnum):
        return type(like)(int(value))
    if isinstance(like, str | bytes):
        return value.value
    return value
