"""beanstalkd through greenstalk: put, reserve, delete."""

from __future__ import annotations

from dataclasses import dataclass

import greenstalk

from ._runner import QUEUE, WorkerContext, WorkerStopped, interrupting_main
from ._servers import Address

__all__ = ["BeanstalkRunner"]

# greenstalk's defaults: priority 2**16, time-to-run 60 s.
_TTR_S = 60


@dataclass
class _Producer:
    client: greenstalk.Client[bytes]
    retries: int = 0

    def submit(self, payload: bytes) -> None:
        self.client.put(payload, ttr=_TTR_S)

    def submit_many(self, payloads: list[bytes]) -> None:
        # greenstalk waits for each INSERTED; it has no pipelined put.
        for payload in payloads:
            self.client.put(payload, ttr=_TTR_S)

    def close(self) -> None:
        self.client.close()


@dataclass(frozen=True)
class BeanstalkRunner:
    """One greenstalk client per process; workers reserve then delete."""

    label: str = "beanstalkd"
    server: str = "beanstalkd"
    window: int = 1

    def open_producer(self, address: Address) -> _Producer:
        return _Producer(greenstalk.Client(address, encoding=None, use=QUEUE))

    def run_worker(self, address: Address, context: WorkerContext) -> None:
        with greenstalk.Client(address, encoding=None, watch=QUEUE) as client:
            context.ready()
            try:
                with interrupting_main(context.stop):
                    while True:
                        job = client.reserve()
                        client.delete(job)
                        context.recorder.done(job.body)
            except WorkerStopped:
                pass
