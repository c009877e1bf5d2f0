"""A worker process over raw frames, for the daemon's fault and end-to-end tests.

    python tests/daemon/worker.py HOST PORT [--credit N] [--queue Q] [--hold]

Prints ``TASK <id> <attempt>`` when a task arrives and ``DONE <id>`` once its
DONE is written to the socket (a DONE cut off by a kill may not have reached
the daemon). With ``--hold`` it never answers DONE: it only holds its tasks.
Answers HEARTBEAT with PONG. Runs until killed or the daemon closes.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from quicx_proto import Done, Heartbeat, Message, Pong, Ready, Task
from support.wire import Wire


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("host")
    parser.add_argument("port", type=int)
    parser.add_argument("--credit", type=int, default=16)
    parser.add_argument("--queue", default="q")
    parser.add_argument("--hold", action="store_true")
    args = parser.parse_args()
    wire = Wire(args.host, args.port, timeout=60)
    wire.send(Ready(credit=args.credit, queues=(args.queue,)))
    out = sys.stdout
    while True:
        try:
            messages = wire.receive_some()
        except (ConnectionError, OSError):
            return 0
        replies: list[Message] = []
        lines: list[str] = []
        for message in messages:
            if isinstance(message, Task):
                lines.append(f"TASK {message.task_id} {message.attempt}")
                if not args.hold:
                    replies.append(Done(task_id=message.task_id, result=b""))
            elif isinstance(message, Heartbeat):
                replies.append(Pong(token=message.token))
        if replies:
            wire.send(*replies)
        lines += [f"DONE {r.task_id}" for r in replies if isinstance(r, Done)]
        if lines:
            out.write("\n".join(lines) + "\n")
            out.flush()


if __name__ == "__main__":
    sys.exit(main())
