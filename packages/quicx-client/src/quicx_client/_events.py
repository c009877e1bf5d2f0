"""What the sans-IO role connections hand back when bytes arrive.

Each event is a frozen, slotted dataclass named for what happened. The shells
(sync and async) turn them into return values, exceptions and handler calls.
"""

from __future__ import annotations

from dataclasses import dataclass

import quicx_proto

from ._errors import QuicxError, ServerError

__all__ = [
    "Accepted",
    "Closed",
    "Event",
    "GroupAnnounced",
    "Idle",
    "Refused",
    "StatsReceived",
    "TaskAssigned",
    "TaskRefused",
]


@dataclass(frozen=True, slots=True)
class Accepted:
    """The oldest unanswered SUBMIT was accepted as ``task_id``."""

    task_id: int


@dataclass(frozen=True, slots=True)
class Refused:
    """The oldest unanswered request was refused; ``error`` says why."""

    error: ServerError


@dataclass(frozen=True, slots=True)
class StatsReceived:
    """The oldest unanswered STATS_REQUEST was answered."""

    stats: quicx_proto.StatsReply


@dataclass(frozen=True, slots=True)
class TaskAssigned:
    """The daemon leased a task to this worker."""

    task: quicx_proto.Task


@dataclass(frozen=True, slots=True)
class Idle:
    """The daemon has nothing for this worker right now (WAIT)."""


@dataclass(frozen=True, slots=True)
class GroupAnnounced:
    """The daemon named every daemon of its group (PEERS), as host:port."""

    addresses: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class TaskRefused:
    """A DONE, FAILED or TOUCH was refused; the task is no longer held."""

    error: ServerError


@dataclass(frozen=True, slots=True)
class Closed:
    """The connection is over; ``error`` says how, for the calls still waiting."""

    error: QuicxError


Event = (
    Accepted
    | Refused
    | StatsReceived
    | TaskAssigned
    | Idle
    | GroupAnnounced
    | TaskRefused
    | Closed
)
