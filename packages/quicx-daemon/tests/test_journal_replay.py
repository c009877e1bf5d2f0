"""Recovery as a pure function: records in, the broker's state out.

A hypothesis state machine throws random traffic at a broker whose event
hook is a real Journal. After every step the records written so far are read
back the way a restart reads them (``recover_directory``), and the tasks
recovered must be exactly the broker's unfinished tasks (``Broker.export``):
same ids, queues, priorities, payloads, attempts, lost leases, due times,
reasons, and dead letters in the same order.

The journal is driven without an event loop: the test calls its hook through
the broker and hands the gathered chunks to its writer itself.
"""

from __future__ import annotations

import contextlib
import random
import tempfile
from pathlib import Path
from typing import Any

import hypothesis.strategies as st
from hypothesis import HealthCheck, settings
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule
from quicx_daemon import Broker, BrokerConfig, Refused, TaskEvent, make_arena
from quicx_daemon._config import JournalConfig
from quicx_daemon._journal import Journal
from quicx_daemon._journal._generated_messages import SnapshotState
from quicx_daemon._journal._reading import recover_directory
from quicx_daemon._journal._recovery import RecoveredTask
from quicx_daemon._records import TaskState
from quicx_daemon._restore import RestoredTask
from support.broker_harness import FakeClock

CONNS = st.integers(min_value=1, max_value=3)
QUEUES = st.sampled_from(["a", "b"])
EPOCH = 1_700_000_000.0
STATES = {
    TaskState.READY: SnapshotState.QUEUED,
    TaskState.DELAYED: SnapshotState.QUEUED,
    TaskState.LEASED: SnapshotState.LEASED,
    TaskState.DEAD: SnapshotState.DEAD,
}


class JournalMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.temporary = tempfile.TemporaryDirectory(prefix="quicx-journal-")
        self.directory = Path(self.temporary.name)
        self.clock = FakeClock()
        config = JournalConfig(data_dir=self.directory, segment_size=4096)
        self.journal = Journal(
            config, clock=self.clock, wall=lambda: EPOCH + self.clock.now
        )
        self.journal.open()
        broker_config = BrokerConfig(
            max_payload=2000, max_dead=3, default_max_attempts=3
        )
        self.events: list[TaskEvent] = []
        self.broker = Broker(
            broker_config,
            make_arena(8 << 20, broker_config.max_payload),
            clock=self.clock,
            rng=random.Random(5),
            on_event=self.journal.record,
        )
        self.held: dict[int, list[int]] = {}

    def teardown(self) -> None:
        self.journal._unlock()
        self.temporary.cleanup()

    # -- traffic ---------------------------------------------------------------

    @rule(
        queue=QUEUES,
        size=st.sampled_from([0, 3, 1500]),
        priority=st.integers(0, 2),
        delay_ms=st.sampled_from([0, 0, 700, 4000]),
    )
    def submit(self, queue: str, size: int, priority: int, delay_ms: int) -> None:
        payload = bytes([size % 251]) * size
        self.broker.submit(
            queue=queue, payload=payload, priority=priority, delay_ms=delay_ms
        )
        self._take()

    @rule(conn=CONNS, credit=st.integers(0, 2), queues=st.lists(QUEUES, min_size=1))
    def ready(self, conn: int, credit: int, queues: list[str]) -> None:
        self.broker.ready(conn, credit, queues)
        self._take()

    @rule(conn=CONNS, data=st.data())
    def done(self, conn: int, data: st.DataObject) -> None:
        task_id = self._pick(conn, data)
        with contextlib.suppress(Refused):
            self.broker.done(conn, task_id)
        self._take()

    @rule(conn=CONNS, retry=st.booleans(), data=st.data())
    def failed(self, conn: int, retry: bool, data: st.DataObject) -> None:
        task_id = self._pick(conn, data)
        with contextlib.suppress(Refused):
            self.broker.failed(conn, task_id, retry, "no luck")
        self._take()

    @rule(conn=CONNS, data=st.data())
    def touch(self, conn: int, data: st.DataObject) -> None:
        task_id = self._pick(conn, data, keep=True)
        with contextlib.suppress(Refused):
            self.broker.touch(conn, task_id)
        self._take()

    @rule(conn=CONNS)
    def disconnect(self, conn: int) -> None:
        self.broker.disconnect(conn)
        self.held.pop(conn, None)
        self._take()

    @rule(seconds=st.sampled_from([0.5, 2.0, 30.0, 70.0]))
    def advance(self, seconds: float) -> None:
        self.clock.advance(seconds)
        self.broker.tick()
        self._take()

    # -- the check -------------------------------------------------------------

    @invariant()
    def recovery_gives_back_the_brokers_tasks(self) -> None:
        journal: Any = self.journal
        journal._writer.write(journal._gather.take(), False)
        recovered = recover_directory(
            journal._files, self.directory, repair=False
        ).tasks
        expected = self.broker.export()
        assert [t.task_id for t in recovered] == [t.task_id for t in expected]
        for got, want in zip(recovered, expected, strict=True):
            assert_same(got, want, self.clock.now)

    # -- helpers ---------------------------------------------------------------

    def _pick(self, conn: int, data: st.DataObject, *, keep: bool = False) -> int:
        """A task this worker was sent (it may have lost it since), or a
        made-up id when it was sent none."""
        held = self.held.get(conn)
        if not held:
            return 999_999
        task_id = data.draw(st.sampled_from(held))
        if not keep:
            held.remove(task_id)
        return task_id

    def _take(self) -> None:
        """Note which tasks each worker was sent; forget finished ones."""
        for out in self.broker.take_outgoing():
            task_id = getattr(out, "task_id", None)
            if task_id is not None:
                self.held.setdefault(out.conn, []).append(task_id)


def assert_same(got: RecoveredTask, want: RestoredTask, now: float) -> None:
    where = f"task {want.task_id}"
    assert got.state is STATES[want.state], where
    assert (got.queue, got.priority, got.payload) == (
        want.queue,
        want.priority,
        want.payload,
    ), where
    assert (got.ttr_ms, got.max_attempts) == (want.ttr_ms, want.max_attempts), where
    assert (got.attempts, got.lost_leases) == (want.attempts, want.lost_leases), where
    if want.state is TaskState.DELAYED:
        assert got.ready_ms == round((EPOCH + want.ready_at) * 1000), where
    elif want.state is TaskState.READY:
        assert got.ready_ms <= round((EPOCH + now) * 1000), where
    if want.state is TaskState.DEAD:
        assert got.reason == want.reason, where


TestJournalMachine = JournalMachine.TestCase
TestJournalMachine.settings = settings(
    max_examples=80,
    stateful_step_count=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
