"""A producer process over raw frames, for the daemon's end-to-end tests.

    python tests/daemon/producer.py HOST PORT COUNT [--queue Q] [--window N]

Submits COUNT tasks, keeping up to WINDOW SUBMITs in flight, retrying after
the hint on a retryable ERROR, and prints ``OK <id>`` for each accepted task.
Exits 0 when all are accepted, 1 on any other ERROR.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from quicx_proto import Error, ErrorCode, Heartbeat, Ok, Pong
from support.wire import Wire, submit_message

RETRYABLE = {ErrorCode.OUT_OF_MEMORY, ErrorCode.QUEUE_FULL}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("host")
    parser.add_argument("port", type=int)
    parser.add_argument("count", type=int)
    parser.add_argument("--queue", default="q")
    parser.add_argument("--window", type=int, default=200)
    args = parser.parse_args()
    wire = Wire(args.host, args.port, timeout=60)
    sent = accepted = 0
    in_flight = 0
    while accepted < args.count:
        batch = min(args.window - in_flight, args.count - sent)
        if batch > 0:
            payloads = [f"task {sent + i}".encode() for i in range(batch)]
            wire.send(*[submit_message(args.queue, p) for p in payloads])
            sent += batch
            in_flight += batch
        lines = []
        for message in wire.receive_some():
            if isinstance(message, Ok):
                in_flight -= 1
                accepted += 1
                lines.append(f"OK {message.task_id}")
            elif isinstance(message, Error) and message.code in RETRYABLE:
                in_flight -= 1
                sent -= 1  # send one more later
                time.sleep(message.retry_after_ms / 1000)
            elif isinstance(message, Heartbeat):
                wire.send(Pong(token=message.token))
            else:
                sys.stderr.write(f"unexpected {message!r}\n")
                return 1
        sys.stdout.write("".join(line + "\n" for line in lines))
        sys.stdout.flush()
    wire.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
