"""Write ``_generated_structs.py``: struct readers and writers for flat messages.

A message is *flat* when its fields are integers, enums, flags, text, bytes
or lists of text: every Quicx message but STATS_REPLY. For each, the module
gets ``read_<message>(body)``, which decodes a body into the message class,
and ``write_<message>(out, ...)``, which appends a whole frame to a
bytearray; runs of fixed-size fields (and the length or count prefix that
ends a run) are one ``struct.Struct`` call. Why they exist, and how they stay
as strict as the construct codecs, is said in the generated module's
docstring below.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ksy_model import (
    Blob,
    EnumRef,
    Field,
    Flag,
    Magic,
    Repeated,
    Spec,
    SpecError,
    Text,
    TypeDef,
    UInt,
)
from pysource import (
    LINE_LENGTH,
    bytes_literal,
    camel,
    carried_fields,
    from_import,
    generated_notice,
    sort_names,
    string_list,
)
from targets import SUPPORT_PACKAGE, Target

__all__ = ["render_structs"]

_CODES = {8: "B", 16: "H", 32: "I", 64: "Q"}
# Names the generated functions use for themselves; a field may not take one.
_RESERVED = {"at", "body", "count", "item", "out", "size"}

_DOC = """\
``struct`` readers and writers for every flat message of Quicx.

construct's compiled codecs took about 10 us to encode and 12 us to decode
one SUBMIT, TASK or DONE on the project's loaded two-core machine
(benchmarks/results/codec.json), some 40 us of the daemon's time per task and
as much again in the clients. The functions below do the same work with one
``struct.Struct`` call per run of fixed-size fields, in about a tenth of the
time. They cover every message whose fields are integers, enums, flags, text,
bytes or lists of text; STATS_REPLY, with its nested records, has none and
goes through construct.

The readers are never the judge of a bad frame. Each one raises ValueError
or struct.error as soon as a body does not match its layout (short, too
long, a bad length, invalid UTF-8, a value outside its enum or range), and
the caller then decodes the same bytes with the construct codec, which
raises the ProtocolError with its code and field path, exactly as before.
Tests check that both codecs agree on every message and on arbitrary bodies.

Writers take the message's fields in the order of the .ksy and trust them to
be in range, as a message object's are once built. They append to ``out``
and never read it, so a caller can gather several frames into one write.
"""


@dataclass
class _Module:
    """What the functions need at module level: structs and imports."""

    structs: dict[str, str] = field(default_factory=dict)
    """Struct name by format."""
    messages: set[str] = field(default_factory=set)
    helpers: set[str] = field(default_factory=set)
    typing: set[str] = field(default_factory=set)

    def struct(self, codes: list[str], header: list[str] | None = None) -> str:
        """The name of the Struct for ``codes``, after the frame header if given.

        Names spell the format: ``_QHIB`` reads a run of u8, u2, u4, u1;
        ``_FRAME_QHIB`` writes a header followed by that run; one integer
        alone is ``_U1`` .. ``_U8``.
        """
        run = "".join(codes)
        if header is not None:
            name = "_FRAME_" + run if run else "_FRAME"
            codes = [*header, *codes]
        elif len(codes) == 1:
            name = "_U" + str(_size(codes))
        else:
            name = "_" + run
        self.structs.setdefault(">" + "".join(codes), name)
        return name


def render_structs(spec: Spec, target: Target) -> str:
    """Return the source of the struct codecs module."""
    module = _Module(typing={"Callable"})
    enum_name = camel(spec.switch_enum)
    module.messages.add(enum_name)
    header_codes = _header_codes(spec.header)
    sections: list[list[str]] = []
    readers: list[tuple[str, str]] = []
    writers: list[tuple[str, str]] = []
    for message in spec.messages:
        type_def = message.type
        if not _is_flat(type_def):
            continue
        name = camel(type_def.id)
        module.messages.add(name)
        member = f"{enum_name}.{message.msg_type.id.upper()}"
        sections.append(_reader(type_def, spec, module))
        sections.append(_writer(type_def, member, header_codes, spec, module))
        sections.append(_adapter(type_def))
        readers.append((member, f"read_{type_def.id}"))
        writers.append((name, f"_write_{type_def.id}_message"))
    structs = [f'{n} = struct.Struct("{f}")' for f, n in module.structs.items()]
    exports = ["HEADER", "MAGIC", "READERS", "VERSION", "WRITERS"]
    exports += [f"read_{m.type.id}" for m in spec.messages if _is_flat(m.type)]
    exports += [f"write_{m.type.id}" for m in spec.messages if _is_flat(m.type)]
    magic = next(f.type for f in spec.header.fields if isinstance(f.type, Magic))
    assert isinstance(magic, Magic)
    lines = [
        f"# {generated_notice(target.spec.as_posix())}",
        f'"""{_DOC}',
        f"To change this file, change {target.spec.as_posix()}, then run",
        "``python spec/codegen/generate.py`` from the repository root.",
        '"""',
        "",
        "from __future__ import annotations",
        "",
        "import struct",
        f"from collections.abc import {', '.join(sorted(module.typing))}",
        "from typing import Any",
        "",
        *from_import(target.messages_module, module.messages),
        *from_import(f"{SUPPORT_PACKAGE}._structs", module.helpers | {"Buffer"}),
        "",
        *string_list("__all__", sort_names(exports)),
        "",
        f"MAGIC = {bytes_literal(magic.contents)}",
        f"VERSION = {spec.protocol_version}",
        f'HEADER = struct.Struct(">{"".join(header_codes)}")',
        '"""The frame header: magic, version, msg_type, len_body."""',
        "",
        *structs,
    ]
    for section in sections:
        lines += ["", "", *section]
    lines += ["", "", *_table("READERS", readers, "int", "Callable[[Buffer], Any]")]
    lines += [
        '"""Body readers by msg_type; a type missing here is decoded by construct."""',
        "",
        *_table("WRITERS", writers, "type", "Callable[[bytearray, Any], None]"),
        '"""Frame writers by message class; a class missing here is encoded by '
        'construct."""',
    ]
    return "\n".join(lines) + "\n"


def _header_codes(header: TypeDef) -> list[str]:
    codes = []
    for item in header.fields:
        match item.type:
            case Magic(contents=contents):
                codes.append(f"{len(contents)}s")
            case UInt(bits=bits) | EnumRef(bits=bits):
                codes.append(_CODES[bits])
            case _:
                raise SpecError(f"header.{item.id} has no fixed size")
    return codes


def _is_flat(type_def: TypeDef) -> bool:
    for item in type_def.fields:
        if item.id in _RESERVED:
            raise SpecError(f"{type_def.id}.{item.id}: that name is reserved")
        kind = item.type.item if isinstance(item.type, Repeated) else item.type
        if isinstance(item.type, Repeated) and not isinstance(kind, Text):
            return False
        if not isinstance(kind, UInt | EnumRef | Flag | Text | Blob):
            return False
    return True


# -- readers -------------------------------------------------------------------


class _Reader:
    """Lines of one reader; fixed fields gather into runs read at once.

    While no variable-size field has been read the offset is a constant
    (``offset``); after one, it lives in the variable ``at``.
    """

    def __init__(self, module: _Module) -> None:
        self.lines: list[str] = []
        self.codes: list[str] = []
        self.names: list[str] = []
        self.offset: int | None = 0
        self.module = module

    @property
    def at(self) -> str:
        """The current offset as an expression."""
        return "at" if self.offset is None else str(self.offset)

    def fixed(self, code: str, name: str) -> None:
        self.codes.append(code)
        self.names.append(name)

    def flush(self) -> None:
        """Read the gathered run of fixed-size fields with one Struct."""
        if not self.codes:
            return
        name = self.module.struct(self.codes)
        names = ", ".join(self.names)
        target = f"({names},)" if len(self.names) == 1 else names
        where = "body" if self.offset == 0 else f"body, {self.at}"
        self.lines.append(f"{target} = {name}.unpack_from({where})")
        self.advance(_size(self.codes))
        self.codes, self.names = [], []

    def advance(self, by: int | str) -> None:
        """Move past ``by`` bytes: a number, or the name of a variable."""
        if self.offset is not None and isinstance(by, int):
            self.offset += by
        elif self.offset is not None:
            self.lines.append(f"at = {self.offset} + {by}")
            self.offset = None
        else:
            self.lines.append(f"at += {by}")

    def settle(self) -> None:
        """Put the offset in ``at``, for a loop to move it."""
        if self.offset is not None:
            self.lines.append(f"at = {self.offset}")
            self.offset = None


def _reader(type_def: TypeDef, spec: Spec, module: _Module) -> list[str]:
    reader = _Reader(module)
    values = []
    for item in carried_fields(type_def):
        match item.type:
            case UInt(bits=bits) | EnumRef(bits=bits):
                reader.fixed(_CODES[bits], item.id)
            case Flag():
                reader.fixed("B", item.id)
            case Text(prefix_bits=bits) | Blob(prefix_bits=bits):
                reader.fixed(_CODES[bits], "size")
                reader.flush()
                helper = "read_text" if isinstance(item.type, Text) else "read_blob"
                module.helpers.add(helper)
                reader.lines.append(f"{item.id} = {helper}(body, {reader.at}, size)")
                reader.advance("size")
            case Repeated(count_bits=count_bits, item=Text(prefix_bits=bits)):
                reader.fixed(_CODES[count_bits], "count")
                reader.flush()
                reader.settle()
                module.helpers.add("read_text")
                prefix = module.struct([_CODES[bits]])
                reader.lines += [
                    f"{item.id} = []",
                    "for _ in range(count):",
                    f"    (size,) = {prefix}.unpack_from(body, at)",
                    f"    {item.id}.append(read_text(body, at + {bits // 8}, size))",
                    f"    at += {bits // 8} + size",
                ]
        values.append(f"{item.id}={_converted(item, module)}")
    reader.flush()
    module.helpers.add("expect_end")
    reader.lines.append(f"expect_end(body, {reader.at})")
    name = camel(type_def.id)
    return [
        f"def read_{type_def.id}(body: Buffer) -> {name}:",
        f'    """The {name} in ``body``; see the module docstring for errors."""',
        *(f"    {line}" for line in reader.lines),
        *_call(f"return {name}(", values, ")", 4),
    ]


def _converted(item: Field, module: _Module) -> str:
    match item.type:
        case EnumRef(enum=enum_id):
            module.messages.add(camel(enum_id))
            return f"{camel(enum_id)}({item.id})"
        case Flag():
            module.helpers.add("read_flag")
            return f"read_flag({item.id})"
        case UInt(allowed=allowed) if allowed is not None:
            module.helpers.add("read_allowed")
            return f"read_allowed({item.id}, {_allowed(allowed)})"
        case Repeated():
            return f"tuple({item.id})"
    return item.id


def _allowed(allowed: tuple[int, ...] | range) -> str:
    if isinstance(allowed, range):
        return repr(allowed)
    return "(" + ", ".join(map(str, allowed)) + ("," if len(allowed) == 1 else "") + ")"


# -- writers -------------------------------------------------------------------


def _writer(
    type_def: TypeDef, member: str, header: list[str], spec: Spec, module: _Module
) -> list[str]:
    fields = carried_fields(type_def)
    params = ["out: bytearray"]
    params += [f"{f.id}: {_annotation(f, module)}" for f in fields]
    prepare: list[str] = []
    sizes: list[str] = []
    fixed = 0
    for item in fields:
        match item.type:
            case Text():
                prepare.append(f"{item.id}_data = {item.id}.encode()")
                sizes.append(f"len({item.id}_data)")
            case Blob():
                sizes.append(f"len({item.id})")
            case Repeated(item=Text(prefix_bits=bits)):
                encoded = f"[item.encode() for item in {item.id}]"
                prepare.append(f"{item.id}_data = {encoded}")
                sizes.append(f"sum(len(item) for item in {item.id}_data)")
                sizes.append(f"{bits // 8} * len({item.id}_data)")
        fixed += _fixed_size(item)
    prepare.append(f"size = {' + '.join([str(fixed), *sizes])}")
    codes: list[str] = []
    values = ["MAGIC", "VERSION", member, "size"]
    steps: list[str] = []
    first = True

    def flush() -> None:
        nonlocal codes, values, first
        if codes or first:
            name = module.struct(codes, header if first else None)
            steps.extend(_call(f"out += {name}.pack(", values, ")", 0))
        codes, values, first = [], [], False

    for item in fields:
        match item.type:
            case UInt(bits=bits) | EnumRef(bits=bits):
                codes.append(_CODES[bits])
                values.append(item.id)
            case Flag():
                codes.append("B")
                values.append(item.id)
            case Text(prefix_bits=bits):
                codes.append(_CODES[bits])
                values.append(f"len({item.id}_data)")
                flush()
                steps.append(f"out += {item.id}_data")
            case Blob(prefix_bits=bits):
                codes.append(_CODES[bits])
                values.append(f"len({item.id})")
                flush()
                steps.append(f"out += {item.id}")
            case Repeated(count_bits=count_bits, item=Text(prefix_bits=bits)):
                codes.append(_CODES[count_bits])
                values.append(f"len({item.id}_data)")
                flush()
                prefix = module.struct([_CODES[bits]])
                steps += [
                    f"for item in {item.id}_data:",
                    f"    out += {prefix}.pack(len(item))",
                    "    out += item",
                ]
    flush()
    name = camel(type_def.id)
    return [
        *_call(f"def write_{type_def.id}(", params, ") -> None:", 0),
        f'    """Append the {name} frame of these fields to ``out``."""',
        *(f"    {line}" for line in [*prepare, *steps]),
    ]


def _annotation(item: Field, module: _Module) -> str:
    match item.type:
        case EnumRef(enum=enum_id):
            return camel(enum_id)
        case Flag():
            return "bool"
        case Text():
            return "str"
        case Blob():
            return "Buffer"
        case Repeated():
            module.typing.add("Sequence")
            return "Sequence[str]"
    return "int"


def _fixed_size(item: Field) -> int:
    match item.type:
        case UInt(bits=bits) | EnumRef(bits=bits):
            return bits // 8
        case Flag():
            return 1
        case Text(prefix_bits=bits) | Blob(prefix_bits=bits):
            return bits // 8
        case Repeated(count_bits=bits):
            return bits // 8
    raise SpecError(f"{item.id} is not flat")


def _adapter(type_def: TypeDef) -> list[str]:
    name = camel(type_def.id)
    args = ["out", *(f"message.{f.id}" for f in carried_fields(type_def))]
    return [
        f"def _write_{type_def.id}_message(out: bytearray, message: {name}) -> None:",
        *_call(f"write_{type_def.id}(", args, ")", 4),
    ]


# -- layout --------------------------------------------------------------------


def _size(codes: list[str]) -> int:
    sizes = {"B": 1, "H": 2, "I": 4, "Q": 8}
    return sum(sizes.get(c, 0) or int(c[:-1]) for c in codes)


def _call(head: str, items: list[str], tail: str, indent: int) -> list[str]:
    """``head items tail`` on one line, or one item a line with a trailing comma."""
    pad = " " * indent
    line = f"{pad}{head}{', '.join(items)}{tail}"
    if len(line) <= LINE_LENGTH:
        return [line]
    return [f"{pad}{head}", *(f"{pad}    {item}," for item in items), f"{pad}{tail}"]


def _table(name: str, rows: list[tuple[str, str]], key: str, value: str) -> list[str]:
    return [
        f"{name}: dict[{key}, {value}] = {{",
        *(f"    {k}: {v}," for k, v in rows),
        "}",
    ]
