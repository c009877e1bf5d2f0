"""End to end: 10,000 tasks, 2 producer and 4 worker processes, one worker
killed halfway, and a connection sending garbage all the while."""

from __future__ import annotations

import random
import socket
import struct
import threading
from collections import Counter

import pytest
from quicx_proto import encode
from support.daemon_process import running_daemon
from support.scripts import Script, poll_until
from support.wire import fetch_stats, submit_message

TASKS_PER_PRODUCER = 5000
TOTAL = 2 * TASKS_PER_PRODUCER


def garbage_frames(rng: random.Random) -> bytes:
    """One helping of bad input: noise, a bad header, or a cut-off frame."""
    valid = encode(submit_message("q", b"garbage"))
    choices = [
        bytes(rng.getrandbits(8) for _ in range(rng.randint(1, 64))),
        struct.pack(">2sBBI", b"QX", 1, rng.randint(14, 255), 0),
        struct.pack(">2sBBI", b"QX", 9, 1, 0),
        struct.pack(">2sBBI", b"QX", 1, 1, 1 << 31),
        valid[: rng.randint(1, len(valid) - 1)],  # truncated, then closed
        struct.pack(">2sBBI", b"QX", 1, 1, 3) + b"bad",
    ]
    return rng.choice(choices)


class GarbageSender(threading.Thread):
    """Opens connection after connection and sends each one garbage."""

    def __init__(self, host: str, port: int) -> None:
        super().__init__(daemon=True)
        self.address = (host, port)
        self.stop = threading.Event()
        self.outcomes: Counter[str] = Counter()

    def run(self) -> None:
        rng = random.Random(4)
        while not self.stop.is_set() and sum(self.outcomes.values()) < 2000:
            with socket.create_connection(self.address, timeout=10) as sock:
                sock.sendall(garbage_frames(rng))
                sock.shutdown(socket.SHUT_WR)
                reply = b""
                while chunk := sock.recv(4096):
                    reply += chunk
            self.outcomes["error" if reply[:2] == b"QX" else "closed"] += 1


@pytest.mark.slow
def test_ten_thousand_tasks_end_done_once_despite_a_kill_and_garbage() -> None:
    with running_daemon("--memory", "16MiB", "--log-level", "error") as daemon:
        host, port = daemon.host, daemon.port
        workers = [Script("worker.py", host, port, "--credit", "32") for _ in range(4)]
        producers: list[Script] = []
        garbage = GarbageSender(host, port)
        try:
            poll_until(
                lambda: fetch_stats(host, port).current_workers == 4, 20, "workers up"
            )
            garbage.start()
            producers = [
                Script("producer.py", host, port, TASKS_PER_PRODUCER) for _ in "ab"
            ]
            poll_until(
                lambda: fetch_stats(host, port).total_completed >= TOTAL // 2,
                60,
                "half the tasks done",
            )
            workers[0].kill()
            assert [p.wait(60) for p in producers] == [0, 0]
            poll_until(
                lambda: fetch_stats(host, port).total_completed == TOTAL,
                60,
                "every task done",
            )
            garbage.stop.set()
            garbage.join(20)

            stats = fetch_stats(host, port)
            assert (stats.total_submitted, stats.total_completed) == (TOTAL, TOTAL)
            assert (stats.arena_used, stats.total_dead) == (0, 0)
            assert [(q.depth, q.delayed, q.in_flight) for q in stats.queues] == [
                (0, 0, 0)
            ]
            accepted = [i for p in producers for i in p.ids("OK")]
            assert len(set(accepted)) == len(accepted) == TOTAL
            done = {i for w in workers for i in w.ids("DONE")}
            assert done == set(accepted)
            assert garbage.outcomes["error"] > 0
            assert stats.total_lost_leases >= 1  # the killed worker held tasks
        finally:
            garbage.stop.set()
            for script in [*workers, *producers]:
                script.stop()
