"""Read frames with the Kaitai reference decoder and compare them to messages.

tests/reference/quicx_frame.py is compiled from spec/quicx.ksy by the official
Kaitai Struct compiler (spec/kaitai/compile.mjs), independently of the construct
codecs quicx-proto generates from the same file. :func:`check_frame` walks the
.ksy itself to learn which fields a body has and which length and count
prefixes go with them, so a field a codec drops or reorders is caught even when
that codec's own round trip passes.

A mismatch raises ``AssertionError`` whose message names the field by its spec
path, such as ``submit.priority`` or ``queue_stats.name``.
"""

from __future__ import annotations

import dataclasses
import enum
import importlib
from collections.abc import Mapping
from io import BytesIO
from pathlib import Path
from typing import Any

import yaml  # type: ignore[import-untyped]
from kaitaistruct import KaitaiStream
from quicx_proto import HEADER_SIZE, PROTOCOL_VERSION, Message, MsgType

__all__ = [
    "BODY_TYPES",
    "SPEC",
    "TYPES",
    "body_type",
    "check_frame",
    "check_struct",
    "field_values",
    "read_reference",
]

# The generated parser is untyped; it is used through Any on purpose.
REFERENCE: Any = importlib.import_module("reference.quicx_frame").QuicxFrame
SPEC_PATH = Path(__file__).resolve().parents[2] / "spec" / "quicx.ksy"
SPEC: dict[str, Any] = yaml.safe_load(SPEC_PATH.read_text(encoding="utf-8"))
TYPES: dict[str, Any] = SPEC["types"]
BODY_TYPES: dict[str, str] = SPEC["seq"][1]["type"]["cases"]

# Spec types that quicx-proto turns into a plain str or bytes.
WRAPPERS = {"str1", "str2", "blob"}
PREFIXES = ("len_", "num_")


def read_reference(frame: bytes) -> Any:
    """Parse one whole frame with the Kaitai reference decoder.

    :raises kaitaistruct.KaitaiStructError: when the frame breaks the spec.
    """
    return REFERENCE(KaitaiStream(BytesIO(frame)))


def body_type(msg_type: MsgType) -> str:
    """The spec type that lays out the body of `msg_type` frames."""
    return BODY_TYPES[f"msg_type::{msg_type.name.lower()}"]


def field_values(message: object) -> dict[str, object]:
    """The fields of a message dataclass by name, in declaration order."""
    assert dataclasses.is_dataclass(message), f"{message!r} is not a message"
    return {f.name: getattr(message, f.name) for f in dataclasses.fields(message)}


def prefix_size(value: object) -> int:
    """What a len_ or num_ prefix holds for `value`: bytes or items."""
    if isinstance(value, str):
        return len(value.encode("utf-8"))
    assert isinstance(value, bytes | tuple)
    return len(value)


def check_struct(type_name: str, values: Mapping[str, object], parsed: Any) -> None:
    """Assert that `parsed` holds `values`, walking the spec's seq of `type_name`.

    `values` names every field except the len_ and num_ prefixes, in spec order.
    """
    seq = TYPES[type_name]["seq"]
    carried = [attr["id"] for attr in seq if not attr["id"].startswith(PREFIXES)]
    assert list(values) == carried, f"{type_name}: fields {list(values)}"
    for attr in seq:
        name = attr["id"]
        got = getattr(parsed, name)
        if name.startswith(PREFIXES):
            target = name.split("_", 1)[1]
            want_size = prefix_size(values[target])
            assert got == want_size, f"{type_name}.{name}: {want_size} vs {got}"
        elif "repeat" in attr:
            want = values[name]
            assert isinstance(want, tuple), f"{type_name}.{name}"
            assert len(got) == len(want), f"{type_name}.{name}: length"
            for want_item, got_item in zip(want, got, strict=True):
                check_value(type_name, attr, want_item, got_item)
        else:
            check_value(type_name, attr, values[name], got)


def check_value(owner: str, attr: Mapping[str, Any], want: object, got: Any) -> None:
    """Assert that one parsed field `got` equals the message's value `want`."""
    where = f"{owner}.{attr['id']}"
    kind = attr.get("type")
    if kind in WRAPPERS:
        check_struct(kind, {"value": want}, got)
    elif kind in TYPES:
        check_struct(kind, field_values(want), got)
    elif "enum" in attr:
        assert isinstance(want, enum.IntEnum), where
        assert isinstance(got, enum.IntEnum), f"{where}: {got!r} is not in the enum"
        assert (got.value, got.name) == (want.value, want.name.lower()), where
    elif isinstance(want, bool):
        assert attr.get("valid") == {"max": 1}, where
        assert got == int(want), f"{where}: {want!r} vs {got!r}"
    else:
        assert type(want) is type(got), f"{where}: {want!r} vs {got!r}"
        assert got == want, f"{where}: {want!r} vs {got!r}"


def check_frame(msg_type: MsgType, message: Message, frame: bytes) -> None:
    """Assert that the reference decoder reads `message` back from `frame`.

    :raises AssertionError: naming the first field where they differ
    :raises kaitaistruct.KaitaiStructError: the reference decoder refuses `frame`
    """
    parsed = read_reference(frame)
    header = parsed.header
    assert header.magic == b"QX", "header.magic"
    assert header.version == PROTOCOL_VERSION, "header.version"
    assert header.msg_type.value == msg_type.value, "header.msg_type"
    assert header.len_body == len(frame) - HEADER_SIZE, "header.len_body"
    assert parsed._io.is_eof(), "the frame has bytes after its body"
    assert parsed.body._io.is_eof(), "the body has bytes the spec does not read"
    check_struct(body_type(msg_type), field_values(message), parsed.body)
