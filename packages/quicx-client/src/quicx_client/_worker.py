"""Workers: :class:`Worker` runs plain functions in threads, :class:`AsyncWorker`
runs coroutine functions on anyio.

The async worker runs on an anyio event loop (:mod:`._worker_core`); the
sync worker on threads and blocking sockets (:mod:`._worker_threads`). Both
decide the same way what a handler's outcome sends
(:mod:`._worker_answers`), what a daemon's group changes
(:mod:`._worker_group`) and what the protocol allows
(:mod:`._worker_protocol`).
"""

from __future__ import annotations

import inspect
import logging
import signal
import threading
from collections.abc import Awaitable, Callable, Sequence
from types import FrameType

import anyio

from ._address import addresses_of
from ._task import Task
from ._worker_config import WorkerConfig
from ._worker_core import WorkerCore
from ._worker_protocol import check_queues
from ._worker_threads import ThreadEngine

__all__ = ["AsyncWorker", "Worker"]

logger = logging.getLogger(__name__)

SyncHandler = Callable[[Task], bytes | None]
AsyncHandler = Callable[[Task], Awaitable[bytes | None]]


def _config(
    addresses: str | Sequence[str],
    queues: Sequence[str],
    concurrency: int,
    prefetch: int | None,
    auto_touch: bool,
    stop_timeout: float | None,
    follow_peers: bool,
) -> WorkerConfig:
    return WorkerConfig(
        addresses=addresses_of(addresses),
        queues=check_queues(queues),
        concurrency=concurrency,
        prefetch=concurrency if prefetch is None else prefetch,
        auto_touch=auto_touch,
        stop_timeout=stop_timeout,
        follow_peers=follow_peers,
    )


class AsyncWorker:
    """Run an async handler for every task of some queues, on every daemon given.

    ``await worker.run()`` serves until :meth:`stop` is called or, when it
    runs in the main thread, until SIGINT or SIGTERM. A first stop lets the
    running handlers finish; a second signal cancels them.

    :param addresses: ``host:port`` of a daemon, or a list: all are served.
        A load balancer's address works too when its daemons have a group
        (``quicx-daemon --peers``): see ``follow_peers``.
    :param handler: ``async def handler(task) -> bytes | None``. Returning
        finishes the task as DONE with the result; raising finishes it as
        FAILED with the exception as the reason (retried, unless it is a
        :class:`PermanentError`).
    :param queues: the queues to take tasks from, on every daemon.
    :param concurrency: handlers running at once.
    :param prefetch: tasks each daemon may send beyond ``concurrency``, so
        the next ones are here when a handler finishes (the daemon's credit is
        the sum); None is as many as ``concurrency``, 0 none. Tasks received
        but not started when the worker stops go back to their queues, with
        that delivery counted as an attempt.
    :param auto_touch: TOUCH tasks still running after half their
        time-to-run, so long tasks keep their lease.
    :param stop_timeout: how long handlers may run after a stop; None waits.
    :param handle_signals: install SIGINT/SIGTERM handlers when run in the
        main thread.
    :param follow_peers: when a daemon names its group (PEERS), serve every
        member over a direct connection too, and pause a connection that
        reached the group through a balancer; False serves ``addresses`` only.
    """

    def __init__(
        self,
        addresses: str | Sequence[str],
        handler: AsyncHandler,
        *,
        queues: Sequence[str] = ("default",),
        concurrency: int = 1,
        prefetch: int | None = None,
        auto_touch: bool = True,
        stop_timeout: float | None = None,
        handle_signals: bool = True,
        follow_peers: bool = True,
    ) -> None:
        if not inspect.iscoroutinefunction(handler):
            raise TypeError("AsyncWorker needs an async handler; use Worker instead")
        config = _config(
            addresses,
            queues,
            concurrency,
            prefetch,
            auto_touch,
            stop_timeout,
            follow_peers,
        )
        self._core = WorkerCore(config, handler)
        self._handle_signals = handle_signals

    async def run(self) -> None:
        """Serve tasks until stopped."""
        await _serve(self._core, self._handle_signals)

    def stop(self) -> None:
        """Stop taking tasks; run() returns once running handlers finished.

        Call it from the event loop running :meth:`run`.
        """
        self._core.stop()


class Worker:
    """Run a plain function for every task of some queues, on every daemon given.

    Same as :class:`AsyncWorker`, but the handler is a plain function run in
    ``concurrency`` threads, and :meth:`run` blocks. It runs on threads and
    blocking sockets rather than an event loop (:mod:`._worker_threads`
    says why). :meth:`run` may be called from any thread (signal handlers
    are installed only in the main thread) and :meth:`stop` from any thread,
    a handler's included, even before :meth:`run` started. A worker runs
    once: after a stop, :meth:`run` returns at once. A second signal stops
    without waiting for running handlers: their tasks go back to their
    queues, and their threads, which cannot be cancelled, are left to end
    unheard.
    """

    def __init__(
        self,
        addresses: str | Sequence[str],
        handler: SyncHandler,
        *,
        queues: Sequence[str] = ("default",),
        concurrency: int = 1,
        prefetch: int | None = None,
        auto_touch: bool = True,
        stop_timeout: float | None = None,
        handle_signals: bool = True,
        follow_peers: bool = True,
    ) -> None:
        if inspect.iscoroutinefunction(handler):
            raise TypeError("Worker needs a plain handler; use AsyncWorker instead")
        config = _config(
            addresses,
            queues,
            concurrency,
            prefetch,
            auto_touch,
            stop_timeout,
            follow_peers,
        )
        self._engine = ThreadEngine(config, handler)
        self._handle_signals = handle_signals
        self._signalled = False

    def run(self) -> None:
        """Serve tasks until :meth:`stop`, SIGINT or SIGTERM; blocks meanwhile."""
        in_main = threading.current_thread() is threading.main_thread()
        if not self._handle_signals or not in_main:
            self._engine.run()
            return
        previous = {
            signum: signal.signal(signum, self._on_signal)
            for signum in (signal.SIGINT, signal.SIGTERM)
        }
        try:
            self._engine.run()
        finally:
            for signum, handler in previous.items():
                signal.signal(signum, handler)

    def stop(self) -> None:
        """Stop taking tasks; run() returns once running handlers finished.

        Safe from any thread, including a handler's.
        """
        self._engine.stop()

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        # A signal handler interrupts the main thread wherever it is, maybe
        # holding one of the engine's locks, so the stop runs in a thread.
        name = signal.Signals(signum).name
        second, self._signalled = self._signalled or self._engine.stopping, True
        if second:
            logger.warning("second %s: not waiting for running handlers", name)
            target = self._engine.abort
        else:
            logger.info("%s: finishing running tasks, then stopping", name)
            target = self._engine.stop
        threading.Thread(target=target, name="quicx-stop", daemon=True).start()


async def _serve(core: WorkerCore, handle_signals: bool) -> None:
    """Run ``core``, turning SIGINT/SIGTERM into stop, then abort."""
    if not handle_signals or threading.current_thread() is not threading.main_thread():
        await core.run()
        return
    async with anyio.create_task_group() as tasks:
        tasks.start_soon(_watch_signals, core)
        await core.run()
        tasks.cancel_scope.cancel()


async def _watch_signals(core: WorkerCore) -> None:
    with anyio.open_signal_receiver(signal.SIGINT, signal.SIGTERM) as signals:
        async for signum in signals:
            if core.stopping:
                logger.warning("second %s: cancelling running handlers", signum.name)
                core.abort()
            else:
                logger.info("%s: finishing running tasks, then stopping", signum.name)
                core.stop()
