"""The broker's side of the journal: held submits, restore and export."""

from __future__ import annotations

from quicx_daemon import Requeued, Submitted, Withdrawn
from quicx_daemon._records import TaskState
from quicx_daemon._restore import RestoredTask
from support.broker_harness import BrokerHarness, Delivery


def harness(*, hold: bool = False, **settings: int) -> BrokerHarness:
    h = BrokerHarness(arena_bytes=8 << 20, **settings)
    h.broker.hold_submits = hold
    return h


def test_a_held_task_waits_for_commit_before_it_runs() -> None:
    h = harness(hold=True)
    h.ready(1, 5)
    h.received(1)
    task_id = h.broker.submit(queue="q", payload=b"x")
    h.collect()
    assert h.task_ids(1) == []
    assert h.broker.backlog().queued == 1
    assert h.broker.stats().total_submitted == 0
    h.broker.commit(task_id)
    h.collect()
    assert h.task_ids(1) == [task_id]
    assert h.broker.stats().total_submitted == 1


def test_a_held_delayed_task_keeps_its_due_time() -> None:
    h = harness(hold=True)
    task_id = h.broker.submit(queue="q", payload=b"x", delay_ms=2000)
    h.advance(1.0)
    h.broker.commit(task_id)
    h.ready(1, 1)
    assert h.task_ids(1) == []
    h.advance(1.0)
    assert h.task_ids(1) == [task_id]


def test_a_withdrawn_task_is_gone_and_its_memory_freed() -> None:
    h = harness(hold=True)
    task_id = h.broker.submit(queue="q", payload=b"x" * 500)
    assert h.arena.stats().live_blocks == 1
    h.broker.withdraw(task_id)
    assert h.arena.stats().live_blocks == 0
    assert h.broker.backlog() == (0, 0)
    assert h.broker.stats().queues == ()
    assert isinstance(h.events[0], Submitted)
    assert h.events[-1] == Withdrawn(at=h.clock.now, task_id=task_id)


def restored(task_id: int, state: TaskState, **fields: object) -> RestoredTask:
    values: dict[str, object] = {
        "queue": "q",
        "priority": 0,
        "ttr_ms": 60_000,
        "max_attempts": 3,
        "payload": b"p%d" % task_id,
    }
    values.update(fields)
    return RestoredTask(task_id=task_id, state=state, **values)  # type: ignore[arg-type]


def test_restore_brings_back_queues_delays_dead_letters_and_the_id_sequence() -> None:
    h = harness(max_dead=2)
    now = h.clock.now
    h.broker.restore(
        [
            restored(2, TaskState.DEAD, attempts=3, reason="first"),
            restored(4, TaskState.DEAD, attempts=1, reason="second"),
            restored(1, TaskState.READY, ready_at=now - 5, priority=1),
            restored(3, TaskState.READY, ready_at=now - 5, priority=0),
            restored(5, TaskState.READY, ready_at=now + 10),
        ],
        last_task_id=9,
    )
    assert h.events == []  # nothing changed that the journal does not know
    [queue] = h.broker.stats().queues
    assert (queue.depth, queue.delayed, queue.dead) == (2, 1, 2)
    h.ready(1, 5)
    assert h.task_ids(1) == [3, 1]  # priority order, not restore order
    h.advance(10)
    assert h.task_ids(1) == [5]
    assert h.submit() == 10  # ids go on after the journal's last
    exported = h.broker.export()
    dead = [t for t in exported if t.state is TaskState.DEAD]
    assert [(t.task_id, t.reason) for t in dead] == [(2, "first"), (4, "second")]


def test_a_task_leased_at_the_crash_comes_back_with_a_lost_lease() -> None:
    h = harness()
    h.broker.restore(
        [
            restored(1, TaskState.LEASED, attempts=1),
            restored(2, TaskState.LEASED, attempts=2, lost_leases=1),
            restored(3, TaskState.LEASED, attempts=3),
        ],
        last_task_id=3,
    )
    assert h.broker.stats().total_lost_leases == 3
    requeued = [e for e in h.events if isinstance(e, Requeued)]
    assert [e.task_id for e in requeued] == [1, 2]
    assert requeued[0].ready_at == h.clock.now  # first lost lease: at once
    assert requeued[1].ready_at > h.clock.now  # second: after a backoff
    [queue] = h.broker.stats().queues
    assert (queue.depth, queue.delayed, queue.dead) == (1, 1, 1)  # 3 hit its limit
    h.ready(1, 1)
    [delivery] = h.received(1)
    assert isinstance(delivery, Delivery)
    assert (delivery.task_id, delivery.attempt, delivery.payload) == (1, 2, b"p1")


def test_export_then_restore_gives_the_same_tasks() -> None:
    h = harness()
    h.submit(payload=b"ready")
    h.submit(payload=b"later", delay_ms=5000)
    leased = h.submit(payload=b"leased")
    doomed = h.submit(payload=b"doomed")
    h.ready(1, 2)
    assert h.task_ids(1) == [1, leased]
    h.done(1, 1)
    h.failed(1, leased, retry=False, reason="bad")
    assert h.task_ids(1) == [doomed]
    exported = h.broker.export()
    assert [(t.task_id, t.state) for t in exported] == [
        (leased, TaskState.DEAD),
        (2, TaskState.DELAYED),
        (doomed, TaskState.LEASED),
    ]
    again = harness()
    again.broker.restore(exported, last_task_id=doomed)
    states = [(t.task_id, t.state, t.payload) for t in again.broker.export()]
    assert states == [
        (leased, TaskState.DEAD, b"leased"),
        (2, TaskState.DELAYED, b"later"),
        (doomed, TaskState.READY, b"doomed"),  # its lease was lost
    ]
