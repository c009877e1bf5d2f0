"""The captured scenarios of refusals: broken frames, roles, limits, the drain.

Every refusal is sent on a connection of its own when it closes the
connection, and followed by a frame that shows the connection kept when it
does not.
"""

from __future__ import annotations

from quicx_proto import (
    Done,
    Error,
    ErrorCode,
    Failed,
    Message,
    Ok,
    Peers,
    Percentiles,
    Ready,
    StatsReply,
    Task,
    Touch,
    Wait,
)

from conformance.daemons import DATA_DIR
from conformance.messages import (
    NEXT_TYPE,
    NO_SUCH_TASK,
    QUIET,
    T1,
    T2,
    T3,
    T4,
    done,
    error,
    ok,
    ready,
    submit,
    task,
)
from conformance.notation import parse_frame
from conformance.script import (
    ExpectExit,
    Step,
    Terminate,
    expect,
    expect_closed,
    like,
    scenario,
    send,
    sync,
)

__all__ = [
    "INVALID_FIELD",
    "JOURNAL_UNAVAILABLE",
    "MALFORMED",
    "OUT_OF_MEMORY",
    "OVERSIZED",
    "QUEUE_FULL",
    "ROLE_VIOLATIONS",
    "SHUTTING_DOWN",
    "SHUTTING_DOWN_FIRST",
    "UNKNOWN_TASK",
    "UNKNOWN_TYPE",
    "UNSUPPORTED_VERSION",
]


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

# Once the daemon listens, no file it writes may grow past 4 KiB: the journal
# takes the first SUBMIT, and a 4 KiB payload then finds the disk full.
JOURNAL_UNAVAILABLE = scenario(
    "journal-unavailable",
    "a SUBMIT the journal cannot record (the disk is full) gets "
    "journal_unavailable with retry_after_ms above 0; the connection is kept "
    "and the task accepted before is still served",
    send("producer", submit(b"kept")),
    expect("producer", ok(T1)),
    send("producer", submit(b"J" * 4096)),
    expect("producer", error(ErrorCode.JOURNAL_UNAVAILABLE)),
    sync("producer", 9),
    send("worker", ready(1)),
    expect("worker", task(T1, b"kept")),
    send("worker", done(T1)),
    *sync("worker", 1),
    daemon=(*QUIET, "--data-dir", DATA_DIR),
    file_size_limit=4096,
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
    expect_closed("worker"),
    expect_closed("producer"),
    ExpectExit(0),
    daemon=ONE_SLAB,
)
