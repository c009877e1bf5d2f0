"""Write ``_generated_messages.py``: the enums, constants and message classes."""

from __future__ import annotations

from ksy_model import (
    Blob,
    EnumDef,
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
    camel,
    carried_fields,
    docstring,
    from_import,
    generated_header,
    sort_names,
    string_list,
)
from targets import SUPPORT_PACKAGE, Target

__all__ = ["render_messages"]


def render_messages(spec: Spec, target: Target) -> str:
    """Return the source of the messages module."""
    classes = [*spec.records, *(m.type for m in spec.messages)]
    enums = list(spec.enums.values())
    checks: set[str] = set()
    bodies = [_render_class(t, spec, checks) for t in classes]
    exports = [
        *(constant.name for constant in target.constants),
        *(camel(e.id) for e in enums),
        target.union_name,
        *(camel(t.id) for t in classes),
    ]
    lines = [
        *generated_header(target.messages_summary, target.spec.as_posix()),
        "",
        "from __future__ import annotations",
        "",
        "import enum",
        "from dataclasses import dataclass",
        "from typing import TypeAlias",
        "",
        *from_import(f"{SUPPORT_PACKAGE}._validation", checks),
        "",
        *string_list("__all__", sort_names(exports)),
    ]
    for constant in target.constants:
        lines += [
            "",
            f"{constant.name} = {constant.value(spec)}",
            f'"""{constant.doc}"""',
        ]
    for enum_def in enums:
        lines += ["", "", *_render_enum(enum_def, target)]
    for body in bodies:
        lines += ["", "", *body]
    names = [camel(m.type.id) for m in spec.messages]
    lines += ["", "", *_render_union(names, target)]
    return "\n".join(lines) + "\n"


def _render_enum(enum_def: EnumDef, target: Target) -> list[str]:
    doc = target.enum_docs.get(enum_def.id, f"The spec's {enum_def.id} enum.")
    lines = [f"class {camel(enum_def.id)}(enum.IntEnum):", *docstring(doc, 4), ""]
    for member in enum_def.members:
        lines.append(f"    {member.id.upper()} = {member.value}")
        lines.extend(docstring(member.doc, 4))
    return lines


def _render_union(names: list[str], target: Target) -> list[str]:
    lines = [f"{target.union_name}: TypeAlias = (", f"    {names[0]}"]
    lines += [f"    | {name}" for name in names[1:]]
    lines += [")", f'"""{target.union_doc}"""']
    return lines


def _render_class(type_def: TypeDef, spec: Spec, checks: set[str]) -> list[str]:
    name = camel(type_def.id)
    lines = [
        "@dataclass(frozen=True, slots=True, kw_only=True)",
        f"class {name}:",
        *docstring(type_def.doc, 4),
    ]
    fields = carried_fields(type_def)
    if not fields:
        return lines
    lines.append("")
    for field in fields:
        lines.append(f"    {field.id}: {_annotation(field.type, spec)}")
        lines.extend(docstring(field.doc, 4))
    lines += ["", "    def __post_init__(self) -> None:"]
    for field in fields:
        lines.extend(_render_check(name, field, spec, checks))
    return lines


def _annotation(field_type: FieldType, spec: Spec) -> str:
    match field_type:
        case UInt():
            return "int"
        case EnumRef(enum=enum_id):
            return camel(enum_id)
        case Flag():
            return "bool"
        case Text():
            return "str"
        case Blob():
            return "bytes"
        case RecordRef(type_id=type_id):
            return camel(type_id)
        case Repeated(item=item):
            return f"tuple[{_annotation(item, spec)}, ...]"
        case Magic():
            raise ValueError("constants are not message fields")


def _render_check(
    class_name: str, field: Field, spec: Spec, checks: set[str]
) -> list[str]:
    label = f'"{class_name}.{field.id}"'
    value = f"self.{field.id}"
    if isinstance(field.type, Repeated):
        checks.add("check_items")
        max_items = (1 << field.type.count_bits) - 1
        item_label = f'"{class_name}.{field.id} item"'
        return [
            f"        for item in check_items({label}, {value}, {max_items}):",
            "    " + _check_call(item_label, "item", field.type.item, checks),
        ]
    return [_check_call(label, value, field.type, checks)]


def _check_call(label: str, value: str, field_type: FieldType, checks: set[str]) -> str:
    match field_type:
        case UInt(bits=bits):
            # A narrower range is left to the codec's Valid, as for the header.
            call = f"check_uint({label}, {value}, {bits})"
        case EnumRef(enum=enum_id):
            call = f"check_enum({label}, {value}, {camel(enum_id)})"
        case Flag():
            call = f"check_bool({label}, {value})"
        case Text(prefix_bits=bits):
            call = f"check_text({label}, {value}, {(1 << bits) - 1})"
        case Blob(prefix_bits=bits):
            call = f"check_blob({label}, {value}, {(1 << bits) - 1})"
        case RecordRef(type_id=type_id):
            call = f"check_record({label}, {value}, {camel(type_id)})"
        case _:
            raise ValueError(f"{label}: no check for {field_type}")
    checks.add(call.split("(", 1)[0])
    return f"        {call}"
