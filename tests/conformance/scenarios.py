"""The captured scenarios, as data: each sends exact frames and expects the
frames spec/PROTOCOL.md promises back.

Connections are named for their role (``producer``, ``worker``...) and opened
on first use, in script order. Every daemon but the heartbeat one runs with a
60 s heartbeat, so no HEARTBEAT lands in the middle of a slow run.
Expectations list only the fields the spec fixes; the replay compares the
rest through the normalization table of :mod:`conformance.normalize`. This
module holds the scenarios of tasks going through; error_scenarios.py those
of refusals, limits and the drain.
"""

from __future__ import annotations

from quicx_proto import (
    ErrorCode,
    Heartbeat,
    Peers,
    Pong,
    Ready,
    StatsRequest,
    Touch,
    Wait,
)

from conformance.error_scenarios import (
    INVALID_FIELD,
    JOURNAL_UNAVAILABLE,
    MALFORMED,
    OUT_OF_MEMORY,
    OVERSIZED,
    QUEUE_FULL,
    ROLE_VIOLATIONS,
    SHUTTING_DOWN,
    SHUTTING_DOWN_FIRST,
    UNKNOWN_TASK,
    UNKNOWN_TYPE,
    UNSUPPORTED_VERSION,
)
from conformance.messages import (
    H1,
    H2,
    H3,
    NO_SUCH_TASK,
    QUIET,
    T1,
    T2,
    T3,
    T4,
    done,
    error,
    failed,
    ok,
    queue,
    ready,
    samples,
    stats,
    submit,
    task,
)
from conformance.script import (
    Scenario,
    abort,
    expect,
    expect_closed,
    like,
    scenario,
    send,
    sync,
)

__all__ = ["SCENARIOS", "by_name"]

SUBMIT_SCENARIO = scenario(
    "submit",
    "SUBMIT answered by OK, in order when pipelined; a delayed task, an empty "
    "payload, per-task ttr and attempts; STATS asked by a producer",
    send("producer", submit(b"first", priority=5)),
    expect("producer", ok(T1)),
    send(
        "producer",
        submit(b"later", delay_ms=60_000),
        submit(b"", "other", ttr_ms=1000, max_attempts=3),
    ),
    expect("producer", ok(T2), ok(T3)),
    send("producer", StatsRequest()),
    expect(
        "producer",
        stats(
            total_submitted=3,
            current_producers=1,
            current_workers=0,
            current_monitors=0,
            queues=(queue("jobs", 1, delayed=1), queue("other", 1)),
        ),
    ),
    daemon=QUIET,
)

CREDIT_ONE = scenario(
    "dispatch-credit-1",
    "a worker with credit 1 is told WAIT, gets one TASK at a time, the next "
    "as soon as it answers DONE, and nothing when it goes idle again",
    send("worker", ready(1)),
    expect("worker", like(Wait)),
    send("producer", submit(b"a")),
    expect("producer", ok(T1)),
    expect("worker", task(T1, b"a")),
    send("producer", submit(b"b")),
    expect("producer", ok(T2)),
    *sync("worker", 1),
    send("worker", done(T1)),
    expect("worker", task(T2, b"b")),
    send("worker", done(T2)),
    *sync("worker", 2),
    daemon=QUIET,
)

CREDIT_MANY = scenario(
    "dispatch-credit-3",
    "a worker with credit 3 gets the three best tasks at once, lowest priority "
    "then oldest first, the fourth when one is DONE, and READY with credit 0 "
    "pauses it without WAIT",
    send(
        "producer",
        submit(b"p5", priority=5),
        submit(b"p1", priority=1),
        submit(b"p9", priority=9),
        submit(b"p1-later", priority=1),
    ),
    expect("producer", ok(T1), ok(T2), ok(T3), ok(T4)),
    send("worker", ready(3)),
    expect("worker", task(T2, b"p1"), task(T4, b"p1-later"), task(T1, b"p5")),
    send("worker", done(T2)),
    expect("worker", task(T3, b"p9")),
    send("worker", ready(0), done(T4), done(T1), done(T3)),
    *sync("worker", 2),
    daemon=QUIET,
)

WAIT_SCENARIO = scenario(
    "wait",
    "WAIT answers every READY that leaves a worker idle, a later one too, and "
    "is not sent when the worker goes idle after DONE",
    send("worker", ready(1, "idle")),
    expect("worker", like(Wait)),
    send("worker", ready(2, "idle")),
    expect("worker", like(Wait)),
    send("producer", submit(b"work", "idle")),
    expect("producer", ok(T1)),
    expect("worker", task(T1, b"work", "idle")),
    send("worker", done(T1)),
    *sync("worker", 3),
    daemon=QUIET,
)

TOUCH_SCENARIO = scenario(
    "touch",
    "TOUCH on a held task gets no reply; TOUCH on a task not held, or no "
    "longer held after DONE, gets unknown_task with its task id",
    send("worker", ready(1)),
    expect("worker", like(Wait)),
    send("producer", submit(b"slow", ttr_ms=30_000)),
    expect("producer", ok(T1)),
    expect("worker", task(T1, b"slow", ttr_ms=30_000)),
    send("worker", like(Touch, task_id=T1), like(Touch, task_id=T1)),
    *sync("worker", 4),
    send("worker", Touch(task_id=NO_SUCH_TASK)),
    expect("worker", error(ErrorCode.UNKNOWN_TASK, NO_SUCH_TASK)),
    send("worker", done(T1), like(Touch, task_id=T1)),
    expect("worker", error(ErrorCode.UNKNOWN_TASK, T1)),
    daemon=QUIET,
)

DONE_SCENARIO = scenario(
    "done",
    "DONE without and with a result returns the credit; a second DONE for the "
    "same task gets unknown_task; STATS counts both completions",
    send("producer", submit(b"one"), submit(b"two")),
    expect("producer", ok(T1), ok(T2)),
    send("worker", ready(1)),
    expect("worker", task(T1, b"one")),
    send("worker", done(T1)),
    expect("worker", task(T2, b"two")),
    send("worker", done(T2, b"the result")),
    send("worker", done(T2, b"the result")),
    expect("worker", error(ErrorCode.UNKNOWN_TASK, T2)),
    send("worker", StatsRequest()),
    expect(
        "worker",
        stats(
            total_submitted=2,
            total_completed=2,
            total_failed=0,
            run_time=samples(2),
            queues=(queue("jobs"),),
        ),
    ),
    daemon=QUIET,
)

FAILED_SCENARIO = scenario(
    "failed",
    "FAILED with retry brings the task back after a backoff with its attempt "
    "raised; FAILED without retry dead-letters it at once",
    send("worker", ready(1)),
    expect("worker", like(Wait)),
    send("producer", submit(b"flaky", max_attempts=3)),
    expect("producer", ok(T1)),
    expect("worker", task(T1, b"flaky")),
    send("worker", failed(T1, retry=True, reason="try again")),
    expect("worker", task(T1, b"flaky", attempt=2)),
    send("worker", done(T1)),
    *sync("worker", 1),
    send("producer", submit(b"hopeless")),
    expect("producer", ok(T2)),
    expect("worker", task(T2, b"hopeless")),
    send("worker", failed(T2, retry=False, reason="bad input")),
    *sync("worker", 2),
    send("producer", StatsRequest()),
    expect(
        "producer",
        stats(
            total_submitted=2,
            total_completed=1,
            total_failed=2,
            total_retried=1,
            total_dead=1,
            queues=(queue("jobs", dead=1),),
        ),
    ),
    daemon=QUIET,
)

DEAD_LETTER = scenario(
    "dead-letter",
    "a task that fails at its last attempt, even with retry, is dead-lettered "
    "and counted in STATS",
    send("worker", ready(1)),
    expect("worker", like(Wait)),
    send("producer", submit(b"doomed", max_attempts=2)),
    expect("producer", ok(T1)),
    expect("worker", task(T1, b"doomed")),
    send("worker", failed(T1, retry=True, reason="broken")),
    expect("worker", task(T1, b"doomed", attempt=2)),
    send("worker", failed(T1, retry=True, reason="still broken")),
    *sync("worker", 1),
    send("monitor", StatsRequest()),
    expect(
        "monitor",
        stats(
            total_submitted=1,
            total_failed=2,
            total_retried=1,
            total_dead=1,
            current_monitors=1,
            queues=(queue("jobs", dead=1),),
        ),
    ),
    daemon=QUIET,
)

WORKER_KILLED = scenario(
    "worker-killed",
    "a worker killed while holding a task (its connection reset) loses the "
    "lease; the task goes at once to the other worker with its attempt raised",
    send("worker-a", ready(1)),
    expect("worker-a", like(Wait)),
    send("worker-b", ready(1)),
    expect("worker-b", like(Wait)),
    send("producer", submit(b"job")),
    expect("producer", ok(T1)),
    expect("worker-a", task(T1, b"job")),
    abort("worker-a"),
    expect("worker-b", task(T1, b"job", attempt=2)),
    send("worker-b", done(T1)),
    *sync("worker-b", 1),
    send("monitor", StatsRequest()),
    expect(
        "monitor",
        stats(
            total_submitted=1,
            total_completed=1,
            total_retried=1,
            total_lost_leases=1,
            current_producers=1,
            current_workers=1,
            current_monitors=1,
        ),
    ),
    daemon=QUIET,
)

LEASE_EXPIRED = scenario(
    "lease-expired",
    "a lease that runs past ttr_ms is lost: the task goes to the worker idle "
    "longest, and the first holder's DONE gets lease_expired",
    send("worker-a", ready(1)),
    expect("worker-a", like(Wait)),
    send("worker-b", ready(1)),
    expect("worker-b", like(Wait)),
    send("producer", submit(b"slow", ttr_ms=1000)),
    expect("producer", ok(T1)),
    expect("worker-a", task(T1, b"slow", ttr_ms=1000)),
    expect("worker-b", task(T1, b"slow", ttr_ms=1000, attempt=2)),
    send("worker-b", done(T1)),
    *sync("worker-b", 1),
    send("worker-a", done(T1)),
    expect("worker-a", error(ErrorCode.LEASE_EXPIRED, T1)),
    daemon=QUIET,
)

HEARTBEAT_SCENARIO = scenario(
    "heartbeat",
    "a silent connection gets HEARTBEAT and answers PONG; the daemon answers "
    "a client's HEARTBEAT; silent for three intervals, it gets "
    "heartbeat_timeout and is closed",
    expect("peer", like(Heartbeat, token=H1), within=5.0),
    send("peer", like(Pong, token=H1), Heartbeat(token=42)),
    expect("peer", like(Pong, token=42)),
    expect(
        "peer",
        like(Heartbeat, token=H2),
        like(Heartbeat, token=H3),
        error(ErrorCode.HEARTBEAT_TIMEOUT),
        within=5.0,
    ),
    expect_closed("peer"),
    daemon=("--heartbeat", "0.5"),
)

STATS_SCENARIO = scenario(
    "stats",
    "a monitor's STATS on a fresh daemon and after one task ran; a monitor "
    "that submits gets not_allowed_for_role and is closed",
    send("monitor", StatsRequest()),
    expect(
        "monitor",
        stats(
            total_submitted=0,
            total_completed=0,
            total_failed=0,
            total_retried=0,
            total_dead=0,
            total_lost_leases=0,
            current_producers=0,
            current_workers=0,
            current_monitors=1,
            wait_time=samples(0),
            run_time=samples(0),
            queues=(),
        ),
    ),
    send("producer", submit(b"x")),
    expect("producer", ok(T1)),
    send("worker", ready(1)),
    expect("worker", task(T1, b"x")),
    send("worker", done(T1)),
    *sync("worker", 1),
    send("monitor", StatsRequest()),
    expect(
        "monitor",
        stats(
            total_submitted=1,
            total_completed=1,
            current_producers=1,
            current_workers=1,
            current_monitors=1,
            wait_time=samples(1),
            run_time=samples(1),
            queues=(queue("jobs"),),
        ),
    ),
    send("monitor", submit(b"no")),
    expect("monitor", error(ErrorCode.NOT_ALLOWED_FOR_ROLE)),
    expect_closed("monitor"),
    daemon=QUIET,
)


GROUP = ("10.0.0.1:7878", "10.0.0.2:7878")

PEERS_SCENARIO = scenario(
    "peers",
    "a daemon started with a group sends a worker PEERS with the group's "
    "addresses once, first after its first READY, even a refused one; not "
    "after a later READY, and never to a producer",
    send("producer", submit(b"x", "elsewhere")),
    expect("producer", ok(T1)),
    send("worker", ready(1)),
    expect("worker", like(Peers, addresses=GROUP), like(Wait)),
    send("worker", ready(2)),
    expect("worker", like(Wait)),
    sync("worker", 7),
    send("refused", Ready(credit=1, queues=())),
    expect("refused", like(Peers, addresses=GROUP), error(ErrorCode.INVALID_FIELD)),
    send("refused", ready(1)),
    expect("refused", like(Wait)),
    sync("producer", 8),
    daemon=(*QUIET, "--peers", ",".join(GROUP)),
)

SCENARIOS: tuple[Scenario, ...] = (
    SUBMIT_SCENARIO,
    CREDIT_ONE,
    CREDIT_MANY,
    WAIT_SCENARIO,
    TOUCH_SCENARIO,
    DONE_SCENARIO,
    FAILED_SCENARIO,
    DEAD_LETTER,
    WORKER_KILLED,
    LEASE_EXPIRED,
    HEARTBEAT_SCENARIO,
    STATS_SCENARIO,
    MALFORMED,
    UNSUPPORTED_VERSION,
    UNKNOWN_TYPE,
    OVERSIZED,
    ROLE_VIOLATIONS,
    INVALID_FIELD,
    UNKNOWN_TASK,
    OUT_OF_MEMORY,
    QUEUE_FULL,
    SHUTTING_DOWN,
    SHUTTING_DOWN_FIRST,
    JOURNAL_UNAVAILABLE,
    PEERS_SCENARIO,
)


def by_name(name: str) -> Scenario:
    """The scenario called ``name``.

    :raises KeyError: there is none
    """
    for candidate in SCENARIOS:
        if candidate.name == name:
            return candidate
    raise KeyError(name)
