"""Start the queue servers on loopback, read their CPU and memory, stop them.

Each server runs in its own process group with its data in a temporary
directory, so stopping it (also after a failure) leaves nothing behind.
"""

from __future__ import annotations

import contextlib
import os
import selectors
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "SERVER_KINDS",
    "Address",
    "ServerProcess",
    "ServerUnavailable",
    "running_server",
]

Address = tuple[str, int]
HOST = "127.0.0.1"
START_TIMEOUT_S = 20.0
_LOG = "server.log"
_CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
_PAGE = os.sysconf("SC_PAGE_SIZE")

# beanstalkd refuses jobs above 65,535 bytes unless told otherwise, and a
# 64 KiB payload is one of the cases.
_BEANSTALKD_MAX_JOB = 1 << 20
# Enough arena for the largest backlog a run may build (see _plan.py). The
# daemon maps its whole arena resident at start, so this size is also the
# bulk of its RSS.
QUICX_MEMORY = "256MiB"


class ServerUnavailable(RuntimeError):
    """The server could not be started: not installed, or it did not listen."""


@dataclass(frozen=True)
class ServerProcess:
    """A running server: where it listens and which process to measure."""

    kind: str
    address: Address
    pid: int

    def cpu_seconds(self) -> float:
        """User plus system CPU time the server has used since it started."""
        stat = _proc_text(self.pid, "stat")
        # Fields after the command name, which is in parentheses and may
        # contain spaces; utime and stime are fields 14 and 15 of the line.
        fields = stat[stat.rindex(")") + 2 :].split()
        return (int(fields[11]) + int(fields[12])) / _CLOCK_TICKS

    def peak_rss_bytes(self) -> int:
        """The server's resident set high-water mark (VmHWM)."""
        return _status_kib(self.pid, "VmHWM") * 1024

    def rss_bytes(self) -> int:
        """The server's resident set size now."""
        statm = _proc_text(self.pid, "statm").split()
        return int(statm[1]) * _PAGE


def _status_kib(pid: int, key: str) -> int:
    for line in _proc_text(pid, "status").splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    raise ServerUnavailable(f"the server (pid {pid}) has exited")


def _proc_text(pid: int, name: str) -> str:
    try:
        return Path(f"/proc/{pid}/{name}").read_text()
    except FileNotFoundError:
        raise ServerUnavailable(f"the server (pid {pid}) has exited") from None


@contextlib.contextmanager
def running_server(kind: str) -> Iterator[ServerProcess]:
    """Start a fresh server of ``kind`` and stop it when the block ends.

    :raises ServerUnavailable: when it is not installed or does not listen.
    """
    with tempfile.TemporaryDirectory(prefix=f"bench-{kind}-") as data_dir:
        process, until_listening = _START[kind](Path(data_dir))
        try:
            try:
                address = until_listening()
            except ServerUnavailable as exc:
                log = (Path(data_dir) / _LOG).read_text(errors="replace")
                raise ServerUnavailable(
                    f"{exc}; its log ends: {log[-400:]!r}"
                ) from None
            yield ServerProcess(kind, address, process.pid)
        finally:
            _stop(process)


_Started = tuple[subprocess.Popen[bytes], Callable[[], Address]]


def _start_beanstalkd(data_dir: Path) -> _Started:
    port = _free_port()
    command = [_which("beanstalkd"), "-l", HOST, "-p", str(port)]
    command += ["-z", str(_BEANSTALKD_MAX_JOB)]
    process = _spawn(command, data_dir)
    return process, lambda: _wait_for_port(process, port)


def _start_beanstalkd_binlog(data_dir: Path) -> _Started:
    """beanstalkd with its binlog, at its default fsync setting (never)."""
    port = _free_port()
    command = [_which("beanstalkd"), "-l", HOST, "-p", str(port)]
    command += ["-z", str(_BEANSTALKD_MAX_JOB), "-b", str(data_dir)]
    process = _spawn(command, data_dir)
    return process, lambda: _wait_for_port(process, port)


def _start_redis(data_dir: Path) -> _Started:
    port = _free_port()
    command = [_which("redis-server"), "--bind", HOST, "--port", str(port)]
    command += ["--save", "", "--appendonly", "no", "--dir", str(data_dir)]
    process = _spawn(command, data_dir)
    return process, lambda: _wait_for_port(process, port)


def _start_quicx(data_dir: Path) -> _Started:
    command = [sys.executable, "-m", "quicx_daemon", "--listen", f"{HOST}:0"]
    command += ["--memory", QUICX_MEMORY]
    process = _spawn(command, data_dir, stdout=subprocess.PIPE)
    return process, lambda: _read_address(process)


def _start_quicx_journal(data_dir: Path) -> _Started:
    """quicx-daemon with its journal, at its default fsync policy (always)."""
    command = [sys.executable, "-m", "quicx_daemon", "--listen", f"{HOST}:0"]
    command += ["--memory", QUICX_MEMORY, "--data-dir", str(data_dir / "journal")]
    process = _spawn(command, data_dir, stdout=subprocess.PIPE)
    return process, lambda: _read_address(process)


_START = {
    "beanstalkd": _start_beanstalkd,
    "beanstalkd-binlog": _start_beanstalkd_binlog,
    "redis": _start_redis,
    "quicx": _start_quicx,
    "quicx-journal": _start_quicx_journal,
}
SERVER_KINDS = tuple(_START)


def _which(program: str) -> str:
    path = shutil.which(program)
    if path is None:
        raise ServerUnavailable(f"{program} is not installed")
    return path


def _spawn(
    command: list[str], data_dir: Path, stdout: int = subprocess.DEVNULL
) -> subprocess.Popen[bytes]:
    log = (data_dir / _LOG).open("wb")
    with log:
        return subprocess.Popen(
            command,
            cwd=data_dir,
            stdin=subprocess.DEVNULL,
            stdout=stdout,
            stderr=log,
            start_new_session=True,
        )


def _stop(process: subprocess.Popen[bytes]) -> None:
    """Kill the server's whole process group and reap it."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(10)
    if process.stdout is not None:
        process.stdout.close()


def _free_port() -> int:
    # The port is free when we look; a server started right after gets it
    # unless another program takes it in between, which shows up as a start
    # failure rather than as a wrong measurement.
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        port: int = probe.getsockname()[1]
        return port


def _wait_for_port(process: subprocess.Popen[bytes], port: int) -> Address:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise ServerUnavailable(f"server exited with {process.returncode}")
        with contextlib.suppress(OSError), socket.create_connection((HOST, port), 1):
            return HOST, port
        time.sleep(0.01)
    raise ServerUnavailable(f"nothing listened on port {port} in time")


def _read_address(process: subprocess.Popen[bytes]) -> Address:
    """Wait for quicx-daemon's one line, ``listening on HOST:PORT``."""
    assert process.stdout is not None
    deadline = time.monotonic() + START_TIMEOUT_S
    with selectors.DefaultSelector() as selector:
        selector.register(process.stdout, selectors.EVENT_READ)
        while time.monotonic() < deadline:
            if selector.select(deadline - time.monotonic()):
                line = process.stdout.readline().decode()
                if not line.startswith("listening on "):
                    raise ServerUnavailable(f"quicx-daemon printed {line!r}")
                host, _, port = line.removeprefix("listening on ").rpartition(":")
                return host, int(port)
    raise ServerUnavailable("quicx-daemon did not print its address in time")
