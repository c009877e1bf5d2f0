"""Workers: :class:`Worker` runs plain functions in threads, :class:`AsyncWorker`
runs coroutine functions on anyio.

The sync worker is a thin shell over the same anyio core as the async one,
rather than over plain sockets like the sync producer: a worker serves
several daemons at once, keeps leases alive on timers, reconnects on its own
and hands tasks to a pool of threads, which is what an event loop is for. The
loop runs in the thread that calls :meth:`Worker.run` (on uvloop when it is
installed); handlers run in ``concurrency`` threads of the worker's own
(:mod:`._handler_threads`).
"""

from __future__ import annotations

import contextlib
import importlib.util
import inspect
import logging
import signal
import threading
from collections.abc import Awaitable, Callable, Sequence

import anyio
import anyio.from_thread
import anyio.lowlevel

from ._address import addresses_of
from ._handler_threads import HandlerThreads
from ._task import Task
from ._worker_core import WorkerConfig, WorkerCore
from ._worker_protocol import check_queues

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
        self._core = WorkerCore(config, handler, threaded=False)
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
    threads, ``concurrency`` at a time, and :meth:`run` blocks.
    :meth:`run` may be called from any thread (signal handlers are installed
    only in the main thread) and :meth:`stop` from any thread, even before
    :meth:`run` started. A worker runs once: after a stop, :meth:`run`
    returns at once.
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
        self._handler = handler
        self._core = WorkerCore(config, self._run_in_thread, threaded=True)
        self._handle_signals = handle_signals
        self._lock = threading.Lock()
        self._stopped = False
        self._token: anyio.lowlevel.EventLoopToken | None = None
        self._loop_thread: int | None = None
        self._threads: HandlerThreads | None = None

    def run(self, *, backend: str = "asyncio") -> None:
        """Serve tasks until :meth:`stop`, SIGINT or SIGTERM; blocks meanwhile.

        :param backend: the anyio backend to run the loop on; asyncio runs on
            uvloop when it is installed.
        """
        options = {}
        if backend == "asyncio" and importlib.util.find_spec("uvloop"):
            options["use_uvloop"] = True
        anyio.run(self._main, backend=backend, backend_options=options)

    def stop(self) -> None:
        """Stop taking tasks; run() returns once running handlers finished.

        Safe from any thread, including a handler's.
        """
        with self._lock:
            self._stopped = True
            token, loop_thread = self._token, self._loop_thread
        if token is None:
            return
        if threading.get_ident() == loop_thread:
            self._core.stop()
            return
        with contextlib.suppress(anyio.RunFinishedError):
            anyio.from_thread.run_sync(self._core.stop, token=token)

    async def _main(self) -> None:
        with self._lock:
            if self._stopped:
                return
            self._token = anyio.lowlevel.current_token()
            self._loop_thread = threading.get_ident()
        self._threads = HandlerThreads(self._handler, self._core.config.concurrency)
        self._threads.start()
        try:
            await _serve(self._core, self._handle_signals)
        finally:
            self._threads.stop()
            with self._lock:
                self._token = self._loop_thread = None

    async def _run_in_thread(self, task: Task) -> bytes | None:
        assert self._threads is not None
        return await self._threads.run(task)


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
