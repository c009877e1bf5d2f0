"""Crash test: a daemon with a journal is killed with SIGKILL again and again
under load, and no acknowledged task is lost.

Two producer processes submit tasks and two worker processes take them, all
reconnecting whenever the daemon goes away. The daemon is killed at random
moments (when the producers have had a random number of OKs) and restarted
on the same port and data directory. At the end every task that got OK must
have reached a worker, the daemon must hold nothing, and the duplicates
(deliveries after the first, which at-least-once allows) are counted.

This file is also the producer and the worker: run as a script, it plays
one of them (``python test_durability_crash.py producer|worker ...``).
"""

from __future__ import annotations

import contextlib
import logging
import random
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import pytest
from quicx_proto import Done, Heartbeat, Message, Ok, Pong, Ready, Task
from support.daemon_process import DaemonProcess, start_daemon
from support.wire import Wire, fetch_stats, submit_message

logger = logging.getLogger(__name__)

QUEUE = "crash"
KILLS = 4
PER_PRODUCER = 1500
PIPELINE = 8
DEADLINE = 40.0  # seconds for the whole run, well under the test timeout


class Peer:
    """A producer or worker process; a thread collects what it prints."""

    def __init__(self, *args: object) -> None:
        self.process = subprocess.Popen(
            [sys.executable, __file__, *map(str, args)],
            stdout=subprocess.PIPE,
            text=True,
        )
        self.lines: list[list[str]] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line.split())

    def words(self, kind: str) -> list[list[str]]:
        return [words for words in list(self.lines) if words[0] == kind]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(10)
        self._reader.join(10)
        if self.process.stdout is not None:
            self.process.stdout.close()


def receive(wire: Wire, count: int) -> list[Message]:
    """Exactly the next ``count`` messages. (``Wire.receive`` hands back the
    first chunk again instead of reading more when a chunk holds fewer.)"""
    got: list[Message] = []
    while len(got) < count:
        got += wire.receive_some()
    wire.pending = got[count:] + wire.pending
    return got[:count]


def crash(daemon: DaemonProcess) -> None:
    """SIGKILL the daemon and close our end of its stdout."""
    daemon.kill()
    if daemon.process.stdout is not None:
        daemon.process.stdout.close()


def wait_for(condition: object, what: str, deadline: float) -> None:
    """Poll ``condition`` until it holds or the run's deadline passes."""
    assert callable(condition)
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what}: not by the deadline")
        time.sleep(0.02)


@pytest.mark.slow
def test_no_acknowledged_task_is_lost_across_sigkills(tmp_path: Path) -> None:
    seed = random.randrange(1 << 32)
    rng = random.Random(seed)
    deadline = time.monotonic() + DEADLINE
    data_dir = str(tmp_path / "journal")
    daemon: DaemonProcess = start_daemon("--data-dir", data_dir)
    address = ("--listen", f"127.0.0.1:{daemon.port}", "--data-dir", data_dir)
    producers = [Peer("producer", daemon.port, name, PER_PRODUCER) for name in "ab"]
    workers = [Peer("worker", daemon.port) for _ in range(2)]
    try:

        def acked() -> int:
            return sum(len(p.words("OK")) for p in producers)

        total = PER_PRODUCER * len(producers)
        moments = sorted(rng.sample(range(total // 10, total * 9 // 10), KILLS))
        for moment in moments:
            wait_for(lambda m=moment: acked() >= m, "producers reach OKs", deadline)
            crash(daemon)
            daemon = start_daemon(*address)
        wait_for(lambda: acked() == total, "producers finish", deadline)
        ok = {words[2] for p in producers for words in p.words("OK")}
        delivered: Counter[str] = Counter()

        def all_delivered() -> bool:
            delivered.clear()
            delivered.update(w[3] for worker in workers for w in worker.words("TASK"))
            return ok <= delivered.keys()

        with contextlib.suppress(TimeoutError):  # the asserts say what is missing
            wait_for(
                all_delivered, "every acknowledged task reaches a worker", deadline
            )

        def emptied() -> bool:
            queues = fetch_stats(daemon.host, daemon.port).queues
            return all(q.depth + q.delayed + q.in_flight == 0 for q in queues)

        if ok <= delivered.keys():
            wait_for(emptied, "the daemon holds nothing", deadline)
    finally:
        for peer in [*producers, *workers]:
            peer.stop()
        crash(daemon)
    lost = ok - delivered.keys()
    duplicates = sum(count - 1 for count in delivered.values())
    unacked = len(delivered.keys() - ok)
    logger.info(
        "seed %d: %d tasks acknowledged, %d lost, %d duplicate deliveries, "
        "%d tasks delivered without an OK (submitted when a kill came)",
        seed,
        len(ok),
        len(lost),
        duplicates,
        unacked,
    )
    assert len(ok) == total
    assert not lost, f"seed {seed}: lost {sorted(lost)[:10]}"


# -- the peers, run as processes ---------------------------------------------------


def _connect(port: int) -> Wire:
    """A Wire to the daemon, retried until it is back up."""
    while True:
        try:
            return Wire("127.0.0.1", port, timeout=5.0)
        except OSError:
            time.sleep(0.02)


def produce(port: int, name: str, count: int) -> None:
    """Submit until ``count`` tasks got OK; print ``OK id payload`` for each."""
    number = 0
    acked = 0
    while acked < count:
        wire = _connect(port)
        try:
            while acked < count:
                batch = min(PIPELINE, count - acked)
                payloads = [f"{name}-{number + i}" for i in range(batch)]
                number += batch
                wire.send(*[submit_message(QUEUE, p.encode()) for p in payloads])
                for payload, reply in zip(payloads, receive(wire, batch), strict=True):
                    if isinstance(reply, Ok):
                        acked += 1
                        print("OK", reply.task_id, payload, flush=True)  # noqa: T201
        except (OSError, ConnectionError):
            pass
        finally:
            wire.close()


def work(port: int) -> None:
    """Take tasks for ever; print ``TASK id attempt payload``, then DONE."""
    while True:
        wire = _connect(port)
        try:
            wire.send(Ready(credit=4, queues=(QUEUE,)))
            while True:
                replies: list[Message] = []
                for message in wire.receive_some():
                    if isinstance(message, Task):
                        payload = message.payload.decode()
                        words = ("TASK", message.task_id, message.attempt, payload)
                        print(*words, flush=True)  # noqa: T201
                        replies.append(Done(task_id=message.task_id, result=b""))
                    elif isinstance(message, Heartbeat):
                        replies.append(Pong(token=message.token))
                if replies:
                    wire.send(*replies)
        except (TimeoutError, OSError, ConnectionError):
            pass
        finally:
            wire.close()


if __name__ == "__main__":
    role, port_text, *rest = sys.argv[1:]
    if role == "producer":
        produce(int(port_text), rest[0], int(rest[1]))
    else:
        work(int(port_text))
