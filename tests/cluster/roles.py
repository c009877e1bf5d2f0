"""The cluster run's worker and producer processes.

``python -m cluster.roles worker --address H --out FILE`` runs one
:class:`AsyncWorker` given only the balancer's address; it learns the daemons
from PEERS. Each task's payload is its key; the worker records ``KEY TASK_ID``
for every task its handler ran and writes them to FILE when SIGTERM stops it.

``python -m cluster.roles produce --address H --prefix P --count N --out FILE``
submits N tasks with the keys ``P-0`` .. ``P-(N-1)`` through the balancer, a
fresh connection per batch so that the balancer spreads them. It writes
``KEY TASK_ID`` for every task acknowledged, and prints one JSON line of
counts. A batch cut short by a lost connection is sent again on a new
connection, except what was acknowledged: a SUBMIT left without an answer may
have been accepted by a daemon that then died, so it is counted as
unconfirmed and sent again under the same key.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from pathlib import Path

import anyio
from quicx_client import (
    AsyncWorker,
    BatchIncomplete,
    Producer,
    RetryPolicy,
    Task,
)

QUEUE = "cluster"
BATCH_TRIES = 50


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="cluster.roles")
    roles = parser.add_subparsers(dest="role", required=True)
    worker = roles.add_parser("worker")
    worker.add_argument("--address", required=True)
    worker.add_argument("--concurrency", type=int, default=64)
    worker.add_argument("--out", type=Path, required=True)
    produce = roles.add_parser("produce")
    produce.add_argument("--address", required=True)
    produce.add_argument("--prefix", required=True)
    produce.add_argument("--start", type=int, default=0)
    produce.add_argument("--count", type=int, required=True)
    produce.add_argument("--batch", type=int, default=500)
    produce.add_argument("--spread", type=float, default=0.0, help="seconds")
    produce.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.WARNING, format="%(asctime)s %(name)s: %(message)s"
    )
    if args.role == "worker":
        run_worker(args.address, args.concurrency, args.out)
    else:
        summary = run_producer(
            args.address,
            args.prefix,
            range(args.start, args.start + args.count),
            args.batch,
            args.spread,
            args.out,
        )
        print(json.dumps(summary), flush=True)  # noqa: T201
    return 0


def run_worker(address: str, concurrency: int, out: Path) -> None:
    """Serve the queue until SIGTERM, then write what the handler ran."""
    ran: list[str] = []

    async def handle(task: Task) -> None:
        ran.append(f"{task.payload.decode()} {task.id}\n")

    worker = AsyncWorker(address, handle, queues=[QUEUE], concurrency=concurrency)
    anyio.run(worker.run)
    out.write_text("".join(ran))


def run_producer(
    address: str, prefix: str, numbers: range, batch: int, spread: float, out: Path
) -> dict[str, int | float]:
    """Submit the keyed tasks, batches started no faster than over ``spread``
    seconds; return counts of what happened."""
    acked: list[str] = []
    unconfirmed = broken = 0
    began = time.monotonic()
    starts = range(0, len(numbers), batch)
    for index, first in enumerate(starts):
        time.sleep(max(0.0, began + spread * index / len(starts) - time.monotonic()))
        keys = [f"{prefix}-{n}" for n in numbers[first : first + batch]]
        for _ in range(BATCH_TRIES):
            answered, unanswered, keys = _submit_batch(address, keys)
            acked += [f"{key} {task_id}\n" for key, task_id in answered]
            if not keys:
                break
            broken += 1
            unconfirmed += unanswered
        else:
            raise SystemExit(f"gave up on {len(keys)} tasks after {BATCH_TRIES} tries")
    out.write_text("".join(acked))
    return {
        "acked": len(acked),
        "broken_batches": broken,
        "unconfirmed": unconfirmed,
        "seconds": round(time.monotonic() - began, 3),
    }


def _submit_batch(
    address: str, keys: list[str]
) -> tuple[list[tuple[str, int]], int, list[str]]:
    """Submit one batch on a fresh connection.

    :returns: the keys acknowledged with their ids, how many SUBMITs were
        sent and left without an answer, and the keys to send again.
    """
    try:
        with Producer(address, retry=RetryPolicy(retry_for=30.0)) as producer:
            ids = producer.submit_many([key.encode() for key in keys], queue=QUEUE)
    except BatchIncomplete as exc:
        taken = exc.task_ids + [None] * (len(keys) - len(exc.task_ids))
        logging.getLogger(__name__).warning("batch cut short: %s", exc)
        answered = [(k, i) for k, i in zip(keys, taken, strict=True) if i is not None]
        again = [k for k, i in zip(keys, taken, strict=True) if i is None]
        return answered, sum(i is None for i in exc.task_ids), again
    return list(zip(keys, ids, strict=True)), 0, []


if __name__ == "__main__":
    sys.exit(main())
