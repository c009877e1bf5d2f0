"""The committed captures, and the checks that need no daemon.

:func:`load` reads a capture with its sidecar and transcript. Then:

- :func:`integrity_problem` says whether the capture still holds what its
  transcript and sidecar recorded, naming the frame and field that changed;
- :func:`decoder_problems` holds every frame to both decoders and to
  re-encoding;
- :func:`script_problems` walks the scenario's steps over the capture: what
  the client sent must be the script's frames, and what the daemon sent must
  match the script's expectations (the spec's promises).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml  # type: ignore[import-untyped]
from quicx_proto import Message, encode

from conformance.frames import (
    Frame,
    Refusal,
    check_frame_decoders,
    check_refusal_decoders,
    describe,
    differences,
)
from conformance.pcap import TcpConnection, read_connections
from conformance.script import (
    Bindings,
    Close,
    Expect,
    ExpectClosed,
    Like,
    Scenario,
    Send,
)
from conformance.traffic import Conversation, from_capture, transcript

__all__ = [
    "CAPTURES",
    "Capture",
    "capture_names",
    "decoder_problems",
    "integrity_problem",
    "load",
    "script_problems",
]

CAPTURES = Path(__file__).resolve().parent / "captures"
DIRECTIONS = {">": "client to daemon", "<": "daemon to client"}


@dataclass(frozen=True)
class Capture:
    """A committed capture, read and split into conversations."""

    name: str
    sidecar: dict[str, Any]
    data: bytes
    recorded: tuple[str, ...]
    connections: tuple[TcpConnection, ...]
    conversations: tuple[Conversation, ...]

    @property
    def file(self) -> str:
        return f"{self.name}.pcapng"


def capture_names(directory: Path = CAPTURES) -> list[str]:
    """The names of the committed captures, from their sidecars."""
    return sorted(path.stem for path in directory.glob("*.yaml"))


def load(name: str, data: bytes | None = None, directory: Path = CAPTURES) -> Capture:
    """Read capture ``name``; ``data`` replaces the file's bytes, for tests.

    :raises conformance.pcap.CaptureError: the capture cannot be read
    """
    sidecar = yaml.safe_load((directory / f"{name}.yaml").read_text("utf-8"))
    if data is None:
        data = (directory / f"{name}.pcapng").read_bytes()
    recorded = (directory / f"{name}.transcript").read_text("utf-8").splitlines()
    connections = read_connections(data, name=f"{name}.pcapng")
    conversations = from_capture(connections, sidecar["daemon_options"])
    return Capture(
        name, sidecar, data, tuple(recorded), tuple(connections), tuple(conversations)
    )


def integrity_problem(capture: Capture) -> str:
    """How the capture differs from its transcript and sidecar; empty if it does not.

    Frames are compared first, one connection and direction at a time, so a
    changed byte inside a frame is reported as the frame and field it changed.
    """
    found = transcript(capture.conversations, capture.connections)
    recorded_groups, found_groups = _groups(capture.recorded), _groups(found)
    for key in dict.fromkeys([*recorded_groups, *found_groups]):
        conn, arrow = key
        where = f"{capture.file}, connection {conn}, {DIRECTIONS.get(arrow, arrow)}"
        recorded, now = recorded_groups.get(key, []), found_groups.get(key, [])
        for index, (old, new) in enumerate(zip(recorded, now, strict=False)):
            if old != new:
                return f"{where}, frame {index + 1}: {_line_difference(old, new)}"
        if len(recorded) != len(now):
            return f"{where}: {len(recorded)} frames recorded, {len(now)} found"
    if list(capture.recorded) != found:
        return (
            f"{capture.file}: the same frames, captured in another order "
            "(a timestamp changed)"
        )
    digest = hashlib.sha256(capture.data).hexdigest()
    if digest != capture.sidecar["sha256"]:
        return (
            f"{capture.file}: bytes outside the Quicx frames changed: its SHA-256 "
            f"is {digest}, the sidecar says {capture.sidecar['sha256']}"
        )
    return ""


def decoder_problems(capture: Capture) -> Iterator[str]:
    """Every frame both decoders do not read alike, or that does not re-encode."""
    for conv in capture.conversations:
        for arrow, stream in ((">", conv.sent), ("<", conv.received)):
            where = f"{capture.file}, connection {conv.number}, {DIRECTIONS[arrow]}"
            for frame in stream.frames:
                try:
                    check_frame_decoders(frame)
                except AssertionError as exc:
                    yield f"{where}, frame {frame.index + 1} ({frame.name}): {exc}"
            if stream.refusal is not None:
                try:
                    check_refusal_decoders(stream.refusal)
                except AssertionError as exc:
                    yield f"{where}, refused frame {stream.refusal.index + 1}: {exc}"


def script_problems(
    scenario: Scenario, conversations: Sequence[Conversation]
) -> list[str]:
    """Where the capture departs from the scenario's script; empty if nowhere."""
    walker = _ScriptWalker(conversations)
    for number, step in enumerate(scenario.steps, start=1):
        walker.problems += [f"step {number}: {p}" for p in walker.step(step)]
    walker.problems += walker.leftovers()
    return walker.problems


class _ScriptWalker:
    """Consumes a capture's frames in script order, binding Vars as the driver did."""

    def __init__(self, conversations: Sequence[Conversation]) -> None:
        self.conversations = conversations
        self.numbers: dict[str, int] = {}
        self.sent_at: dict[int, int] = {}
        self.received_at: dict[int, int] = {}
        self.bindings: Bindings = {}
        self.problems: list[str] = []

    def step(self, step: object) -> list[str]:
        if isinstance(step, Send):
            return self._sent(step)
        if isinstance(step, Expect):
            return self._received(step)
        if isinstance(step, ExpectClosed):
            conv = self._conversation(step.conn)
            return (
                []
                if conv.closed_by == "daemon"
                else [f"{step.conn} not closed by the daemon"]
            )
        if isinstance(step, Close):
            self._conversation(step.conn)
        return []

    def leftovers(self) -> list[str]:
        problems = []
        for conv in self.conversations:
            extra = len(conv.received.frames) - self.received_at.get(conv.number, 0)
            if extra > 0:
                problems.append(
                    f"connection {conv.number}: {extra} frames beyond the script"
                )
        if len(self.conversations) != len(self.numbers):
            problems.append(
                f"{len(self.conversations)} connections captured, "
                f"the script opens {len(self.numbers)}"
            )
        return problems

    def _conversation(self, name: str) -> Conversation:
        number = self.numbers.setdefault(name, len(self.numbers) + 1)
        if number > len(self.conversations):
            raise LookupError(f"connection {name} ({number}) is not in the capture")
        return self.conversations[number - 1]

    def _sent(self, step: Send) -> list[str]:
        conv = self._conversation(step.conn)
        problems = []
        for frame in step.frames:
            want = _script_frame(frame, self.bindings)
            at = self.sent_at.get(conv.number, 0)
            self.sent_at[conv.number] = at + 1
            problem = _sent_difference(want, _sent_item(conv, at))
            if problem:
                problems.append(f"{step.conn}, frame {at + 1} sent: {problem}")
        return problems

    def _received(self, step: Expect) -> list[str]:
        conv = self._conversation(step.conn)
        problems = []
        for pattern in step.frames:
            at = self.received_at.get(conv.number, 0)
            self.received_at[conv.number] = at + 1
            if at >= len(conv.received.frames):
                problems.append(
                    f"{step.conn}: no frame {at + 1}, expected {pattern.cls.__name__}"
                )
                continue
            message = conv.received.frames[at].message
            problems += [
                f"{step.conn}: {p}" for p in pattern.match(message, self.bindings)
            ]
        return problems


def _script_frame(frame: Like | Message | bytes, bindings: Bindings) -> Message | bytes:
    """What the script sends: a message, or bytes written by hand."""
    return frame.build(bindings) if isinstance(frame, Like) else frame


def _sent_difference(want: Message | bytes, got: Frame | Refusal | None) -> str:
    """How a captured client frame differs from the script's; empty if not."""
    want_bytes = want if isinstance(want, bytes) else encode(want)
    if got is None:
        return "nothing captured where the script sends a frame"
    if got.data == want_bytes:
        return ""
    if isinstance(got, Frame) and not isinstance(want, bytes):
        body = got.name.lower()
        names = ("the script has", "the capture")
        found = differences(describe(want), describe(got.message), body, names)
        return f"{got.name}: " + "; ".join(found)
    return f"the capture has {got.data.hex()}, the script {want_bytes.hex()}"


def _sent_item(conv: Conversation, index: int) -> Frame | Refusal | None:
    """The ``index``-th thing the client sent: a frame, or the refused rest."""
    frames = conv.sent.frames
    if index < len(frames):
        return frames[index]
    if index == len(frames):
        return conv.sent.refusal
    return None


def _groups(lines: Sequence[str]) -> dict[tuple[str, str], list[str]]:
    """Transcript lines by connection and direction, CLOSED lines included."""
    groups: dict[tuple[str, str], list[str]] = {}
    for line in lines:
        conn, arrow, _ = line.split(" ", 2)
        groups.setdefault((conn, arrow), []).append(line)
    return groups


def _line_difference(recorded: str, found: str) -> str:
    """Which field differs between two transcript lines of one frame."""
    old_kind, old_fields = _parse_line(recorded)
    new_kind, new_fields = _parse_line(found)
    if new_kind == "REFUSED" != old_kind:
        assert isinstance(new_fields, dict)
        code, path = new_fields.get("code"), new_fields.get("path")
        if path is None:  # the stream ends inside the frame
            return f"{old_kind}: field header.len_body points past the stream's end"
        return f"{old_kind} no longer decodes: {code} at field {path}"
    if old_kind != new_kind and "CLOSED" in (old_kind, new_kind):
        return f"recorded {recorded[:120]}, found {found[:120]}"
    if old_kind != new_kind:
        return f"field header.msg_type: recorded {old_kind}, found {new_kind}"
    body = old_kind.lower()
    fields = [f"{body}.{d}" for d in differences(old_fields, new_fields)]
    return f"{old_kind}: field " + "; ".join(fields[:3])


def _parse_line(line: str) -> tuple[str, object]:
    _, _, kind, fields = line.split(" ", 3)
    return kind, json.loads(fields)
