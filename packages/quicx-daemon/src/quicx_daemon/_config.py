"""The daemon's settings: one dataclass for the broker, one for the whole daemon.

Both validate themselves when built and raise :class:`ValueError` with a
message that names the setting, so the command line can turn a bad value into
a one-line error.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from ._peers import check_peers

__all__ = [
    "FSYNC_POLICIES",
    "BrokerConfig",
    "DaemonConfig",
    "JournalConfig",
    "parse_fsync",
    "parse_size",
]

MiB = 1 << 20
TASK_ID_NODE_BITS = 16

_SIZE = re.compile(r"^\s*(\d+)\s*([kmg]i?b?|b)?\s*$", re.IGNORECASE)
_UNITS = {"": 1, "b": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30}


def parse_size(text: str) -> int:
    """Parse a byte size such as ``4096``, ``64KiB``, ``64MiB`` or ``1g``.

    Units are binary whatever their spelling (``k``, ``KB`` and ``KiB`` are all
    1024 bytes).

    :param text: the size as written on the command line.
    :raises ValueError: when ``text`` is not a size.
    """
    match = _SIZE.match(text)
    if match is None:
        raise ValueError(f"{text!r} is not a size (try 4096, 64KiB or 64MiB)")
    number, unit = match.groups()
    return int(number) * _UNITS[(unit or "")[:1].lower()]


FSYNC_POLICIES = ("always", "interval", "never")


def parse_fsync(text: str) -> tuple[str, float]:
    """Parse ``--fsync``: ``always``, ``never`` or ``interval:MS``.

    :returns: the policy and, for ``interval``, the interval in seconds (else 0).
    :raises ValueError: when ``text`` is none of those.
    """
    policy, _, ms = text.partition(":")
    if policy in ("always", "never") and not ms:
        return policy, 0.0
    if policy == "interval" and ms.isdigit() and int(ms) > 0:
        return policy, int(ms) / 1000
    raise ValueError(f"--fsync wants always, never or interval:MS, not {text!r}")


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise ValueError(message)


@dataclass(frozen=True, slots=True, kw_only=True)
class BrokerConfig:
    """What the broker needs to decide; times are in seconds."""

    node_id: int = 0
    """High 16 bits of every task id this daemon hands out."""
    max_payload: int = MiB
    """Largest SUBMIT payload accepted; larger ones get payload_too_large."""
    default_ttr: float = 60.0
    """Time-to-run of a task submitted with ttr_ms 0."""
    default_max_attempts: int = 5
    """Attempt limit of a task submitted with max_attempts 0."""
    max_dead: int = 10_000
    """Dead letters kept in all; beyond it the oldest is evicted."""
    queue_limit: int = 0
    """Waiting (ready plus delayed) tasks per queue before queue_full; 0 is none."""
    backoff_base: float = 1.0
    """Retry backoff after the first attempt; it doubles with each attempt."""
    backoff_cap: float = 300.0
    """Retry backoff never exceeds this, before jitter."""
    retry_after_ms: int = 100
    """Hint sent with out_of_memory and queue_full."""
    drain_retry_after_ms: int = 1000
    """Hint sent with shutting_down."""
    stats_window: int = 10_000
    """Samples kept for the wait and run time percentiles."""

    def __post_init__(self) -> None:
        _require(
            0 <= self.node_id < 1 << TASK_ID_NODE_BITS,
            f"node id must be 0..65535, not {self.node_id}",
        )
        _require(self.max_payload >= 1, "max payload must be at least 1 byte")
        _require(self.default_ttr > 0, "default ttr must be positive")
        _require(
            1 <= self.default_max_attempts <= 0xFFFF,
            "max attempts must be 1..65535",
        )
        _require(self.max_dead >= 0, "max dead must not be negative")
        _require(self.queue_limit >= 0, "queue limit must not be negative")
        _require(
            0 < self.backoff_base <= self.backoff_cap, "backoff base must be 0..cap"
        )
        _require(self.stats_window >= 1, "stats window must be at least 1")


@dataclass(frozen=True, slots=True, kw_only=True)
class JournalConfig:
    """Where and how the journal keeps tasks on disk (spec/PROTOCOL.md,
    "Durability")."""

    data_dir: Path
    """The directory of segment files; created if missing."""
    fsync: str = "always"
    """always: OK waits for the disk; interval: at most ``fsync_interval`` of
    acknowledged work can be lost to a machine crash; never: the OS decides."""
    fsync_interval: float = 0.0
    """Seconds between syncs under ``interval``."""
    repair: bool = False
    """Skip damage in the middle of the journal instead of refusing to start."""
    segment_size: int = 64 * MiB
    """A segment file is closed and a new one started past this size."""
    compact_below: float = 0.5
    """Compact when the live share of the journal falls below this..."""
    compact_min: int = 64 * MiB
    """...and the journal holds at least this many bytes."""
    retry_after_ms: int = 1000
    """Hint sent with journal_unavailable; also how often a failed journal
    tries to write again."""

    def __post_init__(self) -> None:
        _require(self.fsync in FSYNC_POLICIES, "fsync must be always, interval, never")
        _require(
            (self.fsync == "interval") == (self.fsync_interval > 0),
            "an fsync interval goes with the interval policy, and only with it",
        )
        _require(self.segment_size >= 4096, "segment size must be at least 4 KiB")
        _require(0 < self.compact_below < 1, "compact-below must be between 0 and 1")
        _require(self.compact_min >= 0, "compact-min must not be negative")
        _require(self.retry_after_ms >= 1, "retry_after_ms must be at least 1")


@dataclass(frozen=True, slots=True, kw_only=True)
class DaemonConfig:
    """Everything the daemon is started with; times are in seconds."""

    host: str = "127.0.0.1"
    port: int = 7878
    memory: int = 64 * MiB
    """Size of the payload arena."""
    heartbeat: float = 5.0
    """A peer silent for this long is sent HEARTBEAT."""
    heartbeat_misses: int = 3
    """A peer silent for this many intervals is dropped."""
    drain_grace: float = 10.0
    """How long a drain waits for queued and leased tasks before exiting."""
    max_send_buffer: int = 16 * MiB
    """Bytes queued for one slow reader before its connection is dropped."""
    backend: str = "asyncio"
    """The anyio backend: asyncio (with uvloop when installed) or trio."""
    peers: tuple[str, ...] = ()
    """Public ``host:port`` of every daemon in this one's group, itself
    included; sent to each worker in PEERS. Empty: no group, no PEERS."""
    broker: BrokerConfig = field(default_factory=BrokerConfig)
    journal: JournalConfig | None = None
    """Keep tasks on disk; None (the default) keeps them in memory only."""

    def __post_init__(self) -> None:
        _require(0 <= self.port <= 0xFFFF, f"port must be 0..65535, not {self.port}")
        _require(self.memory >= 1, "memory must be at least 1 byte")
        _require(self.heartbeat > 0, "heartbeat interval must be positive")
        _require(self.heartbeat_misses >= 1, "heartbeat misses must be at least 1")
        _require(self.drain_grace >= 0, "drain grace must not be negative")
        _require(
            self.max_send_buffer >= self.max_frame_body,
            "max send buffer must hold at least one largest frame",
        )
        _require(self.backend in ("asyncio", "trio"), "backend must be asyncio or trio")
        check_peers(self.peers)

    @property
    def max_frame_body(self) -> int:
        """The largest frame body accepted: max payload plus 1024 bytes."""
        return self.broker.max_payload + 1024
