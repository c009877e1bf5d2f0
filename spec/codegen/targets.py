"""What the generator writes for each spec: where, and the words that differ.

Both specs map to the same two modules, a messages module (enums, constants,
dataclasses) and a codecs module (construct structs and converters), and both
use quicx-proto's construct helpers and field checks. A target names the
rest: the spec, the package the modules go to, their docstrings, the
constants, and the union of body classes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ksy_model import Spec, fixed_size

__all__ = ["JOURNAL", "QUICX", "TARGETS", "Constant", "Target"]

SUPPORT_PACKAGE = "quicx_proto"
"""Holds ``_constructs`` and ``_validation``, which the generated code imports."""


@dataclass(frozen=True)
class Constant:
    """A module-level int the messages module defines, with its docstring."""

    name: str
    value: Callable[[Spec], int]
    doc: str


@dataclass(frozen=True)
class Target:
    """One spec and the two modules generated from it."""

    spec: Path
    """The .ksy, relative to the repository root."""
    directory: Path
    """Where the modules go, relative to the repository root."""
    package: str
    """The import name of that directory."""
    messages_summary: str
    codecs_summary: str
    constants: tuple[Constant, ...]
    union_name: str
    union_doc: str
    enum_docs: dict[str, str] = field(default_factory=dict)
    export_records: bool = False
    """List the record structs in the codecs module's ``__all__``."""
    messages_name: str = "_generated_messages"
    codecs_name: str = "_generated_codecs"
    structs_name: str | None = None
    """The struct readers and writers module, for a spec on the hot path."""

    @property
    def messages_path(self) -> Path:
        return self.directory / f"{self.messages_name}.py"

    @property
    def codecs_path(self) -> Path:
        return self.directory / f"{self.codecs_name}.py"

    @property
    def structs_path(self) -> Path | None:
        if self.structs_name is None:
            return None
        return self.directory / f"{self.structs_name}.py"

    @property
    def messages_module(self) -> str:
        return f"{self.package}.{self.messages_name}"


QUICX = Target(
    spec=Path("spec/quicx.ksy"),
    directory=Path("packages/quicx-proto/src/quicx_proto"),
    package="quicx_proto",
    messages_summary="Enums, constants and message classes of Quicx.",
    codecs_summary=(
        "Construct codecs for the Quicx frame header and every message body."
    ),
    constants=(
        Constant(
            "HEADER_SIZE",
            lambda spec: spec.header_size,
            "Bytes in the fixed header that starts every frame.",
        ),
        Constant(
            "PROTOCOL_VERSION",
            lambda spec: spec.protocol_version,
            "The version byte of every frame this package reads and writes.",
        ),
    ),
    union_name="Message",
    union_doc="Any Quicx message: what encode() takes and feed() returns.",
    enum_docs={
        "msg_type": "Which message a frame's body holds (the spec's msg_type enum).",
        "error_code": "What went wrong, as carried by ERROR and ProtocolError.",
    },
    structs_name="_generated_structs",
)

JOURNAL = Target(
    spec=Path("spec/journal.ksy"),
    directory=Path("packages/quicx-daemon/src/quicx_daemon/_journal"),
    package="quicx_daemon._journal",
    messages_summary="Enums, constants and record classes of the Quicx journal.",
    codecs_summary="Construct codecs for the journal's headers and every record body.",
    constants=(
        Constant(
            "HEADER_SIZE",
            lambda spec: spec.header_size,
            "Bytes in the fixed header that starts every record.",
        ),
        Constant(
            "SEGMENT_HEADER_SIZE",
            lambda spec: fixed_size(spec.record("segment_header")),
            "Bytes in the fixed header that starts every segment file.",
        ),
        Constant(
            "JOURNAL_VERSION",
            lambda spec: spec.version_of("segment_header"),
            "The version byte of every segment this package reads and writes.",
        ),
    ),
    union_name="RecordBody",
    union_doc="Any journal record body: what the codecs in BODIES build and parse.",
    enum_docs={
        "record_type": "Which record a record's body holds (the spec's record_type "
        "enum).",
    },
    export_records=True,
)

TARGETS = (QUICX, JOURNAL)
"""Every spec the generator maps, in the order it reports them."""
