"""Compare two runs of one scenario: the fields that vary, and what may be checked.

spec/PROTOCOL.md section 18, "Fields that vary between runs", lists the fields
a conforming daemon may fill differently on the same script. :data:`VARIABLE`
is that table as code, the only place the suite relaxes a comparison:

- a task id becomes ``task#N``, N its rank among the ids the daemon handed
  out in the run (ids rise in submit order, so the same task gets the same
  rank); an id the daemon never handed out, such as a made-up one in a DONE,
  stays as it is;
- a HEARTBEAT token the daemon chose becomes ``token#N``, and so does the
  PONG that echoes it;
- every other listed field becomes ``*``.

:func:`shape_problems` checks what that section still fixes about those
fields, and section 5's rules for every ERROR: retry_after_ms, task_id, and a
closing code being the daemon's last frame before it closes.
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Iterator, Sequence

from quicx_proto import (
    Done,
    Error,
    ErrorCode,
    Failed,
    Heartbeat,
    Ok,
    Percentiles,
    Pong,
    QueueStats,
    StatsReply,
    Task,
    Touch,
)

from conformance.frames import Stream
from conformance.traffic import Conversation

__all__ = [
    "CLOSING_CODES",
    "RETRY_AFTER_MS",
    "TASK_CODES",
    "VARIABLE",
    "VARIABLE_RETRY",
    "normalized",
    "shape_problems",
]

TASK_ID, TOKEN, ANY = "task id", "daemon token", "any"
RETRY = "any for journal_unavailable"
NODE_SHIFT = 48

# spec/PROTOCOL.md section 18; (message class, field) -> how it is compared.
VARIABLE: dict[tuple[type, str], str] = {
    (Ok, "task_id"): TASK_ID,
    (Error, "task_id"): TASK_ID,
    (Task, "task_id"): TASK_ID,
    (Touch, "task_id"): TASK_ID,
    (Done, "task_id"): TASK_ID,
    (Failed, "task_id"): TASK_ID,
    (Heartbeat, "token"): TOKEN,
    (Pong, "token"): TOKEN,
    (Error, "message"): ANY,
    (Error, "retry_after_ms"): RETRY,
    (StatsReply, "uptime_ms"): ANY,
    (StatsReply, "node_id"): ANY,
    (Percentiles, "p50_us"): ANY,
    (Percentiles, "p90_us"): ANY,
    (Percentiles, "p99_us"): ANY,
    (Percentiles, "p999_us"): ANY,
    (Percentiles, "max_us"): ANY,
    (QueueStats, "oldest_age_ms"): ANY,
    (StatsReply, "arena_capacity"): ANY,
    (StatsReply, "arena_used"): ANY,
    (StatsReply, "size_classes"): ANY,
    (StatsReply, "journal_bytes"): ANY,
    (StatsReply, "journal_live_ppm"): ANY,
}
# ERROR.retry_after_ms varies for journal_unavailable only; section 5 fixes the rest.
RETRY_AFTER_MS = {
    ErrorCode.OUT_OF_MEMORY: 100,
    ErrorCode.QUEUE_FULL: 100,
    ErrorCode.SHUTTING_DOWN: 1000,
}
VARIABLE_RETRY = {ErrorCode.JOURNAL_UNAVAILABLE}
CLOSING_CODES = {
    ErrorCode.MALFORMED_FRAME,
    ErrorCode.UNSUPPORTED_VERSION,
    ErrorCode.UNKNOWN_MESSAGE_TYPE,
    ErrorCode.FRAME_TOO_LARGE,
    ErrorCode.NOT_ALLOWED_FOR_ROLE,
    ErrorCode.HEARTBEAT_TIMEOUT,
}
TASK_CODES = {ErrorCode.UNKNOWN_TASK, ErrorCode.LEASE_EXPIRED, ErrorCode.INTERNAL_ERROR}


def normalized(conversations: Sequence[Conversation]) -> list[dict[str, object]]:
    """Each conversation as comparable data, variable fields replaced."""
    ids = _task_ranks(conversations)
    tokens = _daemon_tokens(conversations)
    return [
        {
            "sent": _stream(conv.sent, ids, tokens),
            "received": _stream(conv.received, ids, tokens),
            "closed_by": conv.closed_by,
            "close_kind": conv.close_kind,
        }
        for conv in conversations
    ]


def shape_problems(conversations: Sequence[Conversation]) -> list[str]:
    """What the daemon's frames break of sections 5 and 18; empty when nothing."""
    problems: list[str] = []
    nodes = {task_id >> NODE_SHIFT for task_id in _handed_out(conversations)}
    nodes |= {
        frame.message.node_id
        for conv in conversations
        for frame in conv.received.frames
        if isinstance(frame.message, StatsReply)
    }
    if len(nodes) > 1:
        problems.append(f"task ids and STATS name several node ids: {sorted(nodes)}")
    for conv in conversations:
        where = f"connection {conv.number}"
        problems += [f"{where}: {p}" for p in _conversation_problems(conv)]
    return problems


def _conversation_problems(conv: Conversation) -> Iterator[str]:
    messages = [frame.message for frame in conv.received.frames]
    oks = [m.task_id for m in messages if isinstance(m, Ok)]
    if any(task_id == 0 for task_id in oks):
        yield "an OK carries task id 0"
    if oks != sorted(set(oks)):
        yield f"OK task ids do not rise in submit order: {oks}"
    uptimes = [m.uptime_ms for m in messages if isinstance(m, StatsReply)]
    if uptimes != sorted(uptimes):
        yield f"STATS uptime_ms goes down: {uptimes}"
    for index, message in enumerate(messages):
        if isinstance(message, StatsReply):
            yield from (f"frame {index + 1}: {p}" for p in _stats_problems(message))
        if isinstance(message, Error):
            last = index == len(messages) - 1
            yield from (
                f"frame {index + 1}: {p}" for p in _error_problems(message, last, conv)
            )


def _error_problems(error: Error, last: bool, conv: Conversation) -> Iterator[str]:
    name = error.code.name.lower()
    if error.code in VARIABLE_RETRY:
        if error.retry_after_ms == 0:
            yield f"{name} with retry_after_ms 0"
    elif error.retry_after_ms != RETRY_AFTER_MS.get(error.code, 0):
        yield f"{name} with retry_after_ms {error.retry_after_ms}"
    if error.code not in TASK_CODES and error.task_id != 0:
        yield f"{name} with task_id {error.task_id}, not 0"
    if error.code in CLOSING_CODES and not (last and conv.closed_by == "daemon"):
        yield f"{name} is a closing code, but the daemon did not close after it"


def _stats_problems(stats: StatsReply) -> Iterator[str]:
    for label, window in (("wait_time", stats.wait_time), ("run_time", stats.run_time)):
        values = [
            window.p50_us,
            window.p90_us,
            window.p99_us,
            window.p999_us,
            window.max_us,
        ]
        if values != sorted(values):
            yield f"{label} percentiles are not in order: {values}"
        if window.count == 0 and any(values):
            yield f"{label} has values but count 0"
    for queue in stats.queues:
        if queue.depth == 0 and queue.oldest_age_ms != 0:
            age = queue.oldest_age_ms
            yield f"queue {queue.name!r} has depth 0 but oldest_age_ms {age}"


def _handed_out(conversations: Sequence[Conversation]) -> set[int]:
    """Every task id the daemon announced, in an OK or a TASK."""
    return {
        frame.message.task_id
        for conv in conversations
        for frame in conv.received.frames
        if isinstance(frame.message, Ok | Task)
    }


def _task_ranks(conversations: Sequence[Conversation]) -> dict[int, str]:
    ordered = sorted(_handed_out(conversations))
    return {task_id: f"task#{rank}" for rank, task_id in enumerate(ordered, start=1)}


def _daemon_tokens(conversations: Sequence[Conversation]) -> dict[int, str]:
    tokens: dict[int, str] = {}
    for conv in conversations:
        for frame in conv.received.frames:
            if isinstance(frame.message, Heartbeat):
                tokens.setdefault(frame.message.token, f"token#{len(tokens) + 1}")
    return tokens


def _stream(
    stream: Stream, ids: dict[int, str], tokens: dict[int, str]
) -> list[object]:
    items: list[object] = [
        _value(frame.message, ids, tokens) for frame in stream.frames
    ]
    if stream.refusal is not None:
        refusal = stream.refusal
        items.append({"refused": refusal.code.name, "bytes": refusal.data.hex()})
    return items


def _value(value: object, ids: dict[int, str], tokens: dict[int, str]) -> object:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        out: dict[str, object] = {"type": type(value).__name__}
        for f in dataclasses.fields(value):
            item = getattr(value, f.name)
            rule = VARIABLE.get((type(value), f.name))
            if rule:
                out[f.name] = _apply(rule, value, item, ids, tokens)
            else:
                out[f.name] = _value(item, ids, tokens)
        return out
    if isinstance(value, tuple):
        return [_value(item, ids, tokens) for item in value]
    if isinstance(value, enum.Enum):
        return value.name
    return value


def _apply(
    rule: str, owner: object, value: object, ids: dict[int, str], tokens: dict[int, str]
) -> object:
    if rule == RETRY:
        assert isinstance(owner, Error)
        return "*" if owner.code in VARIABLE_RETRY else value
    if rule == TASK_ID:
        assert isinstance(value, int)
        return ids.get(value, value)
    if rule == TOKEN:
        assert isinstance(value, int)
        return tokens.get(value, value)
    return "*"
