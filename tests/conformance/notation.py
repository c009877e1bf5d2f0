"""A text notation for writing one frame by hand, broken or not.

A frame is written as space-separated tokens, a header part then a body part::

    SUBMIT u4:0 u4:0 u4:0 u2:0 s1:"" blob:""          an empty queue name
    magic=QY version=1 STATS_REQUEST                   a wrong magic
    type=14                                            a message type not in the spec
    len=1041 SUBMIT                                    a header announcing 1041 bytes

Header tokens: the message type by name (``SUBMIT``) or number (``type=14``),
and optional overrides ``magic=XY`` (two ASCII characters or ``hex:5159``),
``version=N`` (1 by default) and ``len=N`` (the body's real length by default).

Body tokens, in wire order: ``u1:N``, ``u2:N``, ``u4:N``, ``u8:N`` (unsigned
big-endian; decimal or 0x hex), ``s1:"text"`` and ``s2:"text"`` (UTF-8 with a
u1 or u2 length), ``blob:"text"`` (a u4 length then the bytes), and
``hex:0a0b`` (raw bytes, for anything else, such as invalid UTF-8). Quoting is
shell-like, so ``s1:"two words"`` is one token.
"""

from __future__ import annotations

import shlex

from quicx_proto import PROTOCOL_VERSION, MsgType

__all__ = ["NotationError", "parse_frame"]

_INTS = {"u1": 1, "u2": 2, "u4": 4, "u8": 8}
_TEXTS = {"s1": 1, "s2": 2, "blob": 4}


class NotationError(ValueError):
    """A frame written in the notation cannot be read."""


def parse_frame(text: str) -> bytes:
    """Return the bytes of the frame written as ``text``.

    :raises NotationError: naming the token that cannot be read
    """
    try:
        tokens = shlex.split(text)
    except ValueError as exc:
        raise NotationError(f"{text!r}: {exc}") from None
    magic, version, msg_type, length = b"QX", PROTOCOL_VERSION, None, None
    body = bytearray()
    for token in tokens:
        key, sep, value = token.partition("=") if "=" in token else ("", "", "")
        try:
            if sep and key == "magic":
                magic = _raw(value) if value.startswith("hex:") else value.encode()
            elif sep and key == "version":
                version = _int(value)
            elif sep and key == "type":
                msg_type = _int(value)
            elif sep and key == "len":
                length = _int(value)
            elif token in MsgType.__members__:
                msg_type = MsgType[token].value
            else:
                body += _body_token(token)
        except (ValueError, OverflowError) as exc:
            raise NotationError(f"{text!r}: token {token!r}: {exc}") from None
    if msg_type is None:
        raise NotationError(f"{text!r}: no message type (a name or type=N)")
    if len(magic) != 2:
        raise NotationError(f"{text!r}: the magic must be 2 bytes")
    size = len(body) if length is None else length
    header = magic + bytes([version, msg_type]) + size.to_bytes(4, "big")
    return header + bytes(body)


def _body_token(token: str) -> bytes:
    kind, sep, value = token.partition(":")
    if not sep:
        raise ValueError("expected KIND:VALUE, a header field or a message name")
    if kind in _INTS:
        return _int(value).to_bytes(_INTS[kind], "big")
    if kind in _TEXTS:
        data = value.encode("utf-8")
        return len(data).to_bytes(_TEXTS[kind], "big") + data
    if kind == "hex":
        return _raw(token)
    raise ValueError(f"unknown kind {kind!r}")


def _int(text: str) -> int:
    return int(text, 0)


def _raw(token: str) -> bytes:
    return bytes.fromhex(token.removeprefix("hex:"))
