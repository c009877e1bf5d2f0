"""What the generated struct readers call besides ``struct`` itself.

Each helper raises :class:`Mismatch` (a ValueError) when a body does not fit
its layout. A mismatch is not an error report: the caller decodes the same
bytes again with the construct codec, which says what was wrong and where.
"""

from __future__ import annotations

from collections.abc import Container
from typing import TypeAlias

__all__ = [
    "Buffer",
    "Mismatch",
    "expect_end",
    "read_allowed",
    "read_blob",
    "read_flag",
    "read_text",
]

Buffer: TypeAlias = bytes | bytearray | memoryview
"""Any bytes-like object a reader reads or a writer appends."""


class Mismatch(ValueError):
    """A body does not fit the layout a struct reader expected."""


def read_text(body: Buffer, at: int, size: int) -> str:
    """The ``size`` bytes at ``at``, decoded as UTF-8."""
    end = at + size
    if end > len(body):
        raise Mismatch("text runs past the end of the body")
    return str(body[at:end], "utf-8")


def read_blob(body: Buffer, at: int, size: int) -> bytes:
    """A copy of the ``size`` bytes at ``at``."""
    end = at + size
    if end > len(body):
        raise Mismatch("bytes run past the end of the body")
    return bytes(body[at:end])


def read_flag(value: int) -> bool:
    """A u1 that must be 0 or 1."""
    if value > 1:
        raise Mismatch("a flag is 0 or 1")
    return value == 1


def read_allowed(value: int, allowed: Container[int]) -> int:
    """An integer that must be one of ``allowed``."""
    if value not in allowed:
        raise Mismatch("value not allowed")
    return value


def expect_end(body: Buffer, at: int) -> None:
    """Require the body to end at ``at``."""
    if at != len(body):
        raise Mismatch("the body is longer than its fields")
