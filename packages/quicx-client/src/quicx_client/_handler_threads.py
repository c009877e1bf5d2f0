"""Threads that run a plain handler for the sync worker's event loop.

``anyio.to_thread.run_sync`` hands every call to a pooled thread and back,
with a capacity limiter, a cancel scope and a wake-up of the loop per call;
for a handler that does little, that hand-off was the larger part of a
worker's time. Here ``count`` threads live as long as the worker and take
tasks from one queue. A finished task is reported to the loop in a batch: the
first thread to finish schedules one call on the loop, and every task that
finishes before that call runs rides along with it. A thread that finds the
queue already holds the next task goes straight on to it. Draining a backlog
with one handler thread on the project's two-core machine, these threads and
uvloop together took a worker from about 190 to about 100 us of CPU per task.
"""

from __future__ import annotations

import asyncio
import queue
import threading
from collections.abc import Callable

import anyio

from ._task import Task

__all__ = ["HandlerThreads"]

Handler = Callable[[Task], bytes | None]


class _Job:
    """One task for a handler thread, and its outcome."""

    __slots__ = ("done", "error", "result", "task")

    def __init__(self, task: Task) -> None:
        self.task = task
        self.done = anyio.Event()
        self.result: bytes | None = None
        self.error: BaseException | None = None


class HandlerThreads:
    """``count`` threads running ``handler``, started and stopped with the loop.

    Create it, then :meth:`start` it, on the event loop that awaits
    :meth:`run`.
    """

    def __init__(self, handler: Handler, count: int) -> None:
        self._handler = handler
        self._count = count
        self._jobs: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._finished: list[_Job] = []
        self._lock = threading.Lock()
        self._call_soon: Callable[[Callable[[], None]], object] | None = None

    def start(self) -> None:
        """Start the threads; call it on the event loop."""
        self._call_soon = _threadsafe_call_soon()
        for number in range(self._count):
            thread = threading.Thread(
                target=self._serve, name=f"quicx-handler-{number}", daemon=True
            )
            thread.start()

    def stop(self) -> None:
        """Let each thread end once the tasks queued before this are done."""
        for _ in range(self._count):
            self._jobs.put(None)

    async def run(self, task: Task) -> bytes | None:
        """Run the handler on ``task`` in a thread; return or raise what it did.

        If the caller is cancelled, the handler still runs to its end in its
        thread and its outcome is dropped.
        """
        job = _Job(task)
        self._jobs.put(job)
        await job.done.wait()
        if job.error is not None:
            raise job.error
        return job.result

    def _serve(self) -> None:
        while (job := self._jobs.get()) is not None:
            try:
                job.result = self._handler(job.task)
            except BaseException as exc:  # raised again in run(), on the loop
                job.error = exc
            with self._lock:
                self._finished.append(job)
                first = len(self._finished) == 1
            if first:
                assert self._call_soon is not None
                try:
                    self._call_soon(self._report)
                except RuntimeError:  # the loop has ended; nobody waits
                    return

    def _report(self) -> None:
        """On the loop: wake the callers of every job finished so far."""
        with self._lock:
            finished, self._finished = self._finished, []
        for job in finished:
            job.done.set()


def _threadsafe_call_soon() -> Callable[[Callable[[], None]], object]:
    """The running loop's way to schedule a call from another thread without
    waiting for it (anyio has only the waiting kind)."""
    try:
        return asyncio.get_running_loop().call_soon_threadsafe
    except RuntimeError:  # not asyncio, so trio: anyio's only other backend
        import trio

        return trio.lowlevel.current_trio_token().run_sync_soon
