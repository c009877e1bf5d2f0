"""Redis through rq: ``Queue.enqueue`` and a ``SimpleWorker`` (no fork per job)."""

from __future__ import annotations

import logging
import signal
from dataclasses import dataclass

from redis import Redis
from rq import Queue, SimpleWorker
from rq.job import Job

from ._measure import Recorder
from ._runner import QUEUE, WorkerContext, interrupting_main
from ._servers import Address

__all__ = ["RqRunner", "noop"]


def noop(payload: bytes) -> None:
    """The job every task runs: nothing."""


# Quicx keeps no results, so neither does rq: a finished job is deleted.
_ENQUEUE_OPTIONS = {"result_ttl": 0}


@dataclass
class _Producer:
    queue: Queue
    retries: int = 0

    def submit(self, payload: bytes) -> None:
        self.queue.enqueue(noop, payload, **_ENQUEUE_OPTIONS)

    def submit_many(self, payloads: list[bytes]) -> None:
        for payload in payloads:
            self.submit(payload)

    def close(self) -> None:
        self.queue.connection.close()


class _RecordingWorker(SimpleWorker):
    """A SimpleWorker that records each job after rq has marked it finished."""

    recorder: Recorder

    def execute_job(self, job: Job, queue: Queue) -> None:
        super().execute_job(job, queue)
        self.recorder.done(job.args[0])


@dataclass(frozen=True)
class RqRunner:
    """rq's own enqueue and worker loop, against a fresh redis-server."""

    label: str = "rq"
    server: str = "redis"
    window: int = 1

    def open_producer(self, address: Address) -> _Producer:
        connection = Redis(host=address[0], port=address[1])
        return _Producer(Queue(QUEUE, connection=connection))

    def run_worker(self, address: Address, context: WorkerContext) -> None:
        connection = Redis(host=address[0], port=address[1])
        worker = _RecordingWorker([QUEUE], connection=connection)
        worker.recorder = context.recorder
        context.ready()
        # rq stops after the current job on SIGTERM (its warm shutdown).
        with interrupting_main(context.stop, signal.SIGTERM):
            worker.work(logging_level=logging.getLevelName(logging.WARNING))
        connection.close()
