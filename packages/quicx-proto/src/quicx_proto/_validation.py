"""Checks run by every message class when it is constructed.

The generated dataclasses call these from ``__post_init__`` so that a message
that exists can always be encoded: integers fit their field, text and bytes fit
their length prefix, and repeated fields fit their count. A wrong type raises
``TypeError`` and a value out of range raises ``ValueError``; both are mistakes
of the caller, never of the peer.
"""

from __future__ import annotations

import enum

__all__ = [
    "check_blob",
    "check_bool",
    "check_enum",
    "check_items",
    "check_record",
    "check_text",
    "check_uint",
]


def check_uint(name: str, value: object, bits: int) -> None:
    """Require an int in ``0 .. 2**bits - 1``; bools are refused."""
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError(f"{name} must be an int, got {type(value).__name__}")
    if value < 0 or value >> bits:
        raise ValueError(f"{name} must be in 0..{(1 << bits) - 1}, got {value}")


def check_bool(name: str, value: object) -> None:
    """Require a bool."""
    if not isinstance(value, bool):
        raise TypeError(f"{name} must be a bool, got {type(value).__name__}")


def check_enum(name: str, value: object, kind: type[enum.IntEnum]) -> None:
    """Require a member of ``kind``; plain ints are refused."""
    if not isinstance(value, kind):
        raise TypeError(f"{name} must be a {kind.__name__}, got {value!r}")


def check_text(name: str, value: object, max_bytes: int) -> None:
    """Require a str whose UTF-8 encoding is at most ``max_bytes`` long."""
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a str, got {type(value).__name__}")
    if value.isascii():
        size = len(value)
    else:
        try:
            size = len(value.encode("utf-8"))
        except UnicodeEncodeError as exc:
            raise ValueError(f"{name} cannot be encoded as UTF-8: {exc}") from None
    if size > max_bytes:
        raise ValueError(f"{name} is {size} bytes of UTF-8, above {max_bytes}")


def check_blob(name: str, value: object, max_bytes: int) -> None:
    """Require bytes at most ``max_bytes`` long."""
    if not isinstance(value, bytes):
        raise TypeError(f"{name} must be bytes, got {type(value).__name__}")
    if len(value) > max_bytes:
        raise ValueError(f"{name} is {len(value)} bytes, above {max_bytes}")


def check_record(name: str, value: object, kind: type) -> None:
    """Require an instance of the record class ``kind``."""
    if not isinstance(value, kind):
        raise TypeError(f"{name} must be a {kind.__name__}, got {value!r}")


def check_items(name: str, value: object, max_items: int) -> tuple[object, ...]:
    """Require a tuple of at most ``max_items`` items and return it."""
    if not isinstance(value, tuple):
        raise TypeError(f"{name} must be a tuple, got {type(value).__name__}")
    if len(value) > max_items:
        raise ValueError(f"{name} has {len(value)} items, above {max_items}")
    return value
