"""Quicx at work for about twenty seconds, then a summary.

Starts a daemon, three workers and two producers feeding three queues, and
shows the live console (``quicx top``) while they run. Some tasks fail at
random and are retried; a few fail for good and end as dead letters. When
stdout is not a terminal the console is left out and a line of figures is
printed every few seconds instead.

Run it with ``nox -s demo``, or ``python examples/demo.py`` in an environment
that has quicx-proto, quicx-pmad, quicx-client[console] and quicx-daemon.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import random
import selectors
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator

from quicx_client import (
    Monitor,
    PermanentError,
    Producer,
    QuicxError,
    Task,
    Worker,
)

QUEUES = ("emails", "thumbnails", "reports")
PLAIN_REPORT_EVERY = 5.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=20.0, help="seconds")
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--producers", type=int, default=2)
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)

    with daemon() as address:
        stop = threading.Event()
        workers = [
            Worker(address, handle, queues=QUEUES, concurrency=4, handle_signals=False)
            for _ in range(args.workers)
        ]
        threads = [threading.Thread(target=w.run, daemon=True) for w in workers]
        threads += [
            threading.Thread(target=produce, args=(address, stop, seed), daemon=True)
            for seed in range(args.producers)
        ]
        for thread in threads:
            thread.start()
        started = time.monotonic()
        try:
            show(address, args.duration)
        except KeyboardInterrupt:
            say("interrupted")
        finally:
            stop.set()
            drain(address, deadline=time.monotonic() + 3)
            for worker in workers:
                worker.stop()
            for thread in threads:
                thread.join(10)
        summary(address, time.monotonic() - started)
    return 0


@contextlib.contextmanager
def daemon() -> Iterator[str]:
    """Run ``quicx-daemon`` on a free loopback port; yields its address."""
    command = [sys.executable, "-m", "quicx_daemon", "--listen", "127.0.0.1:0"]
    process = subprocess.Popen(
        [*command, "--log-level", "error", "--memory", "32MiB", "--drain-grace", "1"],
        stdout=subprocess.PIPE,
        text=True,
        start_new_session=True,  # Ctrl-C stops the demo, which then stops this
    )
    try:
        yield read_address(process)
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def read_address(process: subprocess.Popen[str]) -> str:
    """Wait (20 s at most) for the daemon's ``listening on HOST:PORT`` line."""
    assert process.stdout is not None
    with selectors.DefaultSelector() as selector:
        selector.register(process.stdout, selectors.EVENT_READ)
        if selector.select(20):
            line = process.stdout.readline()
            if line.startswith("listening on "):
                return line.removeprefix("listening on ").strip()
    raise SystemExit("the daemon did not start; is quicx-daemon installed?")


def handle(task: Task) -> bytes:
    """Pretend to work for a few milliseconds; fail now and then."""
    roll = random.random()
    if roll < 0.004:
        raise PermanentError(f"{task.queue} task {task.id:#x} is malformed")
    if roll < 0.03:
        raise RuntimeError("a transient failure; the daemon will retry")
    time.sleep(random.expovariate(1 / 0.004))
    return b"ok"


def produce(address: str, stop: threading.Event, seed: int) -> None:
    """Submit bursts of tasks to every queue until ``stop`` is set."""
    rng = random.Random(seed)
    with Producer(address) as producer:
        while not stop.wait(rng.uniform(0.02, 0.12)):
            queue = rng.choice(QUEUES)
            size = rng.randint(1, 60)
            payloads = [rng.randbytes(rng.randint(16, 4096)) for _ in range(size)]
            try:
                producer.submit_many(
                    payloads,
                    queue=queue,
                    priority=rng.choice((10, 100, 100, 1000)),
                    delay=rng.choice((0.0, 0.0, 0.0, 1.5)),
                    max_attempts=3,
                )
            except QuicxError:
                return


def show(address: str, duration: float) -> None:
    """The live console on a terminal; a line of figures every few seconds otherwise."""
    if sys.stdout.isatty():
        command = [sys.executable, "-m", "quicx_client", "top", "--addr", address]
        subprocess.run([*command, "--duration", str(duration)], check=False)
        return
    end = time.monotonic() + duration
    with Monitor(address) as monitor:
        while (left := end - time.monotonic()) > 0:
            time.sleep(min(PLAIN_REPORT_EVERY, left))
            stats = monitor.snapshot()
            say(
                f"{stats.uptime_ms / 1000:5.1f}s  submitted {stats.total_submitted:,}  "
                f"done {stats.total_completed:,}  failed {stats.total_failed:,}  "
                f"dead {stats.total_dead:,}  workers {stats.current_workers}"
            )


def drain(address: str, deadline: float) -> None:
    """Give the workers until ``deadline`` to finish what is ready."""
    with Monitor(address) as monitor:
        while time.monotonic() < deadline:
            stats = monitor.snapshot()
            if not any(q.depth or q.in_flight for q in stats.queues):
                return
            time.sleep(0.1)


def summary(address: str, elapsed: float) -> None:
    """Tasks done per second, then the daemon's STATS as ``quicx stats`` prints it."""
    with Monitor(address) as monitor:
        done = monitor.snapshot().total_completed
    say(
        f"\nQuicx ran for {elapsed:.1f} s: {done / elapsed:,.0f} tasks done a second.\n"
    )
    command = [sys.executable, "-m", "quicx_client", "stats", "--addr", address]
    subprocess.run(command, check=False)


def say(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


if __name__ == "__main__":
    sys.exit(main())
