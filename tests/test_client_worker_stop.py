"""How the blocking Worker stops: gracefully, after a timeout, on signals.

Each test runs a real daemon and a ``Worker`` whose handler waits for the
test's go-ahead, so the stop lands while a handler runs; what the daemon
counts afterwards (completed, in flight, lost leases) shows whether the
running task was answered or handed back.
"""

from __future__ import annotations

import os
import signal
import threading
import time

from client.live import wait_for
from quicx_client import Producer, Task, Worker
from support.daemon_process import DaemonProcess

DEADLINE = 20.0


class Blocking:
    """A handler that signals it started, then waits for ``release``."""

    def __init__(self) -> None:
        self.started = threading.Event()
        self.release = threading.Event()
        self.finished: list[int] = []

    def __call__(self, task: Task) -> bytes:
        self.started.set()
        self.release.wait(DEADLINE)
        self.finished.append(task.id)
        return b"ok"


def run_in_thread(worker: Worker) -> threading.Thread:
    thread = threading.Thread(target=worker.run, daemon=True)
    thread.start()
    return thread


def test_stop_waits_for_the_running_handler_and_sends_its_answer(
    daemon: DaemonProcess,
) -> None:
    handler = Blocking()
    with Producer(daemon.address) as producer:
        (task_id,) = producer.submit_many([b"a", b"b"], queue="q")[:1]
    worker = Worker(daemon.address, handler, queues=["q"], prefetch=1)
    thread = run_in_thread(worker)
    assert handler.started.wait(DEADLINE)
    worker.stop()
    thread.join(0.3)
    assert thread.is_alive()  # still waiting for the handler
    handler.release.set()
    thread.join(DEADLINE)
    assert not thread.is_alive()
    assert handler.finished == [task_id]
    # The running task was answered; the prefetched one was never started
    # and went back to its queue when the connection closed.
    stats = wait_for(daemon.address, lambda s: s.current_workers == 0)
    assert stats.total_completed == 1
    assert stats.queues[0].depth == 1


def test_stop_timeout_abandons_a_handler_and_hands_its_task_back(
    daemon: DaemonProcess,
) -> None:
    handler = Blocking()
    with Producer(daemon.address) as producer:
        producer.submit(b"slow", queue="q")
    worker = Worker(daemon.address, handler, queues=["q"], stop_timeout=0.2)
    thread = run_in_thread(worker)
    assert handler.started.wait(DEADLINE)
    began = time.monotonic()
    worker.stop()
    thread.join(DEADLINE)
    assert not thread.is_alive()
    assert time.monotonic() - began < DEADLINE / 2
    stats = wait_for(daemon.address, lambda s: s.current_workers == 0)
    assert stats.total_completed == 0
    assert stats.total_lost_leases == 1
    handler.release.set()  # the abandoned thread ends; nobody hears it


def test_a_second_signal_stops_without_waiting(daemon: DaemonProcess) -> None:
    handler = Blocking()
    with Producer(daemon.address) as producer:
        producer.submit(b"slow", queue="q")
    worker = Worker(daemon.address, handler, queues=["q"])
    stopped = threading.Event()

    def send_signals() -> None:
        if handler.started.wait(DEADLINE):
            os.kill(os.getpid(), signal.SIGTERM)
            os.kill(os.getpid(), signal.SIGINT)
        stopped.wait(DEADLINE)

    before = signal.getsignal(signal.SIGINT)
    sender = threading.Thread(target=send_signals, daemon=True)
    sender.start()
    try:
        worker.run()  # in the main thread, so the worker takes the signals
    finally:
        stopped.set()
        handler.release.set()
        sender.join(DEADLINE)
    assert signal.getsignal(signal.SIGINT) is before
    stats = wait_for(daemon.address, lambda s: s.current_workers == 0)
    assert stats.total_completed == 0
    assert stats.total_lost_leases == 1


def test_stop_before_run_makes_run_return_at_once(daemon: DaemonProcess) -> None:
    worker = Worker(daemon.address, Blocking(), queues=["q"])
    worker.stop()
    thread = run_in_thread(worker)
    thread.join(DEADLINE)
    assert not thread.is_alive()
    stats = wait_for(daemon.address, lambda s: True)
    assert stats.current_workers == 0  # it never connected
