"""The few construct classes the generated codecs need beyond construct's own.

construct's compiled mode reads with a bare ``io.read(n)`` and never checks that
``n`` bytes came back, so a length prefix that points past the end of a body
would parse as a short string instead of failing. It also compiles neither
``PascalString`` nor ``Prefixed`` when building, and ``Enum`` accepts any value.
Each class below parses and builds identically in interpreted and compiled mode,
checks every read, and raises a ``ConstructError`` (never ``UnicodeError``) for
bad input. The helpers it emits into compiled code are prefixed ``quicx_``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from construct import (
    Construct,
    FormatField,
    StringError,
    Subconstruct,
    TerminatedError,
    ValidationError,
    stream_read,
    stream_write,
)

__all__ = ["Blob", "BodyCodec", "End", "Text", "Valid"]

# Helpers shared by every compiled codec. construct's CodeGen emits each block
# once, however many fields use it.
_READ_HELPERS = """
def quicx_read_exact(io, size):
    data = io.read(size)
    if len(data) != size:
        raise StreamError(f"expected {size} bytes, found {len(data)}")
    return data
def quicx_read_sized(io, length):
    return quicx_read_exact(io, length.unpack(quicx_read_exact(io, length.size))[0])
def quicx_decode_utf8(data):
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise StringError(f"invalid UTF-8 at byte {exc.start}: {exc.reason}")
"""

_BUILD_HELPERS = """
def quicx_write_sized(io, length, data):
    io.write(length.pack(len(data)))
    io.write(data)
"""


def _length_struct(code: Any, length: FormatField) -> str:
    """Emit a ``struct.Struct`` for a length prefix and return its name."""
    name = (
        "quicx_length_"
        + {">B": "u1", ">H": "u2", ">L": "u4", ">Q": "u8"}[length.fmtstr]
    )
    code.append(f"{name} = struct.Struct({length.fmtstr!r})")
    return name


def _decode_utf8(data: bytes, path: str) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise StringError(
            f"invalid UTF-8 at byte {exc.start}: {exc.reason}", path=path
        ) from None


class _Sized(Construct):  # type: ignore[misc]
    """Bytes preceded by their length, an unsigned big-endian integer."""

    def __init__(self, length: FormatField) -> None:
        if not isinstance(length, FormatField) or length.fmtstr[1] not in "BHLQ":
            raise TypeError("length must be an unsigned integer FormatField")
        super().__init__()
        self.length = length

    def _read(self, stream: Any, context: Any, path: str) -> bytes:
        size = self.length._parsereport(stream, context, path)
        data: bytes = stream_read(stream, size, path)
        return data

    def _write(self, data: bytes, stream: Any, context: Any, path: str) -> None:
        self.length._build(len(data), stream, context, path)
        stream_write(stream, data, len(data), path)

    def _emitparse_bytes(self, code: Any) -> str:
        code.append(_READ_HELPERS)
        return f"quicx_read_sized(io, {_length_struct(code, self.length)})"


class Text(_Sized):
    """UTF-8 text after its length in bytes (the spec's str1 and str2)."""

    def _parse(self, stream: Any, context: Any, path: str) -> str:
        return _decode_utf8(self._read(stream, context, path), path)

    def _build(self, obj: Any, stream: Any, context: Any, path: str) -> Any:
        if not isinstance(obj, str):
            raise StringError(f"expected str, got {type(obj).__name__}", path=path)
        self._write(obj.encode("utf-8"), stream, context, path)
        return obj

    def _emitparse(self, code: Any) -> str:
        return f"quicx_decode_utf8({self._emitparse_bytes(code)})"

    def _emitbuild(self, code: Any) -> str:
        code.append(_BUILD_HELPERS)
        length = _length_struct(code, self.length)
        return f"(quicx_write_sized(io, {length}, obj.encode('utf-8')), obj)[1]"


class Blob(_Sized):
    """Opaque bytes after their length (the spec's blob)."""

    def _parse(self, stream: Any, context: Any, path: str) -> bytes:
        return self._read(stream, context, path)

    def _build(self, obj: Any, stream: Any, context: Any, path: str) -> Any:
        if not isinstance(obj, bytes):
            raise StringError(f"expected bytes, got {type(obj).__name__}", path=path)
        self._write(obj, stream, context, path)
        return obj

    def _emitparse(self, code: Any) -> str:
        return self._emitparse_bytes(code)

    def _emitbuild(self, code: Any) -> str:
        code.append(_BUILD_HELPERS)
        length = _length_struct(code, self.length)
        return f"(quicx_write_sized(io, {length}, obj), obj)[1]"


class Valid(Subconstruct):  # type: ignore[misc]
    """An integer that must be one of a set of values, when parsed and when built.

    ``allowed`` is any iterable of ints, such as an ``IntEnum`` class, or a
    ``range`` for a bounded field.
    """

    def __init__(self, subcon: Construct, allowed: Iterable[int]) -> None:
        super().__init__(subcon)
        self.allowed: range | frozenset[int] = (
            allowed if isinstance(allowed, range) else frozenset(map(int, allowed))
        )

    def _check(self, value: Any, path: str) -> Any:
        if value not in self.allowed:
            raise ValidationError(f"{value!r} is not an allowed value", path=path)
        return value

    def _parse(self, stream: Any, context: Any, path: str) -> Any:
        return self._check(self.subcon._parsereport(stream, context, path), path)

    def _build(self, obj: Any, stream: Any, context: Any, path: str) -> Any:
        return self.subcon._build(self._check(obj, path), stream, context, path)

    def _emit_allowed(self, code: Any) -> str:
        code.append(
            """
            def quicx_check(value, allowed):
                if value not in allowed:
                    raise ValidationError(f"{value!r} is not an allowed value")
                return value
            """
        )
        name = f"quicx_allowed_{code.allocateId()}"
        code.append(f"{name} = {self.allowed!r}")
        return name

    def _emitparse(self, code: Any) -> str:
        allowed = self._emit_allowed(code)
        return f"quicx_check({self.subcon._compileparse(code)}, {allowed})"

    def _emitbuild(self, code: Any) -> str:
        allowed = self._emit_allowed(code)
        build = self.subcon._compilebuild(code)
        return f"reuse(quicx_check(obj, {allowed}), lambda obj: ({build}))"


class End(Construct):  # type: ignore[misc]
    """Nothing may follow: parsing fails on any byte left in the stream."""

    def __init__(self) -> None:
        super().__init__()
        self.flagbuildnone = True

    def _parse(self, stream: Any, context: Any, path: str) -> None:
        if stream.read(1):
            raise TerminatedError("unexpected bytes after the last field", path=path)

    def _build(self, obj: Any, stream: Any, context: Any, path: str) -> None:
        return None

    def _emitparse(self, code: Any) -> str:
        code.append(
            """
            def quicx_expect_end(io):
                if io.read(1):
                    raise TerminatedError("unexpected bytes after the last field")
            """
        )
        return "quicx_expect_end(io)"

    def _emitbuild(self, code: Any) -> str:
        return "None"


@dataclass(frozen=True, slots=True)
class BodyCodec:
    """Everything needed to encode and decode one message type's body."""

    msg_type: int
    """The header's msg_type for this message."""
    message_class: type
    """The dataclass of the message."""
    struct: Any
    """The interpreted construct ``Struct`` of the body."""
    to_dict: Callable[[Any], dict[str, Any]]
    """Turns a message into the dict its struct builds."""
    from_dict: Callable[[Any], Any]
    """Turns what its struct parsed into a message."""
