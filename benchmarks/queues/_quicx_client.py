"""Quicx through its client library: ``Producer`` and ``Worker``.

With ``window`` 1 the producer calls ``submit`` and waits for each OK, like
the peers' clients; a larger window submits batches with ``submit_many``
(pipelined) and lets each worker run that many tasks at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from quicx_client import Producer, Worker

from ._runner import QUEUE, WorkerContext, when_stopped
from ._servers import Address

__all__ = ["QuicxClientRunner"]


def _address(address: Address) -> str:
    return f"{address[0]}:{address[1]}"


@dataclass
class _Producer:
    producer: Any
    retries: int = 0

    def submit(self, payload: bytes) -> None:
        self.producer.submit(payload, queue=QUEUE)

    def submit_many(self, payloads: list[bytes]) -> None:
        self.producer.submit_many(payloads, queue=QUEUE)

    def close(self) -> None:
        # The documented API names no close(); use it when there is one.
        close = getattr(self.producer, "close", None)
        if close is not None:
            close()


@dataclass(frozen=True)
class QuicxClientRunner:
    """quicx-client's blocking Producer and Worker."""

    label: str = "quicx"
    server: str = "quicx"
    window: int = 1

    def open_producer(self, address: Address) -> _Producer:
        return _Producer(Producer(_address(address)))

    def run_worker(self, address: Address, context: WorkerContext) -> None:
        def handle(task: Any) -> None:
            # The client sends DONE when this returns, so a task is recorded
            # a moment before its DONE leaves, not after.
            context.recorder.done(task.payload)

        worker = Worker(
            _address(address), handle, queues=[QUEUE], concurrency=self.window
        )
        context.ready()
        with when_stopped(context.stop, worker.stop):
            worker.run()
