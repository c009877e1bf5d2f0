"""Sans-IO connection for the worker role: leases, credit and touches.

A worker announces its credit and queues with READY, is pushed TASKs up to
that credit, and answers each with DONE or FAILED. The connection keeps one
lease per task held, so it can refuse to answer a task it does not hold and
tell the shell which leases need a TOUCH before their time-to-run runs out.
A daemon started with a group names its members in PEERS, which is handed on
as :class:`GroupAnnounced` for the shell to act on. Time comes from an
injected clock, so tests drive it by hand.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from quicx_proto import Done, Failed, Message, Peers, Ready, Task, Touch, Wait, encode

from ._errors import ServerError
from ._events import Event, GroupAnnounced, Idle, TaskAssigned, TaskRefused
from ._protocol import CLIENT_MAX_FRAME, Connection

__all__ = ["MAX_REASON_BYTES", "Lease", "WorkerConnection", "fit_reason"]

MAX_REASON_BYTES = (1 << 16) - 1
"""FAILED's reason is a str2: at most this many bytes of UTF-8."""

_U32 = (1 << 32) - 1
_MIN_TOUCH_INTERVAL = 0.05


@dataclass(slots=True)
class Lease:
    """A task held by this worker: its time-to-run and when it last started."""

    ttr: float
    renewed_at: float

    def touch_at(self, share: float) -> float:
        """When a TOUCH is due: after ``share`` of the time-to-run."""
        return self.renewed_at + max(self.ttr * share, _MIN_TOUCH_INTERVAL)


class WorkerConnection(Connection):
    """A worker's connection to one daemon.

    :param queues: names of the queues served, 1 to 255 of them.
    :param credit: how many tasks the daemon may push before an answer.
    :param clock: seconds, monotonic; leases are measured with it.
    :raises ValueError: when queues or credit cannot be sent in READY.
    """

    role = "worker"

    def __init__(
        self,
        address: str,
        *,
        queues: Sequence[str],
        credit: int,
        clock: Callable[[], float] = time.monotonic,
        max_frame_size: int = CLIENT_MAX_FRAME,
    ) -> None:
        super().__init__(address, max_frame_size=max_frame_size)
        self.queues = check_queues(queues)
        self.credit = check_credit(credit)
        self._clock = clock
        self._leases: dict[int, Lease] = {}
        self._handlers[Task] = self._on_task
        self._handlers[Wait] = self._on_wait
        self._handlers[Peers] = self._on_peers

    @property
    def held(self) -> int:
        """How many tasks this worker holds a lease on."""
        return len(self._leases)

    def holds(self, task_id: int) -> bool:
        """Whether this connection still holds a lease on ``task_id``."""
        return task_id in self._leases

    def ready(self, credit: int | None = None) -> None:
        """Queue READY with the queues and ``credit`` (default: unchanged).

        Credit 0 pauses the worker: tasks already held stay held.
        """
        self._check_open()
        if credit is not None:
            self.credit = check_credit(credit)
        self._outbox += encode(Ready(credit=self.credit, queues=self.queues))

    def done(self, task_id: int, result: bytes = b"") -> bool:
        """Queue DONE for a held task.

        :returns: False, sending nothing, when the task is not held (its lease
            was lost or refused meanwhile).
        """
        self._check_open()
        if self._leases.pop(task_id, None) is None:
            return False
        self._outbox += encode(Done(task_id=task_id, result=result))
        return True

    def failed(self, task_id: int, reason: str, *, retry: bool = True) -> bool:
        """Queue FAILED for a held task; ``retry=False`` dead-letters it at once.

        :returns: False, sending nothing, when the task is not held.
        """
        self._check_open()
        if self._leases.pop(task_id, None) is None:
            return False
        frame = Failed(task_id=task_id, retry=retry, reason=fit_reason(reason))
        self._outbox += encode(frame)
        return True

    def touch(self, task_id: int) -> bool:
        """Queue TOUCH for a held task, restarting its lease.

        :returns: False, sending nothing, when the task is not held.
        """
        self._check_open()
        lease = self._leases.get(task_id)
        if lease is None:
            return False
        lease.renewed_at = self._clock()
        self._outbox += encode(Touch(task_id=task_id))
        return True

    def touch_due(self, share: float = 0.5) -> float | None:
        """TOUCH every lease past ``share`` of its time-to-run.

        :returns: when the next TOUCH will be due, or None when nothing is held.
        """
        now = self._clock()
        for task_id, lease in self._leases.items():
            if lease.touch_at(share) <= now:
                lease.renewed_at = now
                self._outbox += encode(Touch(task_id=task_id))
        return min(
            (lease.touch_at(share) for lease in self._leases.values()), default=None
        )

    def _on_task(self, message: Message) -> Event:
        assert isinstance(message, Task)
        self._leases[message.task_id] = Lease(message.ttr_ms / 1000, self._clock())
        return TaskAssigned(message)

    def _on_wait(self, message: Message) -> Event:
        return Idle()

    def _on_peers(self, message: Message) -> Event:
        assert isinstance(message, Peers)
        return GroupAnnounced(message.addresses)

    def _on_refusal(self, error: ServerError) -> Event:
        self._leases.pop(error.task_id, None)
        return TaskRefused(error)


def check_queues(queues: Sequence[str]) -> tuple[str, ...]:
    """Validate a READY queue list: 1..255 names of 1..255 bytes of UTF-8.

    :raises ValueError: naming the offending queue.
    """
    names = (queues,) if isinstance(queues, str) else tuple(queues)
    if not 1 <= len(names) <= 255:
        raise ValueError(f"a worker serves 1..255 queues, not {len(names)}")
    for name in names:
        if not 1 <= len(name.encode()) <= 255:
            raise ValueError(f"queue name must be 1..255 bytes of UTF-8: {name!r}")
    return names


def check_credit(credit: int) -> int:
    """Validate a READY credit: 0..2**32-1.

    :raises ValueError: when it is out of range.
    """
    if not 0 <= credit <= _U32:
        raise ValueError(f"credit must be 0..{_U32}, not {credit}")
    return credit


def fit_reason(reason: str) -> str:
    """Make a failure reason fit FAILED: valid UTF-8, cut to its first 65535 bytes."""
    data = reason.encode(errors="replace")
    return data[:MAX_REASON_BYTES].decode(errors="ignore")
