"""The captured scenarios, as data: each sends exact frames and expects the
frames spec/PROTOCOL.md promises back.

Connections are named for their role (``producer``, ``worker``...) and opened
on first use, in script order. Every daemon but the heartbeat one runs with a
60 s heartbeat, so no HEARTBEAT lands in the middle of a slow run.
Expectations list only the fields the spec fixes; what it leaves free
(ERROR.message, timings) is left out, and the replay compares the rest
through the normalization table of :mod:`conformance.normalize`.
"""

from __future__ import annotations

from quicx_proto import (
    Done,
    Error,
    ErrorCode,
    Failed,
    Heartbeat,
    Message,
    MsgType,
    Ok,
    Peers,
    Percentiles,
    Pong,
    QueueStats,
    Ready,
    StatsReply,
    StatsRequest,
    Submit,
    Task,
    Touch,
    Wait,
)

from conformance.normalize import RETRY_AFTER_MS
from conformance.notation import parse_frame
from conformance.script import (
    ExpectExit,
    Like,
    Scenario,
    Step,
    Terminate,
    Var,
    abort,
    expect,
    expect_closed,
    like,
    scenario,
    send,
    sync,
)

__all__ = ["SCENARIOS", "by_name"]

QUIET = ("--heartbeat", "60")
DEFAULT_TTR_MS = 60_000
T1, T2, T3, T4 = Var("t1"), Var("t2"), Var("t3"), Var("t4")
H1, H2, H3 = Var("h1"), Var("h2"), Var("h3")
NO_SUCH_TASK = 0xFFFF_FFFF_FFFF  # node 0, a sequence no test reaches
NEXT_TYPE = max(MsgType) + 1  # the first message type the spec does not define


def submit(
    payload: bytes = b"",
    queue: str = "jobs",
    *,
    priority: int = 0,
    delay_ms: int = 0,
    ttr_ms: int = 0,
    max_attempts: int = 0,
) -> Submit:
    return Submit(
        priority=priority,
        delay_ms=delay_ms,
        ttr_ms=ttr_ms,
        max_attempts=max_attempts,
        queue=queue,
        payload=payload,
    )


def ok(task_id: Var) -> Like:
    return like(Ok, task_id=task_id)


def task(
    task_id: Var,
    payload: bytes = b"",
    queue: str = "jobs",
    *,
    attempt: int = 1,
    ttr_ms: int = DEFAULT_TTR_MS,
) -> Like:
    return like(
        Task,
        task_id=task_id,
        attempt=attempt,
        ttr_ms=ttr_ms,
        queue=queue,
        payload=payload,
    )


def error(code: ErrorCode, task_id: int | Var = 0) -> Like:
    """An ERROR with the retry_after_ms and task_id section 5 gives ``code``."""
    return like(
        Error, code=code, retry_after_ms=RETRY_AFTER_MS.get(code, 0), task_id=task_id
    )


def ready(credit: int, *queues: str) -> Ready:
    return Ready(credit=credit, queues=queues or ("jobs",))


def done(task_id: Var, result: bytes = b"") -> Like:
    return like(Done, task_id=task_id, result=result)


def failed(task_id: Var, *, retry: bool, reason: str) -> Like:
    return like(Failed, task_id=task_id, retry=retry, reason=reason)


def queue(
    name: str, depth: int = 0, *, delayed: int = 0, in_flight: int = 0, dead: int = 0
) -> Like:
    return like(
        QueueStats,
        name=name,
        depth=depth,
        delayed=delayed,
        in_flight=in_flight,
        dead=dead,
    )


def stats(**fields: object) -> Like:
    return like(StatsReply, **fields)


def samples(count: int) -> Like:
    return like(Percentiles, count=count)


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
    "a worker with credit 1 is told WAIT, gets one TASK at a time, and the "
    "next as soon as it answers DONE",
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
    expect("worker", like(Wait)),
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
    "WAIT is sent once when a worker goes idle, not again for a later READY, "
    "and again after a TASK",
    send("worker", ready(1, "idle")),
    expect("worker", like(Wait)),
    send("worker", ready(2, "idle")),
    *sync("worker", 3),
    send("producer", submit(b"work", "idle")),
    expect("producer", ok(T1)),
    expect("worker", task(T1, b"work", "idle")),
    send("worker", done(T1)),
    expect("worker", like(Wait)),
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
    expect("worker", like(Wait), error(ErrorCode.UNKNOWN_TASK, T1)),
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
    expect("worker", like(Wait)),
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
    expect("worker", like(Wait)),
    expect("worker", task(T1, b"flaky", attempt=2)),
    send("worker", done(T1)),
    expect("worker", like(Wait)),
    send("producer", submit(b"hopeless")),
    expect("producer", ok(T2)),
    expect("worker", task(T2, b"hopeless")),
    send("worker", failed(T2, retry=False, reason="bad input")),
    expect("worker", like(Wait)),
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
    expect("worker", like(Wait)),
    expect("worker", task(T1, b"doomed", attempt=2)),
    send("worker", failed(T1, retry=True, reason="still broken")),
    expect("worker", like(Wait)),
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
    expect("worker-b", like(Wait)),
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
    send("producer", submit(b"slow", ttr_ms=500)),
    expect("producer", ok(T1)),
    expect("worker-a", task(T1, b"slow", ttr_ms=500)),
    expect("worker-b", task(T1, b"slow", ttr_ms=500, attempt=2)),
    expect("worker-a", like(Wait)),
    send("worker-b", done(T1)),
    expect("worker-b", like(Wait)),
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
    daemon=("--heartbeat", "0.2"),
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
    expect("worker", like(Wait)),
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


def _closing(conn: str, frame: str, code: ErrorCode) -> tuple[Step, ...]:
    """A broken frame, written in the notation, on a new connection: ERROR, closed."""
    return (
        send(conn, parse_frame(frame)),
        expect(conn, error(code)),
        expect_closed(conn),
    )


MALFORMED = scenario(
    "malformed",
    "frames that break their layout get malformed_frame and the connection "
    "closed: a bad magic, a short body, bytes after the last field, text that "
    "is not UTF-8, FAILED.retry above 1, an ERROR code outside the spec",
    _closing("bad-magic", "magic=QY STATS_REQUEST", ErrorCode.MALFORMED_FRAME),
    _closing("short-body", "SUBMIT u4:0 u4:0", ErrorCode.MALFORMED_FRAME),
    _closing("trailing-bytes", "STATS_REQUEST hex:00", ErrorCode.MALFORMED_FRAME),
    _closing(
        "not-utf8",
        "SUBMIT u4:0 u4:0 u4:0 u2:0 u1:1 hex:ff blob:",
        ErrorCode.MALFORMED_FRAME,
    ),
    send("worker", ready(1)),
    expect("worker", like(Wait)),
    send("worker", parse_frame('FAILED u8:1 u1:2 s2:"why"')),
    expect("worker", error(ErrorCode.MALFORMED_FRAME)),
    expect_closed("worker"),
    _closing("bad-error-code", "ERROR u2:99 u4:0 u8:0 s2:", ErrorCode.MALFORMED_FRAME),
    daemon=QUIET,
)

UNSUPPORTED_VERSION = scenario(
    "unsupported-version",
    "a version byte other than 1 gets unsupported_version, in a version 1 "
    "frame, and the connection closed",
    _closing("version-0", "version=0 STATS_REQUEST", ErrorCode.UNSUPPORTED_VERSION),
    _closing("version-2", "version=2 STATS_REQUEST", ErrorCode.UNSUPPORTED_VERSION),
    _closing("version-255", "version=255 SUBMIT", ErrorCode.UNSUPPORTED_VERSION),
    daemon=QUIET,
)

UNKNOWN_TYPE = scenario(
    "unknown-message-type",
    "a message type outside the spec's (0, the first number after the last "
    "type, 255) gets unknown_message_type and the connection closed",
    _closing("type-0", "type=0", ErrorCode.UNKNOWN_MESSAGE_TYPE),
    _closing(f"type-{NEXT_TYPE}", f"type={NEXT_TYPE}", ErrorCode.UNKNOWN_MESSAGE_TYPE),
    _closing("type-255", "type=255 hex:0000", ErrorCode.UNKNOWN_MESSAGE_TYPE),
    daemon=QUIET,
)

# With --max-payload 64 the daemon's frame limit is 64 + 1024 = 1088 bytes of body.
OVERSIZED = scenario(
    "oversized",
    "a payload one byte above --max-payload gets payload_too_large and the "
    "connection is kept, as for a body exactly at the frame limit; a header "
    "announcing one byte more than the limit gets frame_too_large, closed",
    send("producer", submit(b"x" * 65)),
    expect("producer", error(ErrorCode.PAYLOAD_TOO_LARGE)),
    send("producer", submit(b"x" * 64)),
    expect("producer", ok(T1)),
    send("producer", submit(b"y" * (1088 - 19 - len("jobs")))),
    expect("producer", error(ErrorCode.PAYLOAD_TOO_LARGE)),
    send("producer", parse_frame("len=1089 SUBMIT")),
    expect("producer", error(ErrorCode.FRAME_TOO_LARGE)),
    expect_closed("producer"),
    daemon=(*QUIET, "--max-payload", "64"),
)

_ZERO_WINDOW = Percentiles(count=0, p50_us=0, p90_us=0, p99_us=0, p999_us=0, max_us=0)
_DAEMON_ONLY: dict[str, Message] = {
    "client-sends-ok": Ok(task_id=1),
    "client-sends-error": Error(
        code=ErrorCode.INTERNAL_ERROR, retry_after_ms=0, task_id=0, message="oops"
    ),
    "client-sends-journal-error": Error(
        code=ErrorCode.JOURNAL_UNAVAILABLE, retry_after_ms=500, task_id=0, message=""
    ),
    "client-sends-task": Task(
        task_id=1, attempt=1, ttr_ms=1, queue="jobs", payload=b""
    ),
    "client-sends-wait": Wait(),
    "client-sends-peers": Peers(addresses=("127.0.0.1:7878",)),
    "client-sends-stats-reply": StatsReply(
        node_id=0,
        uptime_ms=0,
        total_submitted=0,
        total_completed=0,
        total_failed=0,
        total_retried=0,
        total_dead=0,
        total_lost_leases=0,
        current_producers=0,
        current_workers=0,
        current_monitors=0,
        wait_time=_ZERO_WINDOW,
        run_time=_ZERO_WINDOW,
        arena_capacity=0,
        arena_used=0,
        journal_bytes=0,
        journal_live_ppm=0,
        size_classes=(),
        queues=(),
    ),
}


def _refused(conn: str, *frames: Message) -> tuple[Step, ...]:
    """Frames whose last is not allowed in the connection's state: ERROR, closed."""
    return (
        send(conn, *frames),
        expect(conn, error(ErrorCode.NOT_ALLOWED_FOR_ROLE)),
        expect_closed(conn),
    )


ROLE_VIOLATIONS = scenario(
    "role-violations",
    "frames not allowed in the connection's state get not_allowed_for_role "
    "and the connection closed: TOUCH or DONE first, READY from a producer, "
    "SUBMIT from a worker, and the daemon-only messages from a client",
    _refused("touch-first", Touch(task_id=1)),
    _refused("done-first", Done(task_id=1, result=b"")),
    send("producer", submit(b"fine")),
    expect("producer", ok(T1)),
    _refused("producer", ready(1)),
    send("worker", ready(1, "elsewhere")),
    expect("worker", like(Wait)),
    _refused("worker", submit(b"not mine")),
    *(_refused(name, frame) for name, frame in _DAEMON_ONLY.items()),
    daemon=QUIET,
)

INVALID_FIELD = scenario(
    "invalid-field",
    "an empty queue name in SUBMIT, or READY with no queues or an empty name, "
    "gets invalid_field; the connection is kept and its role is fixed",
    send("producer", submit(b"", "")),
    expect("producer", error(ErrorCode.INVALID_FIELD)),
    send("producer", submit(b"fine", "named")),
    expect("producer", ok(T1)),
    send("worker", parse_frame("READY u4:1 u1:0")),
    expect("worker", error(ErrorCode.INVALID_FIELD)),
    send("worker", Ready(credit=1, queues=("jobs", ""))),
    expect("worker", error(ErrorCode.INVALID_FIELD)),
    send("worker", ready(1)),
    expect("worker", like(Wait)),
    daemon=QUIET,
)

UNKNOWN_TASK = scenario(
    "unknown-task",
    "DONE, FAILED and TOUCH for a task the worker never held get "
    "unknown_task carrying their task id; the connection is kept",
    send("worker", ready(1)),
    expect("worker", like(Wait)),
    send(
        "worker",
        Done(task_id=NO_SUCH_TASK, result=b"r"),
        Failed(task_id=NO_SUCH_TASK - 1, retry=True, reason="r"),
        Touch(task_id=NO_SUCH_TASK - 2),
    ),
    expect(
        "worker",
        error(ErrorCode.UNKNOWN_TASK, NO_SUCH_TASK),
        error(ErrorCode.UNKNOWN_TASK, NO_SUCH_TASK - 1),
        error(ErrorCode.UNKNOWN_TASK, NO_SUCH_TASK - 2),
    ),
    *sync("worker", 5),
    daemon=QUIET,
)

# With the default 1 MiB payload limit a slab is 1 MiB + 64 KiB, so a 2 MiB
# arena holds one. The first SUBMIT gives it to the 64-byte class, so a
# 1000-byte payload finds no memory while 64-byte ones still do.
ONE_SLAB = (*QUIET, "--memory", "2MiB")
OUT_OF_MEMORY = scenario(
    "out-of-memory",
    "SUBMIT when the payload memory is full gets out_of_memory with "
    "retry_after_ms 100; the connection is kept and smaller payloads still fit",
    send("producer", submit(b"s" * 64)),
    expect("producer", ok(T1)),
    send("producer", submit(b"L" * 1000)),
    expect("producer", error(ErrorCode.OUT_OF_MEMORY)),
    send("producer", submit(b"t" * 64)),
    expect("producer", ok(T2)),
    daemon=ONE_SLAB,
)

QUEUE_FULL = scenario(
    "queue-full",
    "with --queue-limit 2 a third waiting task gets queue_full with "
    "retry_after_ms 100; other queues are not affected, and a task taken by a "
    "worker makes room",
    send("producer", submit(b"a"), submit(b"b"), submit(b"c")),
    expect("producer", ok(T1), ok(T2), error(ErrorCode.QUEUE_FULL)),
    send("producer", submit(b"elsewhere", "other")),
    expect("producer", ok(T3)),
    send("worker", ready(1)),
    expect("worker", task(T1, b"a")),
    send("producer", submit(b"c")),
    expect("producer", ok(T4)),
    daemon=(*QUIET, "--queue-limit", "2"),
)

# The drain probe: one small task takes the only slab of the arena for its
# class (as in out-of-memory), so a 1000-byte SUBMIT is refused with
# out_of_memory until the drain starts, and with shutting_down after.
DRAIN_PROBE = submit(b"P" * 1000, "probe")

SHUTTING_DOWN = scenario(
    "shutting-down",
    "after SIGTERM a SUBMIT gets shutting_down with retry_after_ms 1000 and "
    "the connection is kept; the held task still completes, then the daemon "
    "closes every connection and exits 0",
    send("worker", ready(1)),
    expect("worker", like(Wait)),
    send("producer", submit(b"last")),
    expect("producer", ok(T1)),
    expect("worker", task(T1, b"last")),
    Terminate(DRAIN_PROBE),
    send("producer", submit(b"too late")),
    expect("producer", error(ErrorCode.SHUTTING_DOWN)),
    *sync("producer", 6),
    send("worker", done(T1)),
    expect("worker", like(Wait)),
    expect_closed("worker"),
    expect_closed("producer"),
    ExpectExit(0),
    daemon=ONE_SLAB,
)

SHUTTING_DOWN_FIRST = scenario(
    "shutting-down-first",
    "while draining, shutting_down comes before every other SUBMIT check: a "
    "SUBMIT with an empty queue name gets shutting_down, not invalid_field",
    send("worker", ready(1)),
    expect("worker", like(Wait)),
    send("producer", submit(b"last")),
    expect("producer", ok(T1)),
    expect("worker", task(T1, b"last")),
    Terminate(DRAIN_PROBE),
    send("producer", submit(b"", "")),
    expect("producer", error(ErrorCode.SHUTTING_DOWN)),
    send("worker", done(T1)),
    expect("worker", like(Wait)),
    expect_closed("worker"),
    expect_closed("producer"),
    ExpectExit(0),
    daemon=ONE_SLAB,
)

GROUP = ("10.0.0.1:7878", "10.0.0.2:7878")

PEERS_SCENARIO = scenario(
    "peers",
    "a daemon started with a group sends a worker PEERS with the group's "
    "addresses once, right after its first READY; not after a later READY, "
    "and never to a producer",
    send("producer", submit(b"x", "elsewhere")),
    expect("producer", ok(T1)),
    send("worker", ready(1)),
    expect("worker", like(Peers, addresses=GROUP), like(Wait)),
    send("worker", ready(2)),
    sync("worker", 7),
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
