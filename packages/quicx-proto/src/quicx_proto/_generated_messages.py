# Generated from spec/quicx.ksy by spec/codegen/generate.py; do not edit.
"""Enums, constants and message classes of Quicx.

To change this file, change spec/quicx.ksy, then run
``python spec/codegen/generate.py`` from the repository root.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import TypeAlias

from quicx_proto._validation import (
    check_blob,
    check_bool,
    check_enum,
    check_items,
    check_record,
    check_text,
    check_uint,
)

__all__ = [
    "HEADER_SIZE",
    "PROTOCOL_VERSION",
    "Done",
    "Error",
    "ErrorCode",
    "Failed",
    "Heartbeat",
    "Message",
    "MsgType",
    "Ok",
    "Peers",
    "Percentiles",
    "Pong",
    "QueueStats",
    "Ready",
    "SizeClassStats",
    "StatsReply",
    "StatsRequest",
    "Submit",
    "Task",
    "Touch",
    "Wait",
]

HEADER_SIZE = 8
"""Bytes in the fixed header that starts every frame."""

PROTOCOL_VERSION = 1
"""The version byte of every frame this package reads and writes."""


class MsgType(enum.IntEnum):
    """Which message a frame's body holds (the spec's msg_type enum)."""

    SUBMIT = 1
    """Producer to daemon; see type submit."""
    OK = 2
    """Daemon to producer; see type ok."""
    ERROR = 3
    """Daemon to any peer; see type error."""
    READY = 4
    """Worker to daemon; see type ready."""
    TASK = 5
    """Daemon to worker; see type task."""
    WAIT = 6
    """Daemon to worker; see type wait."""
    TOUCH = 7
    """Worker to daemon; see type touch."""
    DONE = 8
    """Worker to daemon; see type done."""
    FAILED = 9
    """Worker to daemon; see type failed."""
    HEARTBEAT = 10
    """Either direction; see type heartbeat."""
    PONG = 11
    """Either direction; see type pong."""
    STATS_REQUEST = 12
    """Any peer to daemon; see type stats_request."""
    STATS_REPLY = 13
    """Daemon to any peer; see type stats_reply."""
    PEERS = 14
    """Daemon to worker, only from a daemon with a group; see type peers."""


class ErrorCode(enum.IntEnum):
    """What went wrong, as carried by ERROR and ProtocolError."""

    MALFORMED_FRAME = 1
    """The frame's body does not match its type's layout. Connection closed."""
    UNSUPPORTED_VERSION = 2
    """The header's version is not one this daemon speaks. Connection closed."""
    UNKNOWN_MESSAGE_TYPE = 3
    """The header's message type is not in this spec. Connection closed."""
    FRAME_TOO_LARGE = 4
    """The header announces a body above the daemon's frame limit. Connection closed."""
    PAYLOAD_TOO_LARGE = 5
    """A SUBMIT payload is above the daemon's payload limit. Connection kept."""
    NOT_ALLOWED_FOR_ROLE = 6
    """The message may not be sent by this connection's role, or first. Connection
    closed.
    """
    UNKNOWN_TASK = 7
    """DONE, FAILED or TOUCH names a task this worker does not hold. Connection kept."""
    LEASE_EXPIRED = 8
    """The task's lease ran out before this message arrived. Connection kept."""
    OUT_OF_MEMORY = 9
    """The payload allocator is full; retry after the hint. Connection kept."""
    QUEUE_FULL = 10
    """The queue is at its depth limit; retry after the hint. Connection kept."""
    SHUTTING_DOWN = 11
    """The daemon is draining and takes no new tasks. Connection kept until exit."""
    INTERNAL_ERROR = 12
    """The daemon failed in a way that is not the peer's fault. Connection kept."""
    INVALID_FIELD = 13
    """A field is out of its allowed range, such as an empty queue name or zero queues
    in READY. Connection kept.
    """
    HEARTBEAT_TIMEOUT = 14
    """The peer missed too many heartbeats; sent just before the daemon closes the
    connection.
    """
    JOURNAL_UNAVAILABLE = 15
    """The journal could not record the task, so it was not accepted; retry after the
    hint. Connection kept.
    """


@dataclass(frozen=True, slots=True, kw_only=True)
class Percentiles:
    """A latency distribution over a recent window, in microseconds."""

    count: int
    """Number of samples in the window."""
    p50_us: int
    """Median."""
    p90_us: int
    """90th percentile."""
    p99_us: int
    """99th percentile."""
    p999_us: int
    """99.9th percentile."""
    max_us: int
    """Largest sample."""

    def __post_init__(self) -> None:
        check_uint("Percentiles.count", self.count, 64)
        check_uint("Percentiles.p50_us", self.p50_us, 64)
        check_uint("Percentiles.p90_us", self.p90_us, 64)
        check_uint("Percentiles.p99_us", self.p99_us, 64)
        check_uint("Percentiles.p999_us", self.p999_us, 64)
        check_uint("Percentiles.max_us", self.max_us, 64)


@dataclass(frozen=True, slots=True, kw_only=True)
class QueueStats:
    """One queue's state at the moment of the snapshot."""

    name: str
    """The queue's name."""
    depth: int
    """Tasks ready to be dispatched now."""
    delayed: int
    """Tasks waiting for their delay or a retry backoff to pass."""
    in_flight: int
    """Tasks leased to a worker."""
    dead: int
    """Tasks in this queue's dead-letter list."""
    oldest_age_ms: int
    """Age of the oldest task ready to be dispatched; 0 when none."""

    def __post_init__(self) -> None:
        check_text("QueueStats.name", self.name, 255)
        check_uint("QueueStats.depth", self.depth, 32)
        check_uint("QueueStats.delayed", self.delayed, 32)
        check_uint("QueueStats.in_flight", self.in_flight, 32)
        check_uint("QueueStats.dead", self.dead, 32)
        check_uint("QueueStats.oldest_age_ms", self.oldest_age_ms, 64)


@dataclass(frozen=True, slots=True, kw_only=True)
class SizeClassStats:
    """One allocator size class."""

    class_size: int
    """Bytes per block in this class."""
    slabs: int
    """Slabs currently assigned to this class."""
    live_blocks: int
    """Blocks in use."""
    free_blocks: int
    """Blocks free in this class's slabs."""

    def __post_init__(self) -> None:
        check_uint("SizeClassStats.class_size", self.class_size, 32)
        check_uint("SizeClassStats.slabs", self.slabs, 32)
        check_uint("SizeClassStats.live_blocks", self.live_blocks, 32)
        check_uint("SizeClassStats.free_blocks", self.free_blocks, 32)


@dataclass(frozen=True, slots=True, kw_only=True)
class Submit:
    """Producer to daemon: queue one task. Answered, in order, by OK with the new task
    id or by ERROR. The first SUBMIT makes a connection a producer.
    """

    priority: int
    """Lower runs first; tasks of equal priority run in submit order."""
    delay_ms: int
    """Milliseconds to hold the task back before it may be dispatched."""
    ttr_ms: int
    """Time-to-run: how long a worker may hold the task before its lease is lost. 0
    means the daemon's default.
    """
    max_attempts: int
    """How many times the task may be handed to a worker before it is dead-lettered. 0
    means the daemon's default.
    """
    queue: str
    """Name of the queue, 1 to 255 bytes."""
    payload: bytes
    """The task's bytes; the daemon never looks inside."""

    def __post_init__(self) -> None:
        check_uint("Submit.priority", self.priority, 32)
        check_uint("Submit.delay_ms", self.delay_ms, 32)
        check_uint("Submit.ttr_ms", self.ttr_ms, 32)
        check_uint("Submit.max_attempts", self.max_attempts, 16)
        check_text("Submit.queue", self.queue, 255)
        check_blob("Submit.payload", self.payload, 4294967295)


@dataclass(frozen=True, slots=True, kw_only=True)
class Ok:
    """Daemon to producer: the SUBMIT it answers was accepted."""

    task_id: int
    """The new task's id. The high 16 bits are the node id of the daemon that accepted
    it and the low 48 bits a sequence that daemon never reuses, so ids from several
    daemons never collide.
    """

    def __post_init__(self) -> None:
        check_uint("Ok.task_id", self.task_id, 64)


@dataclass(frozen=True, slots=True, kw_only=True)
class Error:
    """Daemon to any peer: a request was refused or the peer broke the protocol.
    spec/PROTOCOL.md says, per code, whether the connection stays open.
    """

    code: ErrorCode
    """What went wrong."""
    retry_after_ms: int
    """For retryable codes, how long the peer should wait before trying again; 0 for
    codes that must not be retried as they are.
    """
    task_id: int
    """The task the error is about, or 0 when it is about no task."""
    message: str
    """A human-readable explanation; not meant to be parsed."""

    def __post_init__(self) -> None:
        check_enum("Error.code", self.code, ErrorCode)
        check_uint("Error.retry_after_ms", self.retry_after_ms, 32)
        check_uint("Error.task_id", self.task_id, 64)
        check_text("Error.message", self.message, 65535)


@dataclass(frozen=True, slots=True, kw_only=True)
class Ready:
    """Worker to daemon: the worker serves these queues and may hold up to credit tasks
    at once. The first READY makes a connection a worker; a later READY replaces both
    the credit and the queue list.
    """

    credit: int
    """How many tasks the worker may hold at once, counting those held now."""
    queues: tuple[str, ...]
    """Names of the queues the worker serves."""

    def __post_init__(self) -> None:
        check_uint("Ready.credit", self.credit, 32)
        for item in check_items("Ready.queues", self.queues, 255):
            check_text("Ready.queues item", item, 255)


@dataclass(frozen=True, slots=True, kw_only=True)
class Task:
    """Daemon to worker: run this task. The worker holds a lease on it until it answers
    DONE or FAILED, or until ttr_ms pass without a TOUCH.
    """

    task_id: int
    """The task's id, as returned in OK."""
    attempt: int
    """1 on the first delivery, raised by one on every later delivery."""
    ttr_ms: int
    """The lease's length; a TOUCH starts it again."""
    queue: str
    """The queue the task came from."""
    payload: bytes
    """The bytes the producer submitted."""

    def __post_init__(self) -> None:
        check_uint("Task.task_id", self.task_id, 64)
        check_uint("Task.attempt", self.attempt, 16)
        check_uint("Task.ttr_ms", self.ttr_ms, 32)
        check_text("Task.queue", self.queue, 255)
        check_blob("Task.payload", self.payload, 4294967295)


@dataclass(frozen=True, slots=True, kw_only=True)
class Wait:
    """Daemon to worker, in answer to a READY: your READY is taken, you have free credit
    and there is nothing for you now. Sent at no other time; TASKs follow when tasks
    become ready.
    """


@dataclass(frozen=True, slots=True, kw_only=True)
class Touch:
    """Worker to daemon: restart the lease on a task this worker holds, so it runs for
    another full time-to-run from now. No reply on success; ERROR (unknown task or lease
    expired) otherwise.
    """

    task_id: int
    """The task whose lease to extend."""

    def __post_init__(self) -> None:
        check_uint("Touch.task_id", self.task_id, 64)


@dataclass(frozen=True, slots=True, kw_only=True)
class Done:
    """Worker to daemon: the task finished. Returns one credit. No reply on success; a
    DONE for a task the worker no longer holds, such as a second DONE for the same task,
    gets ERROR and changes nothing.
    """

    task_id: int
    """The finished task."""
    result: bytes
    """Optional result bytes; empty when there is none."""

    def __post_init__(self) -> None:
        check_uint("Done.task_id", self.task_id, 64)
        check_blob("Done.result", self.result, 4294967295)


@dataclass(frozen=True, slots=True, kw_only=True)
class Failed:
    """Worker to daemon: the task failed. Returns one credit. With retry set the task is
    tried again after a backoff until its attempt limit, then dead-lettered; without it,
    it is dead-lettered at once.
    """

    task_id: int
    """The failed task."""
    retry: bool
    """1 to ask for another attempt, 0 to give up on the task."""
    reason: str
    """Why it failed, kept with a dead-lettered task."""

    def __post_init__(self) -> None:
        check_uint("Failed.task_id", self.task_id, 64)
        check_bool("Failed.retry", self.retry)
        check_text("Failed.reason", self.reason, 65535)


@dataclass(frozen=True, slots=True, kw_only=True)
class Heartbeat:
    """Either side to the other: are you there? The receiver answers PONG with the same
    token at once.
    """

    token: int
    """Any value; echoed back in PONG."""

    def __post_init__(self) -> None:
        check_uint("Heartbeat.token", self.token, 64)


@dataclass(frozen=True, slots=True, kw_only=True)
class Pong:
    """The answer to a HEARTBEAT."""

    token: int
    """The token of the HEARTBEAT being answered."""

    def __post_init__(self) -> None:
        check_uint("Pong.token", self.token, 64)


@dataclass(frozen=True, slots=True, kw_only=True)
class StatsRequest:
    """Monitor to daemon: send a STATS reply. The first one makes a connection a
    monitor; producers and workers may send it too.
    """


@dataclass(frozen=True, slots=True, kw_only=True)
class StatsReply:
    """Daemon to any peer: a snapshot of the daemon's state."""

    node_id: int
    """The daemon's node id, as carried in its task ids."""
    uptime_ms: int
    """Time since the daemon started."""
    total_submitted: int
    """Tasks accepted since start."""
    total_completed: int
    """Tasks finished with DONE."""
    total_failed: int
    """FAILED messages received."""
    total_retried: int
    """Tasks put back for another attempt after FAILED or a lost lease."""
    total_dead: int
    """Tasks moved to a dead-letter list."""
    total_lost_leases: int
    """Leases lost to a disconnect, missed heartbeats or an expired time-to-run."""
    current_producers: int
    """Connections whose role is producer."""
    current_workers: int
    """Connections whose role is worker."""
    current_monitors: int
    """Connections whose role is monitor."""
    wait_time: Percentiles
    """From a task becoming ready to its dispatch."""
    run_time: Percentiles
    """From dispatch to DONE or FAILED."""
    arena_capacity: int
    """Bytes the payload allocator holds in all."""
    arena_used: int
    """Bytes of the allocator in live blocks, counted by class size."""
    journal_bytes: int
    """Bytes of journal on disk; 0 when the journal is off."""
    journal_live_ppm: int
    """Share of the journal's records still needed for recovery, in parts per million; 0
    when the journal is off.
    """
    size_classes: tuple[SizeClassStats, ...]
    """Allocator occupancy per size class, smallest first."""
    queues: tuple[QueueStats, ...]
    """Every queue the daemon knows, in name order."""

    def __post_init__(self) -> None:
        check_uint("StatsReply.node_id", self.node_id, 16)
        check_uint("StatsReply.uptime_ms", self.uptime_ms, 64)
        check_uint("StatsReply.total_submitted", self.total_submitted, 64)
        check_uint("StatsReply.total_completed", self.total_completed, 64)
        check_uint("StatsReply.total_failed", self.total_failed, 64)
        check_uint("StatsReply.total_retried", self.total_retried, 64)
        check_uint("StatsReply.total_dead", self.total_dead, 64)
        check_uint("StatsReply.total_lost_leases", self.total_lost_leases, 64)
        check_uint("StatsReply.current_producers", self.current_producers, 32)
        check_uint("StatsReply.current_workers", self.current_workers, 32)
        check_uint("StatsReply.current_monitors", self.current_monitors, 32)
        check_record("StatsReply.wait_time", self.wait_time, Percentiles)
        check_record("StatsReply.run_time", self.run_time, Percentiles)
        check_uint("StatsReply.arena_capacity", self.arena_capacity, 64)
        check_uint("StatsReply.arena_used", self.arena_used, 64)
        check_uint("StatsReply.journal_bytes", self.journal_bytes, 64)
        check_uint("StatsReply.journal_live_ppm", self.journal_live_ppm, 32)
        for item in check_items("StatsReply.size_classes", self.size_classes, 255):
            check_record("StatsReply.size_classes item", item, SizeClassStats)
        for item in check_items("StatsReply.queues", self.queues, 65535):
            check_record("StatsReply.queues item", item, QueueStats)


@dataclass(frozen=True, slots=True, kw_only=True)
class Peers:
    """Daemon to worker: the public addresses of every daemon in the sending daemon's
    group, itself included. Sent once per connection, right after the first READY, and
    only by a daemon started with a group, so a worker that reached it through a load
    balancer can attach to every member directly. A daemon without a group never sends
    it.
    """

    addresses: tuple[str, ...]
    """Each member's address as host:port, written as the operator gave it, in the
    operator's order; no address appears twice.
    """

    def __post_init__(self) -> None:
        for item in check_items("Peers.addresses", self.addresses, 255):
            check_text("Peers.addresses item", item, 255)


Message: TypeAlias = (
    Submit
    | Ok
    | Error
    | Ready
    | Task
    | Wait
    | Touch
    | Done
    | Failed
    | Heartbeat
    | Pong
    | StatsRequest
    | StatsReply
    | Peers
)
"""Any Quicx message: what encode() takes and feed() returns."""
