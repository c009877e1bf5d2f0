"""Run the helper scripts of tests/daemon/ as processes and read what they print."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

__all__ = ["Script", "poll_until"]

SCRIPTS = Path(__file__).resolve().parents[1] / "daemon"


class Script:
    """A ``tests/daemon/NAME`` process; a thread collects its stdout lines."""

    def __init__(self, name: str, *args: object) -> None:
        self.process = subprocess.Popen(
            [sys.executable, str(SCRIPTS / name), *map(str, args)],
            stdout=subprocess.PIPE,
            text=True,
        )
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line.rstrip("\n"))

    def words(self, kind: str) -> list[list[str]]:
        """The printed lines that start with ``kind``, split into words."""
        return [line.split() for line in list(self.lines) if line.startswith(kind)]

    def ids(self, kind: str) -> list[int]:
        """The task ids of the lines that start with ``kind``."""
        return [int(words[1]) for words in self.words(kind)]

    def kill(self) -> None:
        """SIGKILL, as a crash would."""
        self.process.kill()
        self.wait(10)

    def wait(self, timeout: float) -> int:
        """Wait for the process to exit and its output to be read."""
        status = self.process.wait(timeout)
        self._reader.join(timeout)
        if self.process.stdout is not None and not self._reader.is_alive():
            self.process.stdout.close()
        return status

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.wait(10)


def poll_until(
    condition: Callable[[], bool], timeout: float, what: str, every: float = 0.05
) -> None:
    """Check ``condition`` until it holds; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what}: not within {timeout} s")
        time.sleep(every)
