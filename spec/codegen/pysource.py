"""Small helpers to write Python source already in ruff's format.

The generator must not depend on ruff at run time (the nox session that runs
it installs only pyyaml), so it writes code the way ``ruff format`` and ruff's
isort would leave it: 88 columns, docstrings wrapped by hand, imports sorted,
and multi-line literals with a trailing comma so that they stay multi-line.
"""

from __future__ import annotations

import re
import textwrap

from ksy_model import Field, Magic, TypeDef

__all__ = [
    "LINE_LENGTH",
    "bytes_literal",
    "camel",
    "carried_fields",
    "docstring",
    "from_import",
    "generated_header",
    "generated_notice",
    "sort_names",
    "string_list",
]

LINE_LENGTH = 88


def generated_notice(spec: str) -> str:
    """The first line of a file generated from ``spec``, without the ``#``."""
    return f"Generated from {spec} by spec/codegen/generate.py; do not edit."


def generated_header(summary: str, spec: str) -> list[str]:
    """The module docstring every file generated from ``spec`` starts with."""
    return [
        f"# {generated_notice(spec)}",
        f'"""{summary}',
        "",
        f"To change this file, change {spec}, then run",
        "``python spec/codegen/generate.py`` from the repository root.",
        '"""',
    ]


def carried_fields(type_def: TypeDef) -> tuple[Field, ...]:
    """The fields a class holds: all but constants, which the codec supplies."""
    return tuple(f for f in type_def.fields if not isinstance(f.type, Magic))


def camel(identifier: str) -> str:
    """``stats_reply`` -> ``StatsReply``."""
    return "".join(part.capitalize() for part in identifier.split("_"))


def docstring(text: str, indent: int) -> list[str]:
    """Lines of a docstring for ``text``, re-wrapped to fit at ``indent``."""
    pad = " " * indent
    paragraphs = [" ".join(p.split()) for p in re.split(r"\n\s*\n", text.strip())]
    if len(paragraphs) == 1 and indent + len(paragraphs[0]) + 6 <= LINE_LENGTH:
        return [f'{pad}"""{paragraphs[0]}"""']
    lines: list[str] = []
    for paragraph in paragraphs:
        if lines:
            lines.append("")
        width = LINE_LENGTH - indent - (3 if not lines else 0)
        first, *rest = textwrap.wrap(paragraph, width=width)
        lines.append(first)
        lines.extend(textwrap.wrap(" ".join(rest), width=LINE_LENGTH - indent))
    out = [f'{pad}"""{lines[0]}']
    out.extend(f"{pad}{line}" if line else "" for line in lines[1:])
    out.append(f'{pad}"""')
    return out


def bytes_literal(data: bytes) -> str:
    """``b"QX"`` with double quotes, as ruff writes it (printable ASCII only)."""
    text = data.decode("ascii")
    if not text.isprintable() or '"' in text or "\\" in text:
        raise ValueError(f"cannot write {data!r} as a plain literal")
    return f'b"{text}"'


def sort_names(names: set[str] | list[str]) -> list[str]:
    """Names in the order ruff's isort and RUF022 expect."""
    return sorted(names, key=_import_key)


def _import_key(name: str) -> tuple[int, list[int | str]]:
    """Sort like ruff's isort: constants, then classes, then the rest, naturally."""
    if name.isupper() and len(name) > 1:
        group = 0
    elif name[0].isupper():
        group = 1
    else:
        group = 2
    parts = re.split(r"(\d+)", name.lower())
    return group, [int(p) if p.isdigit() else p for p in parts]


def from_import(module: str, names: set[str]) -> list[str]:
    """A sorted ``from module import ...``, wrapped when it does not fit."""
    ordered = sort_names(names)
    line = f"from {module} import {', '.join(ordered)}"
    if len(line) <= LINE_LENGTH:
        return [line]
    return [f"from {module} import (", *(f"    {n}," for n in ordered), ")"]


def string_list(name: str, items: list[str]) -> list[str]:
    """``name = ["a", "b"]``, one item per line when it does not fit."""
    quoted = [f'"{item}"' for item in items]
    line = f"{name} = [{', '.join(quoted)}]"
    if len(line) <= LINE_LENGTH:
        return [line]
    return [f"{name} = [", *(f"    {q}," for q in quoted), "]"]
