"""Start a real quicx-daemon on loopback for a test, and stop it afterwards.

The daemon prints one line, ``listening on HOST:PORT``, once it accepts
connections; this helper waits for that line with a deadline instead of
sleeping, so a test starts as soon as the daemon is ready.
"""

from __future__ import annotations

import contextlib
import os
import selectors
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass

__all__ = ["DaemonProcess", "read_first_line", "running_daemon", "start_daemon"]

READY_PREFIX = "listening on "
START_TIMEOUT = 20.0


@dataclass
class DaemonProcess:
    """A daemon started by :func:`start_daemon`."""

    process: subprocess.Popen[str]
    host: str
    port: int

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"

    def terminate(self, timeout: float = 20.0) -> int:
        """Send SIGTERM (the daemon drains) and return its exit status."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout)

    def kill(self) -> None:
        """SIGKILL the daemon, as a crash would."""
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(10)


def start_daemon(*args: str, timeout: float = START_TIMEOUT) -> DaemonProcess:
    """Run ``quicx-daemon --listen 127.0.0.1:0 ARGS`` and wait until it listens."""
    command = [sys.executable, "-m", "quicx_daemon", "--listen", "127.0.0.1:0"]
    process = subprocess.Popen(
        [*command, *args],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        line = read_first_line(process, timeout)
    except BaseException:
        process.kill()
        process.wait(10)
        raise
    if not line.startswith(READY_PREFIX):
        process.kill()
        process.wait(10)
        raise RuntimeError(f"quicx-daemon printed {line!r} instead of its address")
    host, _, port = line[len(READY_PREFIX) :].strip().rpartition(":")
    return DaemonProcess(process, host, int(port))


@contextlib.contextmanager
def running_daemon(*args: str) -> Iterator[DaemonProcess]:
    """Context manager form of :func:`start_daemon`; kills the daemon at exit."""
    daemon = start_daemon(*args)
    try:
        yield daemon
    finally:
        daemon.kill()
        if daemon.process.stdout is not None:
            daemon.process.stdout.close()


def read_first_line(process: subprocess.Popen[str], timeout: float) -> str:
    """Return the first line a daemon prints, waiting at most ``timeout`` s."""
    assert process.stdout is not None
    deadline = time.monotonic() + timeout
    with selectors.DefaultSelector() as selector:
        selector.register(process.stdout, selectors.EVENT_READ)
        while time.monotonic() < deadline:
            if selector.select(deadline - time.monotonic()):
                line = process.stdout.readline()
                if line:
                    return line
            if process.poll() is not None:
                raise RuntimeError(f"quicx-daemon exited with {process.returncode}")
    raise TimeoutError(f"quicx-daemon did not listen within {timeout} s")
