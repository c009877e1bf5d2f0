"""How a worker runs: the settings both worker engines take."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["WorkerConfig"]


@dataclass(frozen=True, slots=True, kw_only=True)
class WorkerConfig:
    """Everything a worker runs with; times are in seconds."""

    addresses: tuple[str, ...]
    """The daemons served, all at once, or balancers in front of them."""
    queues: tuple[str, ...] = ("default",)
    """The queues served on every daemon."""
    concurrency: int = 1
    """Handlers running at once."""
    prefetch: int = 1
    """Tasks each daemon may send beyond ``concurrency``; they wait here for a
    handler, so one is at hand as soon as a handler finishes."""
    auto_touch: bool = True
    """TOUCH each held task when half its time-to-run has passed."""
    stop_timeout: float | None = None
    """After stop(), how long running handlers may take; None waits for them."""
    liveness: float = 10.0
    """Silence after which the daemon is probed; twice this drops it."""
    reconnect_base: float = 0.1
    """First pause before reconnecting; it doubles up to ``reconnect_cap``."""
    reconnect_cap: float = 5.0
    """Longest pause before reconnecting, before jitter."""
    connect_timeout: float = 5.0
    """How long one TCP connection attempt may take."""
    follow_peers: bool = True
    """Serve every daemon a PEERS names too; False serves ``addresses`` only."""

    def __post_init__(self) -> None:
        if not 1 <= self.concurrency <= 0xFFFF_FFFF:
            raise ValueError(f"concurrency must be at least 1, not {self.concurrency}")
        if not 0 <= self.prefetch <= 0xFFFF_FFFF - self.concurrency:
            raise ValueError(f"prefetch must not be negative, not {self.prefetch}")
        if self.liveness <= 0 or self.connect_timeout <= 0:
            raise ValueError("liveness and connect_timeout must be positive")
        if not 0 < self.reconnect_base <= self.reconnect_cap:
            raise ValueError("reconnect_base must be positive and at most the cap")

    @property
    def credit(self) -> int:
        """The credit READY gives each daemon."""
        return self.concurrency + self.prefetch
