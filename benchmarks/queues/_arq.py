"""Redis through arq: ``enqueue_job`` and arq's asyncio ``Worker``."""

from __future__ import annotations

import asyncio
import signal
from dataclasses import dataclass, field
from typing import Any

from arq import Worker
from arq.connections import ArqRedis, RedisSettings, create_pool

from ._measure import Recorder
from ._runner import QUEUE, WorkerContext, interrupting_main
from ._servers import Address

__all__ = ["ArqRunner"]

# arq looks for new jobs every poll_delay (0.5 s by default, which would cap
# a worker near 20 jobs a second); 5 ms is what a user after throughput
# would set. max_jobs stays at arq's default of 10 jobs run concurrently per
# worker, and results are not kept, as Quicx keeps none.
_POLL_DELAY_S = 0.005
_MAX_JOBS = 10
_FUNCTION = "handle"


async def handle(ctx: dict[str, Any], payload: bytes) -> None:
    """The job every task runs: keep the payload for ``_after_job_end``."""
    ctx["payload"] = payload


async def _after_job_end(ctx: dict[str, Any]) -> None:
    # Called once arq has recorded the job as finished.
    recorder: Recorder = ctx["recorder"]
    recorder.done(ctx["payload"])


def _settings(address: Address) -> RedisSettings:
    return RedisSettings(host=address[0], port=address[1])


@dataclass
class _Producer:
    """A blocking face over arq's asyncio pool, one event loop per producer."""

    address: Address
    retries: int = 0
    _loop: asyncio.Runner = field(default_factory=asyncio.Runner)
    _pool: ArqRedis | None = None

    def __post_init__(self) -> None:
        pool = create_pool(_settings(self.address), default_queue_name=QUEUE)
        self._pool = self._loop.run(pool)

    def submit(self, payload: bytes) -> None:
        assert self._pool is not None
        self._loop.run(self._pool.enqueue_job(_FUNCTION, payload))

    def submit_many(self, payloads: list[bytes]) -> None:
        for payload in payloads:
            self.submit(payload)

    def close(self) -> None:
        if self._pool is not None:
            self._loop.run(self._pool.aclose())
        self._loop.close()


@dataclass(frozen=True)
class ArqRunner:
    """arq's own enqueue and worker, against a fresh redis-server."""

    label: str = "arq"
    server: str = "redis"
    window: int = 1

    def open_producer(self, address: Address) -> _Producer:
        return _Producer(address)

    def run_worker(self, address: Address, context: WorkerContext) -> None:
        worker = Worker(
            functions=[handle],
            queue_name=QUEUE,
            redis_settings=_settings(address),
            max_jobs=_MAX_JOBS,
            poll_delay=_POLL_DELAY_S,
            keep_result=0,
            ctx={"recorder": context.recorder},
            after_job_end=_after_job_end,
        )
        context.ready()
        # arq cancels its main task on SIGTERM, then closes its pool.
        with interrupting_main(context.stop, signal.SIGTERM):
            worker.run()
