"""Broker rules, one test per rule, on a fake clock and a real arena."""

from __future__ import annotations

import pytest
from quicx_daemon import DeadLettered, Dispatched, Refused, Requeued
from quicx_proto import ErrorCode
from support.broker_harness import WAIT, BrokerHarness, Delivery


def refused(call: object, *args: object, **kwargs: object) -> Refused:
    """Run a harness call that must be refused, and return the refusal."""
    assert callable(call)
    with pytest.raises(Refused) as info:
        call(*args, **kwargs)
    return info.value


# -- submit ------------------------------------------------------------------


def test_task_ids_carry_the_node_id_and_a_sequence_from_1() -> None:
    h = BrokerHarness(node_id=3)
    ids = [h.submit() for _ in range(3)]
    assert ids == [(3 << 48) | 1, (3 << 48) | 2, (3 << 48) | 3]


def test_the_task_frame_carries_payload_queue_attempt_and_default_ttr() -> None:
    h = BrokerHarness(default_ttr=2.5)
    task_id = h.submit("mail", b"hello")
    h.ready(1, 1, "mail")
    assert h.received(1) == [Delivery(task_id, 1, 2500, "mail", b"hello")]


def test_an_empty_payload_is_allowed_and_uses_no_memory() -> None:
    h = BrokerHarness()
    task_id = h.submit(payload=b"")
    assert h.arena.stats().used == 0
    h.ready(1, 1)
    assert h.received(1) == [Delivery(task_id, 1, 60_000, "q", b"")]


@pytest.mark.parametrize(
    ("queue", "size", "code"),
    [
        pytest.param("", 1, ErrorCode.INVALID_FIELD, id="empty-queue"),
        pytest.param("q", 1025, ErrorCode.PAYLOAD_TOO_LARGE, id="too-large"),
        pytest.param("", 1025, ErrorCode.INVALID_FIELD, id="queue-checked-first"),
    ],
)
def test_submit_refuses_bad_fields(queue: str, size: int, code: ErrorCode) -> None:
    h = BrokerHarness(max_payload=1024)
    error = refused(h.submit, queue, b"x" * size)
    assert (error.code, error.retry_after_ms, error.task_id) == (code, 0, 0)
    assert h.broker.counters.submitted == 0
    assert h.events == []


def test_a_full_arena_refuses_submit_with_a_retry_hint_and_drops_nothing() -> None:
    h = BrokerHarness(arena_bytes=1 << 20, max_payload=64 << 10)
    accepted: list[int] = []
    refusal = None
    while refusal is None and len(accepted) < 100:
        try:
            accepted.append(h.submit(payload=b"p" * (60 << 10)))
        except Refused as error:
            refusal = error
    assert refusal is not None
    assert (refusal.code, refusal.retry_after_ms) == (ErrorCode.OUT_OF_MEMORY, 100)
    assert len(accepted) >= 1
    # Every accepted task is still delivered, and DONE makes room again.
    h.ready(1, len(accepted))
    assert h.task_ids(1) == accepted
    h.done(1, accepted[0])
    h.submit(payload=b"p" * (60 << 10))


def test_a_queue_at_its_limit_refuses_submit_until_it_drains() -> None:
    h = BrokerHarness(queue_limit=2)
    first = h.submit("a")
    h.submit("a", delay_ms=1000)
    error = refused(h.submit, "a")
    assert (error.code, error.retry_after_ms) == (ErrorCode.QUEUE_FULL, 100)
    h.submit("b")  # other queues are not affected
    h.ready(1, 1, "a")
    assert h.task_ids(1) == [first]
    h.submit("a")  # in flight does not count against the limit


def test_draining_refuses_submit_but_dispatch_and_done_go_on() -> None:
    h = BrokerHarness()
    task_id = h.submit()
    h.broker.begin_drain()
    error = refused(h.submit)
    assert (error.code, error.retry_after_ms) == (ErrorCode.SHUTTING_DOWN, 1000)
    assert h.broker.backlog() == (1, 0)
    h.ready(1, 1)
    assert h.task_ids(1) == [task_id]
    assert h.broker.backlog() == (0, 1)
    h.done(1, task_id)
    assert h.broker.backlog() == (0, 0)


# -- order and delay ------------------------------------------------------------


def test_lower_priority_runs_first_and_ties_run_in_submit_order() -> None:
    h = BrokerHarness()
    late = h.submit(priority=5)
    first = h.submit(priority=1)
    second = h.submit(priority=1)
    h.ready(1, 3)
    assert h.task_ids(1) == [first, second, late]


def test_a_worker_takes_the_best_task_across_its_queues() -> None:
    h = BrokerHarness()
    old = h.submit("a", priority=2)
    urgent = h.submit("b", priority=1)
    tie = h.submit("b", priority=2)
    h.ready(1, 1, "a", "b")
    assert h.task_ids(1) == [urgent]
    h.done(1, urgent)
    assert h.task_ids(1) == [old]  # equal priority: the lower id wins
    h.done(1, old)
    assert h.task_ids(1) == [tie]


def test_a_delayed_task_waits_for_its_delay() -> None:
    h = BrokerHarness()
    h.ready(1, 1)
    assert h.received(1) == [WAIT]
    task_id = h.submit(delay_ms=500)
    assert h.broker.next_deadline() == pytest.approx(h.clock.now + 0.5)
    assert h.broker.backlog() == (1, 0)
    h.advance(0.499)
    assert h.received(1) == []
    h.advance(0.001)
    assert h.task_ids(1) == [task_id]


# -- credit, the line of idle workers and WAIT ----------------------------------


def test_credit_limits_the_tasks_a_worker_holds() -> None:
    h = BrokerHarness()
    ids = [h.submit() for _ in range(3)]
    h.ready(1, 2)
    assert h.task_ids(1) == ids[:2]
    h.done(1, ids[0])
    assert h.task_ids(1) == [ids[2]]


def test_credit_0_pauses_a_worker_without_wait() -> None:
    h = BrokerHarness()
    task_id = h.submit()
    h.ready(1, 0)
    assert h.received(1) == []
    h.ready(1, 1)
    assert h.task_ids(1) == [task_id]


def test_a_task_goes_to_the_worker_idle_longest() -> None:
    h = BrokerHarness()
    for conn in (1, 2, 3):
        h.ready(conn, 1)
    first = h.submit()
    assert h.task_ids(1) == [first]
    h.done(1, first)  # worker 1 joins the back of the line
    for conn in (2, 3, 1):
        task_id = h.submit()
        assert h.task_ids(conn) == [task_id]


def test_a_worker_with_credit_left_goes_to_the_back_after_a_task() -> None:
    h = BrokerHarness()
    h.ready(1, 2)
    h.ready(2, 2)
    a = h.submit()
    b = h.submit()
    assert (h.task_ids(1), h.task_ids(2)) == ([a], [b])


def test_a_later_ready_that_keeps_free_credit_keeps_the_place_in_line() -> None:
    h = BrokerHarness()
    h.ready(1, 1, "q")
    h.ready(2, 1, "q", "r")
    h.ready(1, 3, "q", "r")  # adds r, but worker 1 was in line first
    r_task = h.submit("r")
    assert h.task_ids(1) == [r_task]
    q_task = h.submit("q")  # worker 1 went to the back after its task
    assert h.task_ids(2) == [q_task]


def test_ready_replaces_the_queue_list() -> None:
    h = BrokerHarness()
    h.ready(1, 1, "a")
    h.ready(1, 1, "b")
    h.submit("a")
    assert h.task_ids(1) == []
    b = h.submit("b")
    assert h.task_ids(1) == [b]


def test_ready_refuses_no_queues_or_an_empty_name_and_changes_nothing() -> None:
    h = BrokerHarness()
    h.ready(1, 1, "a")
    for queues in ((), ("a", "")):
        error = refused(h.broker.ready, 1, 5, queues)
        assert error.code == ErrorCode.INVALID_FIELD
    assert h.received(1) == [WAIT]
    first = h.submit("a")
    h.submit("a")
    assert h.task_ids(1) == [first]  # still credit 1 and queue a


def test_wait_answers_a_ready_that_finds_nothing_and_nothing_else() -> None:
    h = BrokerHarness()
    h.ready(1, 2)
    h.ready(1, 3)
    assert h.received(1) == [WAIT, WAIT]
    task_id = h.submit()
    assert h.task_ids(1) == [task_id]
    h.done(1, task_id)  # idle again, but no READY: no WAIT
    assert h.received(1) == []
    h.ready(1, 0)  # paused: never WAIT
    assert h.received(1) == []


def test_a_worker_still_holding_a_task_gets_no_wait() -> None:
    h = BrokerHarness()
    task_id = h.submit()
    h.ready(1, 2)
    assert h.received(1) == [Delivery(task_id, 1, 60_000, "q", b"x")]


# -- leases -------------------------------------------------------------------------


def test_a_lease_lost_to_time_to_run_requeues_at_once_in_its_place() -> None:
    h = BrokerHarness()
    held = h.submit(ttr_ms=1000)
    h.ready(1, 1)
    assert h.task_ids(1) == [held]
    later = h.submit()  # same priority, submitted after
    h.ready(2, 0)
    h.advance(0.999)
    assert h.broker.counters.lost_leases == 0
    h.advance(0.001)
    assert h.broker.counters.lost_leases == 1
    # Worker 1's credit came back: it gets the task again, ahead of `later`.
    assert h.received(1) == [Delivery(held, 2, 1000, "q", b"x")]
    h.ready(2, 1)
    assert h.task_ids(2) == [later]


def test_touch_restarts_the_lease() -> None:
    h = BrokerHarness()
    task_id = h.submit(ttr_ms=1000)
    h.ready(1, 1)
    h.task_ids(1)
    h.advance(0.8)
    h.touch(1, task_id)
    h.advance(0.9)
    assert h.broker.counters.lost_leases == 0
    h.advance(0.1)
    assert h.broker.counters.lost_leases == 1


def test_messages_about_a_lost_lease_get_lease_expired() -> None:
    h = BrokerHarness()
    task_id = h.submit(ttr_ms=1000)
    h.ready(1, 1)
    h.ready(2, 1)
    assert h.task_ids(1) == [task_id]
    h.advance(1.0)
    assert h.task_ids(2) == [task_id]
    for call in (h.done, h.touch):
        error = refused(call, 1, task_id)
        assert (error.code, error.task_id) == (ErrorCode.LEASE_EXPIRED, task_id)
    error = refused(h.failed, 1, task_id, retry=False)
    assert error.code == ErrorCode.LEASE_EXPIRED
    h.done(2, task_id)  # the new holder is not disturbed
    assert h.broker.counters.completed == 1


def test_messages_about_a_task_not_held_get_unknown_task_and_change_nothing() -> None:
    h = BrokerHarness()
    task_id = h.submit()
    h.ready(1, 1)
    h.ready(2, 1)
    before = list(h.events)
    for call in (h.done, h.touch):
        error = refused(call, 2, task_id)
        assert (error.code, error.task_id) == (ErrorCode.UNKNOWN_TASK, task_id)
    assert refused(h.done, 7, 12345).code == ErrorCode.UNKNOWN_TASK  # no worker
    assert h.events == before
    h.done(1, task_id)
    error = refused(h.done, 1, task_id)  # a second DONE is harmless
    assert error.code == ErrorCode.UNKNOWN_TASK
    assert h.broker.counters.completed == 1


def test_a_disconnected_worker_loses_its_leases_in_dispatch_order() -> None:
    h = BrokerHarness()
    low = h.submit(priority=9)
    high = h.submit(priority=1)
    h.ready(1, 2)
    assert h.task_ids(1) == [high, low]
    h.ready(2, 0)
    h.disconnect(1)
    assert h.broker.counters.lost_leases == 2
    assert [e.task_id for e in h.events if isinstance(e, Requeued)] == [high, low]
    h.ready(2, 2)
    assert h.received(2) == [
        Delivery(high, 2, 60_000, "q", b"x"),
        Delivery(low, 2, 60_000, "q", b"x"),
    ]


def test_the_second_lost_lease_waits_a_backoff_and_the_last_dead_letters() -> None:
    h = BrokerHarness(default_max_attempts=3)
    task_id = h.submit()
    h.ready(1, 1)
    h.disconnect(1)  # first loss: ready again at once
    h.ready(2, 1)
    assert h.task_ids(2) == [task_id]
    h.disconnect(2)  # second loss, attempt 2: backoff of 1 s to 2 s
    h.ready(3, 1)
    assert h.task_ids(3) == []
    deadline = h.broker.next_deadline()
    assert deadline is not None
    assert 1.0 <= deadline - h.clock.now <= 2.0
    h.advance(2.0)
    assert h.received(3) == [Delivery(task_id, 3, 60_000, "q", b"x")]
    h.disconnect(3)  # attempt 3 of 3 lost: dead-lettered with the reason
    dead = [e for e in h.events if isinstance(e, DeadLettered)]
    assert len(dead) == 1
    assert "lease lost" in dead[0].reason
    assert h.broker.counters.dead == 1
    assert h.broker.counters.retried == 2
    assert h.broker.stats().queues[0].dead == 1


# -- FAILED, retries and dead letters --------------------------------------------


def test_failed_with_retry_backs_off_exponentially_until_the_attempt_limit() -> None:
    h = BrokerHarness(default_max_attempts=3)
    task_id = h.submit()
    h.ready(1, 1)
    for attempt, (low, high) in enumerate([(0.5, 1.0), (1.0, 2.0)], start=1):
        assert [d.attempt for d in h.received(1) if isinstance(d, Delivery)] == [
            attempt
        ]
        h.failed(1, task_id, retry=True, reason="boom")
        assert h.received(1) == []  # idle, but WAIT answers only READY
        deadline = h.broker.next_deadline()
        assert deadline is not None
        assert low <= deadline - h.clock.now <= high
        assert h.broker.stats().queues[0].delayed == 1
        h.advance(high)
    assert [d.attempt for d in h.received(1) if isinstance(d, Delivery)] == [3]
    h.failed(1, task_id, retry=True, reason="still broken")
    assert h.events[-1] == DeadLettered(
        at=h.clock.now, task_id=task_id, reason="still broken"
    )
    assert (h.broker.counters.failed, h.broker.counters.retried) == (3, 2)


def test_backoff_is_capped() -> None:
    h = BrokerHarness(default_max_attempts=30, backoff_cap=4.0)
    task_id = h.submit()
    h.ready(1, 1)
    for _ in range(6):
        h.received(1)
        h.failed(1, task_id, retry=True)
        deadline = h.broker.next_deadline()
        assert deadline is not None
        assert deadline - h.clock.now <= 4.0
        h.advance(4.0)


def test_failed_without_retry_dead_letters_at_once_and_returns_credit() -> None:
    h = BrokerHarness()
    task_id = h.submit()
    h.ready(1, 1)
    h.received(1)
    h.failed(1, task_id, retry=False, reason="bad input")
    assert h.events[-1] == DeadLettered(
        at=h.clock.now, task_id=task_id, reason="bad input"
    )
    assert h.received(1) == []
    assert h.broker.backlog() == (0, 0)
    assert h.arena.stats().used > 0  # a dead letter keeps its payload
    following = h.submit()
    assert h.task_ids(1) == [following]  # the credit came back


def test_dead_letters_are_bounded_and_the_oldest_is_evicted() -> None:
    h = BrokerHarness(max_dead=2)
    h.ready(1, 3)
    ids = [h.submit(payload=b"p" * 100) for _ in range(3)]
    for task_id in ids:
        h.failed(1, task_id, retry=False)
    assert h.broker.counters.dead == 3
    assert h.broker.counters.evicted == 1
    assert h.events[-1].task_id == ids[0]
    assert h.broker.stats().queues[0].dead == 2
    assert h.arena.stats().requested == 200


def test_done_frees_the_payload_and_an_unused_queue_is_forgotten() -> None:
    h = BrokerHarness()
    task_id = h.submit("once", b"p" * 100)
    assert h.arena.stats().requested == 100
    h.ready(1, 1, "once")
    h.ready(1, 1, "other")
    assert [q.name for q in h.broker.stats().queues] == ["once", "other"]
    h.done(1, task_id)
    assert h.arena.stats().used == 0
    assert [q.name for q in h.broker.stats().queues] == ["other"]


# -- events and STATS ---------------------------------------------------------------


def test_every_state_change_is_one_event_in_order() -> None:
    h = BrokerHarness(default_max_attempts=2)
    task_id = h.submit(ttr_ms=1000)
    h.ready(1, 1)
    h.touch(1, task_id)
    h.advance(1.0)  # lease lost: back at once, to the same worker
    h.failed(1, task_id, retry=True, reason="x")  # attempt 2 of 2
    assert h.event_names() == [
        "Submitted",
        "Dispatched",
        "Touched",
        "Requeued",
        "Dispatched",
        "Failed",
        "DeadLettered",
    ]
    assert all(e.task_id == task_id for e in h.events)
    dispatched = [e for e in h.events if isinstance(e, Dispatched)]
    assert [e.attempt for e in dispatched] == [1, 2]


def test_stats_reports_counters_queues_and_latency() -> None:
    h = BrokerHarness(node_id=9)
    h.submit("a")
    h.clock.advance(0.25)
    h.submit("a", delay_ms=10_000)
    h.submit("b")
    h.clock.advance(0.5)
    stats = h.broker.stats(producers=2, workers=1, monitors=3)
    assert (stats.node_id, stats.uptime_ms, stats.total_submitted) == (9, 750, 3)
    roles = (stats.current_producers, stats.current_workers, stats.current_monitors)
    assert roles == (2, 1, 3)
    a, b = stats.queues
    assert (a.name, a.depth, a.delayed, a.in_flight, a.oldest_age_ms) == (
        "a",
        1,
        1,
        0,
        750,
    )
    assert (b.name, b.depth, b.oldest_age_ms) == ("b", 1, 500)
    h.ready(1, 1, "a")
    h.clock.advance(0.002)
    h.done(1, h.task_ids(1)[0])
    stats = h.broker.stats()
    assert stats.wait_time.count == 1
    assert stats.wait_time.p50_us == 750_000
    assert stats.run_time.max_us == 2000
    assert stats.arena_used == h.arena.stats().used
    assert stats.total_completed == 1
