"""A hypothesis state machine that throws random traffic at the broker.

Whatever happens (submits, READYs, DONE, FAILED and TOUCH for held, lost or
made-up tasks, disconnects, the clock jumping), no task is lost: every
accepted task ends exactly once, done or dead-lettered, and the arena holds
exactly the payloads of the tasks still alive.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable
from typing import Any, TypeVar

import hypothesis.strategies as st
from hypothesis import HealthCheck, settings
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule
from quicx_daemon import DeadLettered, Dispatched, Done, Evicted, Refused, Submitted
from quicx_proto import ErrorCode
from support.broker_harness import BrokerHarness, Delivery

CONNS = st.integers(min_value=1, max_value=3)
QUEUES = st.sampled_from(["a", "b", "c"])
NOT_HELD = {ErrorCode.UNKNOWN_TASK, ErrorCode.LEASE_EXPIRED}
FULL = {ErrorCode.OUT_OF_MEMORY, ErrorCode.QUEUE_FULL}
T = TypeVar("T")
DRAINER = 99
MAX_ATTEMPTS = 2


class BrokerMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.h = BrokerHarness(
            arena_bytes=1 << 20,
            max_payload=40_000,
            max_dead=4,
            default_max_attempts=MAX_ATTEMPTS,
            queue_limit=12,
        )
        self.sizes: dict[int, int] = {}  # accepted task -> payload size
        self.ends: Counter[int] = Counter()  # Done or DeadLettered per task
        self.freed: set[int] = set()  # done or evicted: payload gone
        self.delivered: defaultdict[int, list[int]] = defaultdict(list)
        self.seen = 0  # events already checked

    # -- rules -----------------------------------------------------------------

    @rule(
        queue=QUEUES,
        size=st.sampled_from([0, 1, 100, 3000, 40_000]),
        priority=st.integers(0, 3),
        delay_ms=st.sampled_from([0, 0, 500, 3000]),
        ttr_ms=st.sampled_from([0, 1000, 5000]),
    )
    def submit(
        self, queue: str, size: int, priority: int, delay_ms: int, ttr_ms: int
    ) -> None:
        payload = bytes([len(self.sizes) % 256]) * size
        fields = {"priority": priority, "delay_ms": delay_ms, "ttr_ms": ttr_ms}
        task_id = self._call(FULL, self.h.submit, queue, payload, **fields)
        if task_id is not None:
            self.sizes[task_id] = size

    @rule(conn=CONNS, credit=st.integers(0, 3), queues=st.lists(QUEUES, min_size=1))
    def ready(self, conn: int, credit: int, queues: list[str]) -> None:
        self.h.ready(conn, credit, *queues)
        self._absorb()

    @rule(conn=CONNS, data=st.data())
    def done(self, conn: int, data: st.DataObject) -> None:
        self._call(NOT_HELD, self.h.done, conn, self._pick(conn, data))

    @rule(conn=CONNS, retry=st.booleans(), data=st.data())
    def failed(self, conn: int, retry: bool, data: st.DataObject) -> None:
        task_id = self._pick(conn, data)
        self._call(NOT_HELD, self.h.failed, conn, task_id, retry=retry, reason="r")

    @rule(conn=CONNS, data=st.data())
    def touch(self, conn: int, data: st.DataObject) -> None:
        self._call(NOT_HELD, self.h.touch, conn, self._pick(conn, data))

    @rule(conn=CONNS)
    def disconnect(self, conn: int) -> None:
        self.h.disconnect(conn)
        self.delivered.pop(conn, None)
        self._absorb()

    @rule(seconds=st.sampled_from([0.1, 0.6, 1.0, 2.5, 30.0]))
    def advance(self, seconds: float) -> None:
        self.h.advance(seconds)
        self._absorb()

    # -- invariants ----------------------------------------------------------------

    @invariant()
    def arena_holds_exactly_the_live_payloads(self) -> None:
        live = [
            size for task_id, size in self.sizes.items() if task_id not in self.freed
        ]
        stats = self.h.arena.stats()
        assert stats.requested == sum(live)
        assert stats.live_blocks == sum(1 for size in live if size)
        assert self.h.broker.stats().arena_used == stats.used

    @invariant()
    def no_ready_task_waits_beside_an_idle_worker(self) -> None:
        for record in self.h.broker._queues.values():
            assert not (record.ready and record.idle), record.name

    def teardown(self) -> None:
        # Finish everything: one worker with ample credit serving every
        # queue, answering DONE, while the clock runs past every backoff.
        h = self.h
        for conn in (1, 2, 3):
            h.disconnect(conn)
        h.ready(DRAINER, 1000, "a", "b", "c")
        for _ in range(50):
            for task_id in h.task_ids(DRAINER):
                h.done(DRAINER, task_id)
            self._absorb()
            if h.broker.backlog() == (0, 0):
                break
            h.advance(600.0)
        assert h.broker.backlog() == (0, 0)
        assert set(self.ends) == set(self.sizes)
        assert set(self.ends.values()) <= {1}
        self.arena_holds_exactly_the_live_payloads()

    # -- helpers -----------------------------------------------------------------

    def _pick(self, conn: int, data: st.DataObject) -> int:
        """A task this connection was sent, or now and then a made-up id."""
        held = self.delivered[conn]
        made_up = data.draw(st.integers(0, 4)) == 0
        if held and not made_up:
            return data.draw(st.sampled_from(held))
        return data.draw(st.sampled_from([*self.sizes, 0, 1 << 40]))

    def _call(
        self, allowed: set[ErrorCode], call: Callable[..., T], *args: Any, **kw: Any
    ) -> T | None:
        """Make a harness call that may be refused with an allowed code."""
        refusal = None
        try:
            result = call(*args, **kw)
        except Refused as error:
            refusal = error
        self._absorb()
        if refusal is None:
            return result
        assert refusal.code in allowed
        return None

    def _absorb(self) -> None:
        """Check the new events and note the new deliveries."""
        for conn, items in self.h.sent.items():
            for item in items:
                if isinstance(item, Delivery):
                    assert self.ends[item.task_id] == 0
                    assert 1 <= item.attempt <= MAX_ATTEMPTS
                    self.delivered[conn].append(item.task_id)
        self.h.sent.clear()
        for event in self.h.events[self.seen :]:
            task_id = event.task_id
            if isinstance(event, Submitted):
                assert task_id not in self.ends
            elif isinstance(event, Dispatched):
                assert self.ends[task_id] == 0
            if isinstance(event, Done | DeadLettered):
                self.ends[task_id] += 1
            if isinstance(event, Done | Evicted):
                assert task_id not in self.freed
                self.freed.add(task_id)
        self.seen = len(self.h.events)


BrokerMachine.TestCase.settings = settings(
    max_examples=150,
    stateful_step_count=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
TestBrokerMachine = BrokerMachine.TestCase
