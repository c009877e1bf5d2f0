"""The broker's timers: delays in a heap, leases in lines, against a model."""

from __future__ import annotations

import hypothesis.strategies as st
from hypothesis import given
from quicx_daemon._records import QueueRecord, TaskRecord
from quicx_daemon._timers import TaskTimers


def _task(task_id: int, ttr_ms: int = 1000) -> TaskRecord:
    return TaskRecord(
        task_id=task_id,
        queue=QueueRecord("q"),
        priority=0,
        ttr_ms=ttr_ms,
        max_attempts=5,
        block=None,
        size=0,
    )


def test_a_finished_lease_leaves_nothing_behind() -> None:
    timers = TaskTimers()
    for task_id in range(1, 1001):
        task = _task(task_id)
        timers.start_lease(task, float(task_id))
        timers.cancel(task)
    assert len(timers) == 1  # the line's one entry, whatever the traffic
    assert list(timers.tasks()) == []
    assert list(timers.pop_due(10_000.0)) == []
    assert (len(timers), timers.next_deadline()) == (0, None)


def test_leases_of_several_lengths_and_delays_come_due_in_deadline_order() -> None:
    timers = TaskTimers()
    short, long_, touched, delayed = _task(1, 500), _task(2, 2000), _task(3), _task(4)
    timers.start_lease(touched, 0.0)  # due at 1.0, touched below: due at 1.8
    timers.start_lease(long_, 0.0)  # due at 2.0
    timers.start_lease(short, 0.2)  # due at 0.7
    timers.set(delayed, 1.5)
    timers.start_lease(touched, 0.8)
    assert timers.next_deadline() == 0.7
    assert list(timers.pop_due(1.6)) == [short, delayed]
    assert list(timers.pop_due(5.0)) == [touched, long_]
    assert [t.timer for t in (short, long_, touched, delayed)] == [0, 0, 0, 0]


@given(
    st.lists(
        st.tuples(
            st.sampled_from(["lease", "touch", "cancel", "delay", "tick"]),
            st.integers(0, 7),  # which task
            st.sampled_from([100, 250, 1000]),  # ttr_ms, or a delay in ms
        ),
        max_size=60,
    )
)
def test_timers_hand_out_exactly_what_is_due(
    steps: list[tuple[str, int, int]],
) -> None:
    """A dict of deadlines is the model; ticks advance a clock by 50 ms."""
    timers = TaskTimers()
    tasks = [_task(i + 1, ttr) for i, ttr in enumerate([100, 250, 1000] * 3)]
    model: dict[int, float] = {}  # task id -> deadline of its live timer
    now = 0.0
    for action, index, ms in steps:
        task = tasks[index]
        starts = action == "lease" and task.id not in model
        restarts = action == "touch" and task.timer == -1  # leased: in a line
        if starts or restarts:
            timers.start_lease(task, now)
            model[task.id] = now + task.ttr_ms / 1000
        elif action == "cancel":
            timers.cancel(task)
            model.pop(task.id, None)
        elif action == "delay" and task.timer != -1:
            timers.set(task, now + ms / 1000)
            model[task.id] = now + ms / 1000
        elif action == "tick":
            now += 0.05
            due = list(timers.pop_due(now))
            expected = sorted((d, i) for i, d in model.items() if d <= now)
            assert [t.deadline for t in due] == [d for d, _ in expected]
            assert {t.id for t in due} == {i for _, i in expected}
            for task_id in {t.id for t in due}:
                del model[task_id]
        assert {t.id for t in timers.tasks()} == set(model)
        deadline = timers.next_deadline()
        if model:
            assert deadline is not None
            assert deadline <= min(model.values())
