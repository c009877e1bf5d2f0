"""``quicx top`` in a real terminal (tmux), against a live daemon with tasks flowing.

The test reads the screen with ``tmux capture-pane`` and checks the numbers
shown against STATS replies taken just before and just after the screen was
drawn: counters must lie between the two, gauges that do not move during the
test must match exactly. Then the daemon is killed: the console must say it
is disconnected (no traceback), and ``q`` must end it.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator

import pytest
from client.live import running, wait_until
from quicx_client import Monitor, Producer, QuicxError, RetryPolicy, Task, Worker
from quicx_client._stats import format_bytes
from quicx_proto import StatsReply
from support.daemon_process import DaemonProcess

pytest.importorskip("rich", reason="quicx top needs the [console] extra")


def _tmux() -> str:
    """The tmux binary, installed with apt-get when missing and we may."""
    found = shutil.which("tmux")
    if found is None and shutil.which("apt-get") and os.geteuid() == 0:
        for command in (
            ["apt-get", "update", "-qq"],
            ["apt-get", "install", "-y", "-qq", "tmux"],
        ):
            subprocess.run(command, capture_output=True, timeout=300, check=False)
        found = shutil.which("tmux")
    if found is None:
        pytest.skip("tmux is not installed and apt-get could not install it")
    return found


class Terminal:
    """A detached tmux session on its own server socket."""

    def __init__(self, tmux: str, command: list[str]) -> None:
        self._base = [tmux, "-L", f"quicx-test-{os.getpid()}"]
        # tmux hands COLUMNS=80 and LINES=24 to the command when started from
        # a process without a terminal (pytest), and rich trusts them over
        # the real size; set them to the window's size.
        size = ["-x", "120", "-y", "50", "-e", "COLUMNS=120", "-e", "LINES=50"]
        self._run("new-session", "-d", "-s", "top", *size, *command)

    def screen(self) -> str:
        return self._run("capture-pane", "-p", "-t", "top").stdout

    def keys(self, *keys: str) -> None:
        self._run("send-keys", "-t", "top", *keys)

    def alive(self) -> bool:
        return self._run("has-session", "-t", "top", check=False).returncode == 0

    def close(self) -> None:
        self._run("kill-server", check=False)

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*self._base, *args],
            capture_output=True,
            text=True,
            timeout=30,
            check=check,
        )


def shown_total(screen: str, label: str) -> int | None:
    """The total at the end of a throughput row such as ``submitted 12 ... 3,400``."""
    match = re.search(rf"│\s+{label}\s+[\d,]+\s.*?([\d,]+)\s+│", screen)
    return int(match.group(1).replace(",", "")) if match else None


def shown_uptime_ok(screen: str, before: StatsReply, after: StatsReply) -> bool:
    """The title's uptime lies between the two replies, give or take its rounding."""
    match = re.search(r"up ([\d.]+)(ms|s) ", screen)
    if match is None:
        return False
    shown_ms = float(match.group(1)) * (1 if match.group(2) == "ms" else 1000)
    return before.uptime_ms - 50 <= shown_ms <= after.uptime_ms + 50


@pytest.fixture
def flowing(daemon: DaemonProcess) -> Iterator[None]:
    """A worker and a producer keeping tasks flowing through queue ``flow``."""
    stop = threading.Event()

    def produce() -> None:
        no_retries = RetryPolicy(retry_for=0)
        with Producer(daemon.address, retry=no_retries) as producer:
            while not stop.wait(0.02):
                try:
                    producer.submit_many([b"tick"] * 20, queue="flow")
                except QuicxError:
                    return  # the test killed the daemon

    def handle(task: Task) -> None:
        return None

    producer = threading.Thread(target=produce, daemon=True)
    with running(Worker(daemon.address, handle, queues=["flow"], concurrency=2)):
        producer.start()
        yield
        stop.set()
        producer.join(20)


def test_top_shows_what_stats_says_and_survives_the_daemon(
    daemon: DaemonProcess, flowing: None
) -> None:
    terminal = Terminal(
        _tmux(), [sys.executable, "-m", "quicx_client", "top", "--addr", daemon.address]
    )
    try:
        with Monitor(daemon.address) as monitor:
            wait_until(lambda: monitor.snapshot().current_producers == 1)
            before = monitor.snapshot()
            screen = ""

            def caught_up() -> bool:
                nonlocal screen
                screen = terminal.screen()
                submitted = shown_total(screen, "submitted")
                done = shown_total(screen, "done")
                return (
                    "q quits" in screen
                    and submitted is not None
                    and done is not None
                    and submitted >= before.total_submitted
                    and done >= before.total_completed
                )

            wait_until(caught_up)
            after = monitor.snapshot()
        check_screen(screen, before, after)

        daemon.kill()
        wait_until(lambda: "disconnected" in terminal.screen())
        assert "Traceback" not in terminal.screen()
        terminal.keys("q")
        wait_until(lambda: not terminal.alive())
    finally:
        terminal.close()


def check_screen(screen: str, before: StatsReply, after: StatsReply) -> None:
    submitted, done = shown_total(screen, "submitted"), shown_total(screen, "done")
    assert submitted is not None, screen
    assert done is not None, screen
    assert before.total_submitted <= submitted <= after.total_submitted, screen
    assert before.total_completed <= done <= after.total_completed, screen
    assert after.total_submitted > 0
    assert shown_total(screen, "failed") == after.total_failed == 0, screen
    assert (
        f"producers {after.current_producers}  workers {after.current_workers}  "
        f"monitors {after.current_monitors}" in screen
    ), screen
    assert (after.current_producers, after.current_workers) == (1, 1)
    assert after.current_monitors == 2, "the console and this test"
    assert re.search(r"│\s+flow\s+[\d,]+\s+[\d,]+\s+[\d,]+\s+0\s", screen), screen
    assert f"of {format_bytes(after.arena_capacity)}" in screen, screen
    assert shown_uptime_ok(screen, before, after), screen
    assert f"node {after.node_id}" in screen
