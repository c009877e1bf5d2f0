"""The vocabulary of a scenario: what a client sends, and what it expects back.

A scenario is data: a daemon's options and a list of steps over named
connections. The same steps drive the capture (``nox -s capture``) and the
replay against a fresh daemon (``nox -s conformance``), so a replay sends
exactly what was captured.

Values the daemon chooses, such as task ids and heartbeat tokens, are named
with :class:`Var`: the first expected frame that holds a ``Var`` binds it, and
later frames, sent or expected, use the bound value. :func:`like` writes a
message with some fields left out (those spec/PROTOCOL.md leaves free, such as
ERROR.message); in a step that sends, every field must be given.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from quicx_proto import Heartbeat, Message, Pong, Submit

__all__ = [
    "Close",
    "Expect",
    "ExpectClosed",
    "ExpectExit",
    "Like",
    "Scenario",
    "Send",
    "Step",
    "Terminate",
    "Var",
    "abort",
    "close",
    "expect",
    "expect_closed",
    "like",
    "scenario",
    "send",
    "sync",
]

Bindings = dict[str, Any]


@dataclass(frozen=True)
class Var:
    """A value the daemon chooses, bound by the first expected frame holding it."""

    name: str


@dataclass(frozen=True)
class Like:
    """A message of type ``cls`` whose listed fields hold the given values.

    Values may be plain values, :class:`Var`, nested :class:`Like` or tuples
    of those.
    """

    cls: type
    fields: Mapping[str, object]

    def build(self, bindings: Bindings) -> Message:
        """The message with every :class:`Var` replaced by its bound value.

        :raises KeyError: a Var is not bound yet
        """
        message: Message = self.cls(
            **{name: _resolve(value, bindings) for name, value in self.fields.items()}
        )
        return message

    def match(self, message: object, bindings: Bindings, path: str = "") -> list[str]:
        """What differs between ``message`` and this pattern; binds new Vars.

        :returns: one line per differing field, empty when the message matches
        """
        where = path or self.cls.__name__
        if type(message) is not self.cls:
            return [f"{where}: expected {self.cls.__name__}, got {message!r}"]
        problems: list[str] = []
        for name, want in self.fields.items():
            problems += _match_value(
                want, getattr(message, name), bindings, f"{where}.{name}"
            )
        return problems


@dataclass(frozen=True)
class Send:
    """Send these frames on ``conn`` in one write; bytes are sent as they are."""

    conn: str
    frames: tuple[Like | Message | bytes, ...]


@dataclass(frozen=True)
class Expect:
    """Read exactly ``len(frames)`` frames from ``conn`` within ``within`` seconds."""

    conn: str
    frames: tuple[Like, ...]
    within: float = 5.0


@dataclass(frozen=True)
class ExpectClosed:
    """The daemon closes ``conn`` within ``within`` seconds, sending nothing more."""

    conn: str
    within: float = 5.0


@dataclass(frozen=True)
class Close:
    """The client closes ``conn``: with FIN, or with RST when ``abort``, as a
    killed process's connection would be."""

    conn: str
    abort: bool = False


@dataclass(frozen=True)
class Terminate:
    """SIGTERM the daemon, then wait until it refuses SUBMITs as draining.

    The wait sends ``probe``, a SUBMIT the daemon must refuse before the drain
    (out_of_memory, say), on a connection of its own that no capture records,
    until the answer is shutting_down. The probe cannot rest on invalid_field
    or payload_too_large: spec section 6 checks the drain before those, but a
    daemon that checks it after them would never show the drain to the probe.
    """

    probe: Submit


@dataclass(frozen=True)
class ExpectExit:
    """The daemon exits with ``status`` within ``within`` seconds."""

    status: int = 0
    within: float = 15.0


Step = Send | Expect | ExpectClosed | Close | Terminate | ExpectExit


@dataclass(frozen=True)
class Scenario:
    """A named script: what it exercises, the daemon's options and the steps."""

    name: str
    exercises: str
    steps: tuple[Step, ...]
    daemon_args: tuple[str, ...] = field(default=())
    file_size_limit: int | None = None


def scenario(
    name: str,
    exercises: str,
    *steps: Step | tuple[Step, ...],
    daemon: tuple[str, ...] = (),
    file_size_limit: int | None = None,
) -> Scenario:
    """A :class:`Scenario`; a tuple of steps, as :func:`sync` gives, is spliced in.

    :param daemon: the daemon's options
    :param file_size_limit: see :func:`conformance.daemons.fresh_daemon`
    """
    flat: list[Step] = []
    for step in steps:
        flat += step if isinstance(step, tuple) else [step]
    return Scenario(name, exercises, tuple(flat), daemon, file_size_limit)


def like(cls: type, **fields: object) -> Like:
    """A message pattern, or a message to send once its Vars are bound."""
    return Like(cls, fields)


def send(conn: str, *frames: Like | Message | bytes) -> Send:
    return Send(conn, frames)


def expect(conn: str, *frames: Like, within: float = 5.0) -> Expect:
    return Expect(conn, frames, within)


def expect_closed(conn: str, within: float = 5.0) -> ExpectClosed:
    return ExpectClosed(conn, within)


def close(conn: str) -> Close:
    return Close(conn)


def abort(conn: str) -> Close:
    return Close(conn, abort=True)


def sync(conn: str, token: int) -> tuple[Send, Expect]:
    """A HEARTBEAT and its PONG: everything the daemon sent before on ``conn``
    has arrived, so a reply that should not exist shows up here."""
    return send(conn, Heartbeat(token=token)), expect(conn, like(Pong, token=token))


def _resolve(value: object, bindings: Bindings) -> object:
    if isinstance(value, Var):
        return bindings[value.name]
    if isinstance(value, Like):
        return value.build(bindings)
    if isinstance(value, tuple):
        return tuple(_resolve(item, bindings) for item in value)
    return value


def _match_value(
    want: object, got: object, bindings: Bindings, where: str
) -> list[str]:
    if isinstance(want, Var):
        bound = bindings.setdefault(want.name, got)
        return (
            []
            if bound == got
            else [f"{where}: expected {bound!r} ({want.name}), got {got!r}"]
        )
    if isinstance(want, Like):
        return want.match(got, bindings, where)
    if isinstance(want, tuple):
        if not isinstance(got, tuple) or len(got) != len(want):
            return [f"{where}: expected {len(want)} items, got {got!r}"]
        problems: list[str] = []
        for i, (w, g) in enumerate(zip(want, got, strict=True)):
            problems += _match_value(w, g, bindings, f"{where}[{i}]")
        return problems
    return [] if want == got else [f"{where}: expected {want!r}, got {got!r}"]
