"""Start the daemon under test: Quicx's own, or any other that speaks the protocol.

Set ``QUICX_CONFORMANCE_DAEMON`` to a command (shell-quoted words) to run the
suite against another implementation; by default it is
``python -m quicx_daemon``. The suite adds ``--listen 127.0.0.1:0`` and the
scenario's options (such as ``--max-payload 16`` or ``--heartbeat 0.2``) and
waits for the one line the daemon prints on stdout once it accepts
connections, ``listening on HOST:PORT``. tests/support/daemon_process.py does
the same for Quicx's own daemon only; this module accepts any command.
"""

from __future__ import annotations

import contextlib
import os
import resource
import shlex
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

from support.daemon_process import READY_PREFIX, DaemonProcess, read_first_line

__all__ = ["DAEMON_ENV", "DATA_DIR", "daemon_command", "fresh_daemon", "log_tail"]

DAEMON_ENV = "QUICX_CONFORMANCE_DAEMON"
DATA_DIR = "{data_dir}"
START_TIMEOUT = 20.0


def daemon_command() -> list[str]:
    """The command that starts the daemon under test, without its options."""
    override = os.environ.get(DAEMON_ENV, "").strip()
    if override:
        return shlex.split(override)
    return [sys.executable, "-m", "quicx_daemon"]


@contextlib.contextmanager
def fresh_daemon(
    *args: str, log: Path | None = None, file_size_limit: int | None = None
) -> Iterator[DaemonProcess]:
    """A new daemon on 127.0.0.1 with ``args``; killed at exit if still running.

    :param args: options; ``{data_dir}`` in one stands for a new empty directory
    :param log: a file for the daemon's stderr; by default it goes to ours
    :param file_size_limit: once the daemon listens, no file it writes may grow
        past this many bytes (RLIMIT_FSIZE), so its journal finds the disk full
    :raises RuntimeError: the daemon exited or printed something else first
    :raises TimeoutError: it did not print its address within 20 s
    """
    with contextlib.ExitStack() as stack:
        data_dir = stack.enter_context(tempfile.TemporaryDirectory(prefix="quicx-"))
        options = [arg.replace(DATA_DIR, data_dir) for arg in args]
        command = [*daemon_command(), "--listen", "127.0.0.1:0", *options]
        process = _start(command, log)
        stack.callback(_stop, process)
        line = read_first_line(process, START_TIMEOUT)
        if not line.startswith(READY_PREFIX):
            raise RuntimeError(f"{command[0]} printed {line!r} instead of its address")
        if file_size_limit is not None:
            limit = (file_size_limit, file_size_limit)
            resource.prlimit(process.pid, resource.RLIMIT_FSIZE, limit)
        host, _, port = line[len(READY_PREFIX) :].strip().rpartition(":")
        yield DaemonProcess(process, host, int(port))


def _start(command: list[str], log: Path | None) -> subprocess.Popen[str]:
    with contextlib.ExitStack() as files:
        stderr = files.enter_context(log.open("w")) if log is not None else None
        return subprocess.Popen(
            command,
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )


def _stop(process: subprocess.Popen[str]) -> None:
    if process.poll() is None:
        process.kill()
    process.wait(10)
    if process.stdout is not None:
        process.stdout.close()


def log_tail(log: Path, lines: int = 20) -> str:
    """The last ``lines`` lines a daemon wrote to ``log``."""
    text = log.read_text("utf-8", errors="replace") if log.exists() else ""
    return "\n".join(text.splitlines()[-lines:])
