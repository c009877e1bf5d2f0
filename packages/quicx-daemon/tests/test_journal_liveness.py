"""The live-bytes accounting that decides which segments may go and when to
compact, and the replay rules that are easy to get wrong."""

from __future__ import annotations

from quicx_daemon._journal._generated_messages import (
    SnapshotState,
    TaskDeadLettered,
    TaskDispatched,
    TaskDone,
    TaskFailed,
    TaskRequeued,
    TaskSnapshot,
    TaskSubmitted,
)
from quicx_daemon._journal._liveness import Liveness
from quicx_daemon._journal._recovery import Replay

HEADER = 30


def test_a_segment_of_finished_tasks_may_go_but_not_the_one_written() -> None:
    live = Liveness()
    live.open_segment(1, HEADER)
    live.keep(10, 1, 100)
    live.keep(10, 1, 20)
    assert (live.total, live.live) == (150, 120)
    live.end(10, 1, 17)
    assert (live.total, live.live) == (167, 0)
    assert live.deletable(current=1) == []
    live.open_segment(2, HEADER)
    assert live.deletable(current=2) == [1]
    live.deleted([1])
    assert (live.total, live.live) == (HEADER, 0)


def test_the_segment_with_a_done_record_outlives_the_submitted_record() -> None:
    live = Liveness()
    live.open_segment(1, HEADER)
    live.keep(10, 1, 100)  # task 10 submitted in segment 1
    live.keep(11, 1, 100)  # task 11 too, and it lives on
    live.open_segment(2, HEADER)
    live.keep(12, 2, 100)
    live.end(10, 2, 17)  # task 10 done in segment 2
    live.end(12, 2, 17)
    live.open_segment(3, HEADER)
    # Segment 2 is all dead, but its done record is what keeps task 10's
    # submitted record in segment 1 from coming back.
    assert live.deletable(current=3) == []
    live.end(11, 3, 17)
    assert live.deletable(current=3) == [1]
    live.deleted([1])
    assert live.deletable(current=3) == [2]


def test_a_compaction_counts_the_snapshot_instead_of_what_it_replaced() -> None:
    live = Liveness()
    live.open_segment(1, HEADER)
    for task_id in (1, 2, 3):
        live.keep(task_id, 1, 100)
    live.end(1, 1, 17)
    live.open_segment(2, HEADER)
    keep = live.start_compaction(1)
    assert keep == {2, 3}
    assert live.deletable(current=2) == []  # the compaction reads segment 1
    live.end(2, 2, 17)  # ends while the snapshot is being built
    live.install_snapshot(1, {2: 60, 3: 60}, HEADER + 120)
    assert live.segment_ids() == [1, 2]
    assert live.live == 60  # task 3's record in the snapshot
    assert live.deletable(current=3) == []  # the snapshot holds task 3
    live.end(3, 2, 17)
    live.open_segment(3, HEADER)
    # Segment 2's done record of task 2 and 3 pins the snapshot until it goes.
    assert live.deletable(current=3) == [1]
    live.deleted([1])
    assert live.deletable(current=3) == [2]


def test_compaction_is_due_when_the_journal_is_big_and_mostly_dead() -> None:
    live = Liveness()
    live.open_segment(1, HEADER)
    live.keep(1, 1, 400)
    assert not live.should_compact(min_bytes=1000, below=0.5)
    for task_id in range(2, 12):
        live.keep(task_id, 1, 100)
        live.end(task_id, 1, 10)
    assert live.total == HEADER + 400 + 1100
    assert live.should_compact(min_bytes=1000, below=0.5)
    live.start_compaction(1)
    assert not live.should_compact(min_bytes=1000, below=0.5)


def submitted(task_id: int) -> TaskSubmitted:
    return TaskSubmitted(
        task_id=task_id,
        at_ms=1,
        ready_ms=1,
        priority=0,
        ttr_ms=1000,
        max_attempts=5,
        queue="q",
        payload=b"p",
    )


def test_a_requeue_without_a_failure_before_it_is_a_lost_lease() -> None:
    replay = Replay()
    replay.apply(submitted(1))
    replay.apply(TaskDispatched(task_id=1, at_ms=2, attempt=1))
    replay.apply(TaskRequeued(task_id=1, at_ms=3, attempts=1, ready_ms=3, reason=""))
    replay.apply(TaskDispatched(task_id=1, at_ms=4, attempt=2))
    replay.apply(TaskFailed(task_id=1, at_ms=5, retry=True, reason="x"))
    replay.apply(TaskRequeued(task_id=1, at_ms=5, attempts=2, ready_ms=9, reason=""))
    [task] = replay.result()
    assert (task.state, task.attempts, task.lost_leases) == (SnapshotState.QUEUED, 2, 1)
    assert task.ready_ms == 9


def test_dead_letters_come_back_in_the_order_they_died() -> None:
    replay = Replay()
    for task_id in (1, 2, 3):
        replay.apply(submitted(task_id))
        replay.apply(TaskDispatched(task_id=task_id, at_ms=2, attempt=1))
    for task_id in (3, 1):
        replay.apply(TaskFailed(task_id=task_id, at_ms=5, retry=False, reason="no"))
        replay.apply(TaskDeadLettered(task_id=task_id, at_ms=5, reason="no"))
    replay.apply(TaskDeadLettered(task_id=2, at_ms=6, reason="lease lost"))
    tasks = replay.result()
    assert [t.task_id for t in tasks] == [3, 1, 2]
    assert [t.lost_leases for t in tasks] == [0, 0, 1]


def test_records_of_a_task_whose_start_is_gone_are_skipped() -> None:
    replay = Replay()
    replay.apply(TaskDispatched(task_id=5, at_ms=2, attempt=1))
    replay.apply(TaskRequeued(task_id=5, at_ms=3, attempts=1, ready_ms=3, reason=""))
    replay.apply(TaskDone(task_id=5, at_ms=4))
    assert replay.result() == []


def test_a_snapshot_record_stands_for_the_whole_task() -> None:
    replay = Replay()
    replay.apply(submitted(1))
    replay.apply(
        TaskSnapshot(
            task_id=1,
            at_ms=9,
            state=SnapshotState.DEAD,
            priority=3,
            ttr_ms=7,
            max_attempts=2,
            attempts=2,
            lost_leases=1,
            ready_ms=0,
            reason="gone",
            queue="r",
            payload=b"z",
        )
    )
    [task] = replay.result()
    assert (task.queue, task.state, task.reason) == ("r", SnapshotState.DEAD, "gone")
    assert task.snapshot(9).reason == "gone"
