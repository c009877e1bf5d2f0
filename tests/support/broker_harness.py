"""Drive a quicx-daemon Broker by hand: a fake clock and a record of frames.

Used by the broker's unit and stateful tests. Every call goes straight to the
broker, then the frames it queued are copied out (payload views are only valid
until the next broker call) and filed by connection.
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from quicx_daemon import Broker, BrokerConfig, SendTask, TaskEvent, make_arena

__all__ = ["WAIT", "BrokerHarness", "Delivery", "FakeClock"]

WAIT = "WAIT"


class FakeClock:
    """A clock that moves only when told to."""

    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@dataclass(frozen=True)
class Delivery:
    """A TASK the broker sent, with its payload copied out."""

    task_id: int
    attempt: int
    ttr_ms: int
    queue: str
    payload: bytes


class BrokerHarness:
    """A broker over a real arena, a fake clock and a seeded RNG."""

    def __init__(self, *, arena_bytes: int = 4 << 20, **settings: Any) -> None:
        settings.setdefault("max_payload", 64 << 10)
        config = BrokerConfig(**settings)
        self.clock = FakeClock()
        self.arena = make_arena(arena_bytes, config.max_payload)
        self.events: list[TaskEvent] = []
        self.broker = Broker(
            config,
            self.arena,
            clock=self.clock,
            rng=random.Random(7),
            on_event=self.events.append,
        )
        self.sent: defaultdict[int, list[Delivery | str]] = defaultdict(list)

    def collect(self) -> None:
        """File the frames the broker queued under their connections."""
        for out in self.broker.take_outgoing():
            if isinstance(out, SendTask):
                item: Delivery | str = Delivery(
                    out.task_id, out.attempt, out.ttr_ms, out.queue, bytes(out.payload)
                )
            else:
                item = WAIT
            self.sent[out.conn].append(item)

    def received(self, conn: int) -> list[Delivery | str]:
        """What ``conn`` was sent since the last look, oldest first."""
        items = self.sent.pop(conn, [])
        return items

    def task_ids(self, conn: int) -> list[int]:
        """The ids of the TASKs ``conn`` was sent since the last look."""
        return [d.task_id for d in self.received(conn) if isinstance(d, Delivery)]

    def submit(self, queue: str = "q", payload: bytes = b"x", **fields: int) -> int:
        task_id = self.broker.submit(queue=queue, payload=payload, **fields)
        self.collect()
        return task_id

    def ready(self, conn: int, credit: int, *queues: str) -> None:
        try:
            self.broker.ready(conn, credit, queues or ("q",))
        finally:
            self.collect()

    def done(self, conn: int, task_id: int) -> None:
        try:
            self.broker.done(conn, task_id)
        finally:
            self.collect()

    def failed(self, conn: int, task_id: int, *, retry: bool, reason: str = "") -> None:
        try:
            self.broker.failed(conn, task_id, retry, reason)
        finally:
            self.collect()

    def touch(self, conn: int, task_id: int) -> None:
        try:
            self.broker.touch(conn, task_id)
        finally:
            self.collect()

    def disconnect(self, conn: int) -> None:
        self.broker.disconnect(conn)
        self.collect()

    def advance(self, seconds: float) -> None:
        """Move the clock on and let the broker act on due timers."""
        self.clock.advance(seconds)
        self.broker.tick()
        self.collect()

    def event_names(self) -> list[str]:
        return [type(event).__name__ for event in self.events]
