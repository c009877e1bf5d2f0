"""Quicx through its client library: ``Producer`` and ``Worker``.

With ``window`` 1 the producer calls ``submit`` and waits for each OK, like
the peers' clients; a larger window submits batches with ``submit_many``
(pipelined) and gives each worker that much concurrency, which is also its
credit. The worker runs the handler in threads, as the client does for any
plain function.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from quicx_client import Producer, Task, Worker

from ._runner import QUEUE, WorkerContext, when_stopped
from ._servers import Address

__all__ = ["QuicxClientRunner"]


def _address(address: Address) -> str:
    return f"{address[0]}:{address[1]}"


@dataclass
class _Producer:
    producer: Producer
    retries: int = 0

    def submit(self, payload: bytes) -> None:
        self.producer.submit(payload, queue=QUEUE)

    def submit_many(self, payloads: list[bytes]) -> None:
        self.producer.submit_many(payloads, queue=QUEUE)

    def close(self) -> None:
        self.producer.close()


@dataclass(frozen=True)
class QuicxClientRunner:
    """quicx-client's blocking Producer and Worker."""

    label: str = "quicx"
    server: str = "quicx"
    window: int = 1

    def open_producer(self, address: Address) -> _Producer:
        return _Producer(Producer(_address(address)))

    def run_worker(self, address: Address, context: WorkerContext) -> None:
        # Handlers run in several threads at once when the window is above 1.
        lock = threading.Lock()

        def handle(task: Task) -> None:
            # The client sends DONE when this returns, so a task is recorded
            # a moment before its DONE leaves, not after.
            with lock:
                context.recorder.done(task.payload)

        worker = Worker(
            _address(address), handle, queues=[QUEUE], concurrency=self.window
        )
        context.ready()
        with when_stopped(context.stop, worker.stop):
            worker.run()
