"""Helpers for end-to-end client tests against real daemons.

Waiting is polling with a deadline: STATS is asked for every few
milliseconds until a condition holds, and the test fails with the last reply
when the deadline passes.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Callable, Iterator

from quicx_client import Monitor, Worker, stats_dict
from quicx_proto import QueueStats, StatsReply

__all__ = [
    "POLL",
    "dead_address",
    "queue_stats",
    "running",
    "wait_for",
    "wait_until",
]

POLL = 0.01
"""Seconds between two polls."""
DEADLINE = 30.0


def wait_for(
    address: str,
    condition: Callable[[StatsReply], bool],
    *,
    timeout: float = DEADLINE,
) -> StatsReply:
    """Poll the daemon's STATS until ``condition`` holds; return that reply."""
    deadline = time.monotonic() + timeout
    with Monitor(address) as monitor:
        while True:
            stats = monitor.snapshot()
            if condition(stats):
                return stats
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"STATS never matched within {timeout} s: {_brief(stats)}"
                )
            time.sleep(POLL)


def wait_until(condition: Callable[[], bool], *, timeout: float = DEADLINE) -> None:
    """Poll ``condition`` until it holds, failing after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout} s")
        time.sleep(POLL)


def dead_address() -> str:
    """A loopback address where nothing listens (a port just freed)."""
    with socket.create_server(("127.0.0.1", 0)) as sock:
        host, port = sock.getsockname()[:2]
    return f"{host}:{port}"


def queue_stats(stats: StatsReply, name: str) -> QueueStats:
    """The STATS entry of queue ``name``."""
    (found,) = [queue for queue in stats.queues if queue.name == name]
    return found


@contextlib.contextmanager
def running(worker: Worker) -> Iterator[Worker]:
    """Run ``worker`` in a thread; stop it and check it returned at exit."""
    failures: list[BaseException] = []

    def run() -> None:
        try:
            worker.run()
        except BaseException as exc:
            failures.append(exc)

    thread = threading.Thread(target=run, name="quicx-worker", daemon=True)
    thread.start()
    try:
        yield worker
    finally:
        worker.stop()
        thread.join(20)
    assert not thread.is_alive(), "the worker did not stop"
    assert not failures, failures


def _brief(stats: StatsReply) -> dict[str, object]:
    """The reply without its long list of size classes, for failure messages."""
    return {k: v for k, v in stats_dict(stats).items() if k != "size_classes"}
