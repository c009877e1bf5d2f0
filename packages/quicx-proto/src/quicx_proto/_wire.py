"""Frames to messages and back on the hot path, construct behind it.

Every frame goes through the generated ``struct`` readers and writers
(``_generated_structs``; its docstring says why they exist). When a reader
finds a body or header that does not fit, the same bytes go to the compiled
construct codec, which raises the ProtocolError with its code and field path;
so errors are exactly the construct codec's, and it costs time only then.
STATS_REPLY, which has no struct codec, always goes through construct.
"""

from __future__ import annotations

import struct

from quicx_proto._codec import COMPILED
from quicx_proto._generated_messages import HEADER_SIZE, Message, MsgType
from quicx_proto._generated_structs import HEADER, MAGIC, READERS, VERSION, WRITERS
from quicx_proto._structs import Buffer

__all__ = ["encode", "encode_into", "read_body", "read_header"]

_TYPES: dict[int, MsgType] = {member.value: member for member in MsgType}


def encode(message: Message) -> bytes:
    """Return ``message`` as one whole frame, header included.

    :raises TypeError: ``message`` is not one of the message classes
    """
    out = bytearray()
    encode_into(message, out)
    return bytes(out)


def encode_into(message: Message, out: bytearray) -> None:
    """Append ``message`` to ``out`` as one whole frame, header included.

    :raises TypeError: ``message`` is not one of the message classes
    """
    writer = WRITERS.get(type(message))
    if writer is None:
        out += COMPILED.encode(message)
    else:
        writer(out, message)


def read_header(data: Buffer, at: int) -> tuple[MsgType, int]:
    """Check the header at ``data[at:]`` and return its type and body length.

    :raises ProtocolError: malformed_frame for a bad magic,
        unsupported_version, or unknown_message_type
    """
    magic, version, msg_type, size = HEADER.unpack_from(data, at)
    kind = _TYPES.get(msg_type)
    if kind is None or magic != MAGIC or version != VERSION:
        return COMPILED.decode_header(bytes(data[at : at + HEADER_SIZE]))
    return kind, size


def read_body(msg_type: MsgType, body: Buffer) -> Message:
    """Decode the body of a frame whose header said ``msg_type``.

    :raises ProtocolError: malformed_frame when ``body`` does not match the
        layout, including trailing bytes and invalid UTF-8
    """
    reader = READERS.get(msg_type)
    if reader is not None:
        try:
            message: Message = reader(body)
        except (ValueError, struct.error):
            pass  # construct finds what is wrong, below
        else:
            return message
    return COMPILED.decode_body(msg_type, bytes(body))
