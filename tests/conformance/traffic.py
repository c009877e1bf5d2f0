"""One model of a scenario's traffic, whether it comes from a capture or a run.

A :class:`Conversation` is one connection: the frames the client sent, the
frames the daemon sent, and who closed the connection first and how. A capture
(through :mod:`conformance.pcap`) and a live run (through
:mod:`conformance.driver`) both become a list of conversations in the order
the connections were opened, so the same checks and the same comparison apply
to both.

A capture's *transcript* is its conversations written one frame per line in
the order they were captured, each message as JSON (see
:func:`conformance.frames.describe`)::

    1 > SUBMIT {"priority": 0, "delay_ms": 0, ..., "queue": "jobs", "payload": "6869"}
    1 < OK {"task_id": 1}
    2 > REFUSED {"code": "malformed_frame", "path": "header.magic", "bytes": "5159..."}
    2 < CLOSED "fin"

``>`` is client to daemon, ``<`` daemon to client. The transcripts are
committed next to the captures: a reader without Wireshark can follow each
scenario, and the suite checks every capture against its transcript.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Sequence
from dataclasses import dataclass

from conformance.driver import Run
from conformance.frames import (
    CLIENT_FRAME_LIMIT,
    Frame,
    Refusal,
    Stream,
    describe,
    split_stream,
)
from conformance.pcap import TcpConnection

__all__ = [
    "Conversation",
    "daemon_frame_limit",
    "from_capture",
    "from_run",
    "transcript",
]

DEFAULT_MAX_PAYLOAD = 1 << 20
FRAME_HEADROOM = 1024


@dataclass(frozen=True)
class Conversation:
    """One connection of a scenario, numbered from 1 in the order it opened.

    ``closed_by`` is ``"client"``, ``"daemon"`` or None (open at the end),
    ``close_kind`` ``"fin"`` or ``"rst"``, both for whoever closed first.
    """

    number: int
    sent: Stream
    received: Stream
    closed_by: str | None
    close_kind: str | None


def daemon_frame_limit(daemon_args: Sequence[str]) -> int:
    """The daemon's frame limit under these options: max payload plus 1024."""
    payload = DEFAULT_MAX_PAYLOAD
    for flag, value in itertools.pairwise(daemon_args):
        if flag == "--max-payload":
            payload = int(value)
    return payload + FRAME_HEADROOM


def from_run(run: Run) -> list[Conversation]:
    """The conversations a driver run recorded."""
    limit = daemon_frame_limit(run.scenario.daemon_args)
    return [
        Conversation(
            number,
            split_stream(bytes(recording.sent), limit),
            split_stream(bytes(recording.received), CLIENT_FRAME_LIMIT),
            recording.closed_by,
            recording.close_kind,
        )
        for number, recording in enumerate(run.recordings, start=1)
    ]


def from_capture(
    connections: Sequence[TcpConnection], daemon_args: Sequence[str]
) -> list[Conversation]:
    """The conversations of a capture's TCP connections."""
    limit = daemon_frame_limit(daemon_args)
    conversations = []
    for number, conn in enumerate(connections, start=1):
        closed_by, kind = _first_close(conn)
        conversations.append(
            Conversation(
                number,
                split_stream(conn.to_server, limit),
                split_stream(conn.to_client, CLIENT_FRAME_LIMIT),
                closed_by,
                kind,
            )
        )
    return conversations


def transcript(
    conversations: Sequence[Conversation], connections: Sequence[TcpConnection]
) -> list[str]:
    """The capture as transcript lines, in the order its bytes were captured."""
    timed: list[tuple[float, int, int, int, str]] = []
    for conv, conn in zip(conversations, connections, strict=True):
        for to_server, stream in ((True, conv.sent), (False, conv.received)):
            arrow = ">" if to_server else "<"
            items: list[Frame | Refusal] = [*stream.frames]
            if stream.refusal is not None:
                items.append(stream.refusal)
            for item in items:
                stamp = conn.time_of(to_server, item.offset)
                line = f"{conv.number} {arrow} {_render(item)}"
                timed.append((stamp, conv.number, int(not to_server), item.index, line))
        for closer, closed_at in (
            ("client", conn.client_closed_at),
            ("daemon", conn.server_closed_at),
        ):
            if closed_at is not None:
                kind = (
                    conn.closed_by_client
                    if closer == "client"
                    else conn.closed_by_server
                )
                arrow = ">" if closer == "client" else "<"
                line = f"{conv.number} {arrow} CLOSED {json.dumps(kind)}"
                timed.append((closed_at, conv.number, 2, 0, line))
    return [entry[-1] for entry in sorted(timed)]


def _render(item: Frame | Refusal) -> str:
    if isinstance(item, Frame):
        fields = json.dumps(describe(item.message), ensure_ascii=False)
        return f"{item.name} {fields}"
    refused = {
        "code": item.code.name.lower(),
        "path": item.path,
        "bytes": item.data.hex(),
    }
    return f"REFUSED {json.dumps(refused)}"


def _first_close(conn: TcpConnection) -> tuple[str | None, str | None]:
    client, daemon = conn.client_closed_at, conn.server_closed_at
    if client is not None and (daemon is None or client <= daemon):
        return "client", conn.closed_by_client
    if daemon is not None:
        return "daemon", conn.closed_by_server
    return None, None
