"""What every system runner provides, and the stop helpers they share.

A runner knows one system: which server it needs, how a producer submits,
and how a worker takes and acknowledges tasks. Everything else (processes,
pacing, timing, counting) is the driver's, so every system runs the same
workload. Runner methods run inside the benchmark's child processes.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Protocol

from ._measure import Recorder
from ._servers import Address

__all__ = [
    "QUEUE",
    "Runner",
    "StopFlag",
    "Submitter",
    "WorkerContext",
    "WorkerStopped",
    "interrupting_main",
    "when_stopped",
]

# The one queue (tube) every system uses.
QUEUE = "bench"

# How often a waiting thread looks again, so no wait is unbounded.
_WATCH_STEP_S = 0.5


class StopFlag(Protocol):
    """The driver's stop signal: a ``multiprocessing.Event`` in practice."""

    def is_set(self) -> bool: ...

    def wait(self, timeout: float | None = None) -> bool: ...


class Submitter(Protocol):
    """A connected producer."""

    retries: int
    """Submits the server refused for now and that were sent again."""

    def submit(self, payload: bytes) -> None:
        """Submit one task and return once the server has accepted it."""

    def submit_many(self, payloads: list[bytes]) -> None:
        """Submit a batch, pipelined where the system allows it."""

    def close(self) -> None:
        """Disconnect."""


@dataclass(frozen=True)
class WorkerContext:
    """What a worker process gets from the driver."""

    recorder: Recorder
    """Call ``recorder.done(payload)`` once each task is acknowledged."""
    ready: Callable[[], None]
    """Call once connected, just before taking the first task."""
    stop: StopFlag
    """Set by the driver once every submitted task is done."""


class Runner(Protocol):
    """One system (or one way of using it) under test."""

    label: str
    """The row name in reports, such as ``beanstalkd``."""
    server: str
    """Which server to start: one of ``SERVER_KINDS``."""
    window: int
    """Submits per ``submit_many`` batch and tasks a worker may hold;
    1 means one task at a time, waiting for each reply."""

    def open_producer(self, address: Address) -> Submitter:
        """Connect a producer to the server at ``address``."""

    def run_worker(self, address: Address, context: WorkerContext) -> None:
        """Take and acknowledge tasks until ``context.stop`` is set."""


class WorkerStopped(Exception):
    """Raised in a worker's main thread to end its loop once the run is over."""


@contextlib.contextmanager
def when_stopped(stop: StopFlag, action: Callable[[], None]) -> Iterator[None]:
    """Call ``action`` from a helper thread once ``stop`` is set.

    The thread gives up when the block ends, so it never outlives the loop
    it was meant to stop.
    """
    finished = threading.Event()

    def watch() -> None:
        while not finished.is_set():
            if stop.wait(_WATCH_STEP_S):
                action()
                return

    watcher = threading.Thread(target=watch, name="stop-watcher", daemon=True)
    watcher.start()
    try:
        yield
    finally:
        finished.set()
        watcher.join(_WATCH_STEP_S * 2)


@contextlib.contextmanager
def interrupting_main(stop: StopFlag, signum: int | None = None) -> Iterator[None]:
    """Interrupt the main thread with a signal once ``stop`` is set.

    With ``signum`` None, SIGUSR1 is sent and handled by raising
    :class:`WorkerStopped`, which ends a blocking receive; give the signal a
    library already handles (rq and arq stop gracefully on SIGTERM) to let
    it shut down its own way. The signal goes to the main thread itself, so
    a blocking system call there is interrupted.
    """
    main = threading.main_thread().ident
    assert main is not None
    if signum is None:
        signum = signal.SIGUSR1
        previous = signal.signal(signum, _raise_stopped)
    else:
        previous = signal.getsignal(signum)
    try:
        with when_stopped(stop, lambda: signal.pthread_kill(main, signum)):
            yield
    finally:
        signal.signal(signum, previous)


def _raise_stopped(signum: int, frame: object) -> None:
    raise WorkerStopped
