"""Write ``_generated_codecs.py``: construct codecs and message converters."""

from __future__ import annotations

from ksy_model import (
    Blob,
    EnumRef,
    Field,
    FieldType,
    Flag,
    Magic,
    RecordRef,
    Repeated,
    Spec,
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
    generated_header,
    sort_names,
    string_list,
)
from targets import SUPPORT_PACKAGE, Target

__all__ = ["render_codecs"]

_INTS = {8: "Int8ub", 16: "Int16ub", 32: "Int32ub", 64: "Int64ub"}


class _Imports:
    """Names the module uses, per source module."""

    def __init__(self) -> None:
        self.construct: set[str] = {"Struct"}
        self.constructs: set[str] = set()
        self.messages: set[str] = set()


def render_codecs(spec: Spec, target: Target) -> str:
    """Return the source of the codecs module."""
    imports = _Imports()
    imports.constructs.add("BodyCodec")
    imports.messages.add(camel(spec.switch_enum))
    header = _render_struct(spec.header, imports, terminated=False)
    sections = [header]
    for record in _records_in_order(spec):
        sections.append(_render_struct(record, imports, terminated=False))
        sections.extend(_render_converters(record, imports))
    for message in spec.messages:
        sections.append(_render_struct(message.type, imports, terminated=True))
        sections.extend(_render_converters(message.type, imports))
    sections.append(_render_table(spec))
    exports = ["BODIES", spec.header.id.upper()]
    if target.export_records:
        exports += [record.id.upper() for record in spec.records]
    lines = [
        *generated_header(target.codecs_summary, target.spec.as_posix()),
        "",
        "from __future__ import annotations",
        "",
        "from typing import Any",
        "",
        *_import_blocks(
            target,
            {
                "construct": imports.construct,
                f"{SUPPORT_PACKAGE}._constructs": imports.constructs,
                target.messages_module: imports.messages,
            },
        ),
        "",
        *string_list("__all__", sort_names(exports)),
    ]
    after_def = True
    for section in sections:
        is_def = section[0].startswith("def")
        lines += ["", "", *section] if is_def or after_def else ["", *section]
        after_def = is_def
    return "\n".join(lines) + "\n"


def _import_blocks(target: Target, modules: dict[str, set[str]]) -> list[str]:
    """``from`` imports as ruff's isort groups them: other packages first, then
    the target's own package, which ruff counts as first-party."""
    own = [m for m in sorted(modules) if m.startswith(f"{target.package}.")]
    others = [m for m in sorted(modules) if m not in own]
    lines: list[str] = []
    for block in (others, own):
        for module in block:
            lines += from_import(module, modules[module])
        lines.append("")
    return lines[:-1]


def _records_in_order(spec: Spec) -> list[TypeDef]:
    """Records, each after the records it contains."""
    by_id = {r.id: r for r in spec.records}
    ordered: list[TypeDef] = []

    def visit(record: TypeDef) -> None:
        if record in ordered:
            return
        for field in record.fields:
            item = field.type.item if isinstance(field.type, Repeated) else field.type
            if isinstance(item, RecordRef):
                visit(by_id[item.type_id])
        ordered.append(record)

    for record in spec.records:
        visit(record)
    return ordered


def _render_struct(type_def: TypeDef, imports: _Imports, terminated: bool) -> list[str]:
    lines = [f"{type_def.id.upper()} = Struct("]
    for field in type_def.fields:
        lines.append(f'    "{field.id}" / {_construct(field.type, imports)},')
    if terminated:
        imports.constructs.add("End")
        lines.append("    End(),")
    lines.append(")")
    return lines


def _construct(field_type: FieldType, imports: _Imports) -> str:
    match field_type:
        case Magic(contents=contents):
            imports.construct.add("Const")
            return f"Const({bytes_literal(contents)})"
        case UInt(bits=bits, allowed=None):
            return _int(bits, imports)
        case UInt(bits=bits, allowed=tuple(values)):
            imports.constructs.add("Valid")
            allowed = "{" + ", ".join(map(str, values)) + "}"
            return f"Valid({_int(bits, imports)}, {allowed})"
        case UInt(bits=bits, allowed=range() as bounds):
            imports.constructs.add("Valid")
            return f"Valid({_int(bits, imports)}, {bounds!r})"
        case EnumRef(bits=bits, enum=enum_id):
            imports.constructs.add("Valid")
            imports.messages.add(camel(enum_id))
            return f"Valid({_int(bits, imports)}, {camel(enum_id)})"
        case Flag():
            imports.constructs.add("Valid")
            return f"Valid({_int(8, imports)}, range(0, 2))"
        case Text(prefix_bits=bits):
            imports.constructs.add("Text")
            return f"Text({_int(bits, imports)})"
        case Blob(prefix_bits=bits):
            imports.constructs.add("Blob")
            return f"Blob({_int(bits, imports)})"
        case RecordRef(type_id=type_id):
            return type_id.upper()
        case Repeated(count_bits=bits, item=item):
            imports.construct.add("PrefixedArray")
            return f"PrefixedArray({_int(bits, imports)}, {_construct(item, imports)})"
    raise ValueError(f"cannot map {field_type}")


def _int(bits: int, imports: _Imports) -> str:
    imports.construct.add(_INTS[bits])
    return _INTS[bits]


def _render_converters(type_def: TypeDef, imports: _Imports) -> list[list[str]]:
    name = camel(type_def.id)
    imports.messages.add(name)
    to_dict = [
        f"def _{type_def.id}_to_dict(message: {name}) -> dict[str, Any]:",
        f'    """The fields of a {name} as its codec builds them."""',
    ]
    from_dict = [
        f"def _{type_def.id}_from_dict(fields: Any) -> {name}:",
        f'    """A {name} from what its codec parsed."""',
    ]
    fields = carried_fields(type_def)
    if not fields:
        return [[*to_dict, "    return {}"], [*from_dict, f"    return {name}()"]]
    to_dict.append("    return {")
    from_dict.append(f"    return {name}(")
    for field in fields:
        value = _to_value(field, f"message.{field.id}")
        to_dict.extend(_wrap_item(f'"{field.id}": ', value, 8))
        value = _from_value(field.type, f'fields["{field.id}"]', imports)
        from_dict.extend(_wrap_item(f"{field.id}=", value, 8))
    return [[*to_dict, "    }"], [*from_dict, "    )"]]


def _to_value(field: Field, value: str) -> str:
    match field.type:
        case Flag():
            return f"int({value})"
        case RecordRef(type_id=type_id):
            return f"_{type_id}_to_dict({value})"
        case Repeated(item=RecordRef(type_id=type_id)):
            return f"[_{type_id}_to_dict(item) for item in {value}]"
    return value


def _from_value(field_type: FieldType, value: str, imports: _Imports) -> str:
    match field_type:
        case EnumRef(enum=enum_id):
            return f"{camel(enum_id)}({value})"
        case Flag():
            return f"bool({value})"
        case RecordRef(type_id=type_id):
            return f"_{type_id}_from_dict({value})"
        case Repeated(item=RecordRef(type_id=type_id)):
            return f"tuple(_{type_id}_from_dict(item) for item in {value})"
        case Repeated():
            return f"tuple({value})"
    return value


def _wrap_item(key: str, value: str, indent: int) -> list[str]:
    """``key value,`` on one line or, when too long, split the way ruff does.

    Only the long shapes this module writes are known: ``name(...)``, split
    inside its parentheses, and ``[...]``, split inside its brackets.
    """
    pad = " " * indent
    line = f"{pad}{key}{value},"
    if len(line) <= LINE_LENGTH:
        return [line]
    for opening, closing in (("(", ")"), ("[", "]")):
        head, _, inner = value.partition(opening)
        if inner.endswith(closing) and opening not in head:
            inner_line = f"{pad}    {inner[:-1]}"
            if len(inner_line) <= LINE_LENGTH:
                return [f"{pad}{key}{head}{opening}", inner_line, f"{pad}{closing},"]
    raise ValueError(f"cannot wrap {line.strip()!r} within {LINE_LENGTH} columns")


def _render_table(spec: Spec) -> list[str]:
    lines = ["BODIES = ("]
    for message in spec.messages:
        type_id = message.type.id
        lines += [
            "    BodyCodec(",
            f"        {camel(spec.switch_enum)}.{message.msg_type.id.upper()},",
            f"        {camel(type_id)},",
            f"        {type_id.upper()},",
            f"        _{type_id}_to_dict,",
            f"        _{type_id}_from_dict,",
            "    ),",
        ]
    lines += [
        ")",
        '"""The codec of every message body, in message type order."""',
    ]
    return lines
