"""Read a .ksy (spec/quicx.ksy, spec/journal.ksy) into the model the renderers need.

Only the subset of Kaitai Struct that Quicx uses is understood; anything else
raises ``SpecError`` naming the type and field, so a spec change the generator
cannot map fails loudly instead of producing a wrong codec.

The mapping rules:

- ``contents`` is a constant (the magic).
- ``u1``/``u2``/``u4``/``u8`` is an unsigned big-endian int; with ``enum`` it is
  that enum (always validated); a ``u1`` with ``valid: {max: 1}`` is a bool;
  other ``valid`` forms restrict the int to one value or a range.
- A type whose seq is exactly ``len_value`` (an unsigned int) then ``value``
  of ``size: len_value`` is a length-prefixed wrapper: text when ``value`` has
  ``type: str``, bytes otherwise. Such wrappers are inlined, never classes.
- ``repeat: expr`` whose ``repeat-expr`` names the unsigned-int field right
  before it is a tuple; that count field is computed, not stored.
- The *frame* is a header type followed by a body sized by the header's
  ``len_body`` and switched on one of its enum fields. It is either the root
  itself (a wire frame) or the type the root repeats until the end of the
  stream (a journal record); the root's other fields are records.
- Any other user type is a record (a nested class), or a message when the
  frame's body switch names it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

__all__ = [
    "Blob",
    "EnumDef",
    "EnumMember",
    "EnumRef",
    "Field",
    "FieldType",
    "Flag",
    "Magic",
    "Message",
    "RecordRef",
    "Repeated",
    "Spec",
    "SpecError",
    "Text",
    "TypeDef",
    "UInt",
    "fixed_size",
    "read_spec",
]

_UINT = re.compile(r"^u([1248])$")
_CASE = re.compile(r"^(\w+)::(\w+)$")


class SpecError(Exception):
    """The .ksy uses something this generator cannot map."""


@dataclass(frozen=True)
class UInt:
    """An unsigned big-endian integer, optionally restricted."""

    bits: int
    allowed: tuple[int, ...] | range | None = None


@dataclass(frozen=True)
class EnumRef:
    """An integer holding a value of one of the spec's enums."""

    bits: int
    enum: str


@dataclass(frozen=True)
class Flag:
    """A u1 that is 0 or 1."""


@dataclass(frozen=True)
class Magic:
    """Constant bytes."""

    contents: bytes


@dataclass(frozen=True)
class Text:
    """UTF-8 text after its byte length."""

    prefix_bits: int


@dataclass(frozen=True)
class Blob:
    """Opaque bytes after their length."""

    prefix_bits: int


@dataclass(frozen=True)
class RecordRef:
    """A nested user type."""

    type_id: str


@dataclass(frozen=True)
class Repeated:
    """Items after their count."""

    count_bits: int
    item: FieldType


FieldType = UInt | EnumRef | Flag | Magic | Text | Blob | RecordRef | Repeated


@dataclass(frozen=True)
class Field:
    id: str
    doc: str
    type: FieldType


@dataclass(frozen=True)
class TypeDef:
    id: str
    doc: str
    fields: tuple[Field, ...]


@dataclass(frozen=True)
class EnumMember:
    value: int
    id: str
    doc: str


@dataclass(frozen=True)
class EnumDef:
    id: str
    members: tuple[EnumMember, ...]


@dataclass(frozen=True)
class Message:
    msg_type: EnumMember
    type: TypeDef


@dataclass(frozen=True)
class Spec:
    header: TypeDef
    records: tuple[TypeDef, ...]
    messages: tuple[Message, ...]
    enums: dict[str, EnumDef]
    switch_enum: str = "msg_type"
    """The enum whose members choose a body layout."""

    @property
    def header_size(self) -> int:
        """Bytes in the fixed header."""
        return fixed_size(self.header)

    @property
    def protocol_version(self) -> int:
        """The single value the header's version field allows."""
        return self.version_of(self.header.id)

    def record(self, type_id: str) -> TypeDef:
        """The record type named ``type_id``."""
        for record in self.records:
            if record.id == type_id:
                return record
        raise SpecError(f"no record type {type_id!r}")

    def version_of(self, type_id: str) -> int:
        """The single value the version field of type ``type_id`` allows."""
        type_def = self.header if type_id == self.header.id else self.record(type_id)
        for field in type_def.fields:
            if field.id == "version" and isinstance(field.type, UInt):
                allowed = field.type.allowed
                if isinstance(allowed, tuple) and len(allowed) == 1:
                    return allowed[0]
        raise SpecError(f"{type_id}.version must be valid for exactly one value")


def fixed_size(type_def: TypeDef) -> int:
    """Bytes in a type made only of constants and integers."""
    size = 0
    for field in type_def.fields:
        if isinstance(field.type, Magic):
            size += len(field.type.contents)
        elif isinstance(field.type, UInt | EnumRef):
            size += field.type.bits // 8
        else:
            raise SpecError(f"{type_def.id}.{field.id} has no fixed size")
    return size


def read_spec(ksy: dict[str, Any]) -> Spec:
    """Build the model from the parsed YAML of the .ksy file."""
    if unknown := set(ksy) - {"meta", "doc", "doc-ref", "seq", "types", "enums"}:
        raise SpecError(f"cannot map top-level keys {sorted(unknown)}")
    meta = ksy.get("meta", {})
    if meta.get("endian") != "be" or str(meta.get("encoding", "")).upper() != "UTF-8":
        raise SpecError("meta must say endian: be and encoding: UTF-8")
    enums = {name: _read_enum(name, body) for name, body in ksy["enums"].items()}
    types: dict[str, Any] = ksy["types"]
    wrappers = {name: w for name, body in types.items() if (w := _wrapper(body))}
    frame_id, frame_seq = _find_frame(ksy["seq"], types)
    header_id, switch_enum, cases = _read_frame(frame_seq, enums)
    message_ids = {type_id for _, type_id in cases}
    records = tuple(
        _read_type(name, body, enums, wrappers, types)
        for name, body in types.items()
        if name not in wrappers
        and name not in message_ids
        and name not in (header_id, frame_id)
    )
    messages = tuple(
        Message(member, _read_type(type_id, types[type_id], enums, wrappers, types))
        for member, type_id in cases
    )
    header = _read_type(header_id, types[header_id], enums, wrappers, types)
    return Spec(header, records, messages, enums, switch_enum)


def _read_enum(name: str, body: dict[Any, Any]) -> EnumDef:
    members = []
    for value, entry in body.items():
        if not isinstance(value, int) or not isinstance(entry, dict):
            raise SpecError(f"enum {name}: write each member as value: {{id, doc}}")
        members.append(EnumMember(value, entry["id"], _doc(entry, f"enum {name}")))
    return EnumDef(name, tuple(members))


def _is_frame(seq: list[dict[str, Any]]) -> bool:
    return len(seq) == 2 and "switch-on" in (seq[1].get("type") or {})


def _find_frame(
    seq: list[dict[str, Any]], types: dict[str, Any]
) -> tuple[str | None, list[dict[str, Any]]]:
    """Return the frame's type id (None when it is the root) and its seq."""
    if _is_frame(seq):
        return None, seq
    for entry in seq:
        where = f"root.{entry.get('id')}"
        if set(entry) - {"id", "doc", "type", "repeat"}:
            raise SpecError(f"{where}: a root field may only have a type and doc")
        if entry.get("type") not in types:
            raise SpecError(f"{where}: the root may only hold user types")
    repeated = [entry for entry in seq if "repeat" in entry]
    if len(repeated) != 1 or repeated[0]["repeat"] != "eos":
        raise SpecError("the root must be a frame or repeat one type until eos")
    frame_id: str = repeated[0]["type"]
    body = types[frame_id]
    if set(body) - {"doc", "seq"} or not _is_frame(body.get("seq", [])):
        raise SpecError(f"type {frame_id} must be exactly a header and a body")
    return frame_id, body["seq"]


def _read_frame(
    seq: list[dict[str, Any]], enums: dict[str, EnumDef]
) -> tuple[str, str, list[tuple[EnumMember, str]]]:
    """Return the header's type id, the enum the body switches on, and
    (member, type id) per message."""
    if len(seq) != 2:
        raise SpecError("the root seq must be exactly a header and a body")
    header, body = seq
    switch = body.get("type", {})
    if body.get("size") != f"{header['id']}.len_body" or "switch-on" not in switch:
        raise SpecError("body must be sized by len_body and switch on msg_type")
    cases = []
    switch_enums = set()
    for key, type_id in switch["cases"].items():
        match = _CASE.match(str(key))
        if not match or match[1] not in enums:
            raise SpecError(f"body case {key!r} is not enum::member")
        members = {m.id: m for m in enums[match[1]].members}
        cases.append((members[match[2]], type_id))
        switch_enums.add(match[1])
    if len(switch_enums) != 1:
        raise SpecError("every body case must name a member of the same enum")
    cases.sort(key=lambda case: case[0].value)
    return header["type"], switch_enums.pop(), cases


def _wrapper(body: dict[str, Any]) -> Text | Blob | None:
    """Map a length-prefixed wrapper type (str1, str2, blob), or return None."""
    seq = body.get("seq", [])
    if len(seq) != 2 or [f.get("id") for f in seq] != ["len_value", "value"]:
        return None
    length, value = seq
    bits = _uint_bits(length.get("type"))
    if bits is None or value.get("size") != "len_value":
        return None
    if value.get("type") == "str":
        return Text(bits)
    if "type" not in value:
        return Blob(bits)
    return None


def _read_type(
    name: str,
    body: dict[str, Any],
    enums: dict[str, EnumDef],
    wrappers: dict[str, Text | Blob],
    types: dict[str, Any],
) -> TypeDef:
    if unknown := set(body) - {"doc", "doc-ref", "seq"}:
        raise SpecError(f"type {name}: cannot map keys {sorted(unknown)}")
    fields: list[Field] = []
    for entry in body.get("seq", []):
        where = f"{name}.{entry.get('id')}"
        if "repeat" in entry:
            fields.append(_read_repeated(where, entry, fields, enums, wrappers, types))
        else:
            field_type = _read_field_type(where, entry, enums, wrappers, types)
            fields.append(Field(entry["id"], _doc(entry, where), field_type))
    return TypeDef(name, _doc(body, name), tuple(fields))


def _read_repeated(
    where: str,
    entry: dict[str, Any],
    fields: list[Field],
    enums: dict[str, EnumDef],
    wrappers: dict[str, Text | Blob],
    types: dict[str, Any],
) -> Field:
    count = fields[-1] if fields else None
    if (
        entry["repeat"] != "expr"
        or count is None
        or entry.get("repeat-expr") != count.id
        or not isinstance(count.type, UInt)
        or count.type.allowed is not None
    ):
        raise SpecError(f"{where}: repeat must be expr on the uint field just before")
    fields.pop()
    item = _read_field_type(where, entry, enums, wrappers, types)
    return Field(entry["id"], _doc(entry, where), Repeated(count.type.bits, item))


def _read_field_type(
    where: str,
    entry: dict[str, Any],
    enums: dict[str, EnumDef],
    wrappers: dict[str, Text | Blob],
    types: dict[str, Any],
) -> FieldType:
    known = {"id", "doc", "type", "enum", "valid", "contents", "repeat", "repeat-expr"}
    if unknown := set(entry) - known:
        raise SpecError(f"{where}: cannot map keys {sorted(unknown)}")
    if "contents" in entry:
        contents = entry["contents"]
        if isinstance(contents, str):
            return Magic(contents.encode("ascii"))
        return Magic(bytes(contents))
    type_name = entry.get("type")
    bits = _uint_bits(type_name)
    if bits is not None:
        return _read_uint(where, bits, entry, enums)
    if "enum" in entry or "valid" in entry:
        raise SpecError(f"{where}: enum and valid need an unsigned integer type")
    if type_name in wrappers:
        return wrappers[type_name]
    if type_name in types:
        return RecordRef(type_name)
    raise SpecError(f"{where}: cannot map type {type_name!r}")


def _read_uint(
    where: str, bits: int, entry: dict[str, Any], enums: dict[str, EnumDef]
) -> FieldType:
    valid = entry.get("valid")
    if "enum" in entry:
        if entry["enum"] not in enums:
            raise SpecError(f"{where}: unknown enum {entry['enum']!r}")
        if valid not in (None, {"in-enum": True}):
            raise SpecError(f"{where}: an enum field may only be valid in-enum")
        return EnumRef(bits, entry["enum"])
    if valid is None:
        return UInt(bits)
    if isinstance(valid, int):
        return UInt(bits, (valid,))
    if not isinstance(valid, dict) or set(valid) - {"min", "max"}:
        raise SpecError(f"{where}: valid must be a value or min/max")
    low, high = valid.get("min", 0), valid.get("max", (1 << bits) - 1)
    if bits == 8 and (low, high) == (0, 1):
        return Flag()
    return UInt(bits, range(low, high + 1))


def _uint_bits(type_name: object) -> int | None:
    match = _UINT.match(type_name) if isinstance(type_name, str) else None
    return int(match[1]) * 8 if match else None


def _doc(entry: dict[str, Any], where: str) -> str:
    doc = entry.get("doc")
    if not isinstance(doc, str) or not doc.strip():
        raise SpecError(f"{where} has no doc")
    return doc.strip()
