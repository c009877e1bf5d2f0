"""The processes of a cluster run: daemons, HAProxy, workers and producers.

A :class:`Fleet` starts them on loopback and stops every one it started when
it is left, also after a failure: workers get SIGTERM and a few seconds to
write what they ran, everything else is killed. Logs go to files in the
fleet's directory, and the tail of each is shown when a run fails.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import IO

from quicx_client import Monitor
from quicx_proto import StatsReply
from support.daemon_process import DaemonProcess, start_daemon

from .haproxy import EXAMPLE, render_config, server_states

__all__ = ["Daemon", "Fleet", "cpu_seconds", "finish", "free_ports", "poll"]

TESTS = Path(__file__).resolve().parents[1]
HAPROXY = shutil.which("haproxy") or "/usr/sbin/haproxy"
DEADLINE = 60.0


def free_ports(count: int) -> list[int]:
    """Loopback ports free right now, all different."""
    socks = [socket.create_server(("127.0.0.1", 0)) for _ in range(count)]
    try:
        return [sock.getsockname()[1] for sock in socks]
    finally:
        for sock in socks:
            sock.close()


def poll(condition: Callable[[], bool], what: str, timeout: float = DEADLINE) -> float:
    """Wait until ``condition`` holds; return the seconds it took.

    :raises TimeoutError: naming ``what`` after ``timeout`` seconds.
    """
    began = time.monotonic()
    while not condition():
        if time.monotonic() - began > timeout:
            raise TimeoutError(f"{what}: not within {timeout:g} s")
        time.sleep(0.02)
    return time.monotonic() - began


@dataclass
class Daemon:
    """One quicx-daemon of the group, on a fixed port so it can come back."""

    node_id: int
    port: int
    peers: str
    running: DaemonProcess | None = None
    """The live process, if any."""

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self) -> None:
        # start_daemon listens on port 0 first; the later --listen wins.
        self.running = start_daemon(
            *("--listen", self.address, "--node-id", str(self.node_id)),
            *("--peers", self.peers, "--log-level", "warning"),
        )

    def kill(self) -> None:
        """SIGKILL, as a crash would."""
        if self.running is not None:
            self.running.kill()
            self.running = None

    def stats(self) -> StatsReply:
        with Monitor(self.address) as monitor:
            return monitor.snapshot()


@dataclass
class Fleet:
    """Everything one cluster run starts, stopped when the ``with`` block ends."""

    workdir: Path
    daemons: list[Daemon] = field(default_factory=list)
    balancer: str = ""
    _haproxy: subprocess.Popen[bytes] | None = None
    _stats_socket: Path | None = None
    _workers: list[subprocess.Popen[bytes]] = field(default_factory=list)
    _logs: list[IO[bytes]] = field(default_factory=list)

    def __enter__(self) -> Fleet:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        try:
            self.stop_workers(timeout=10.0)
        finally:
            for daemon in self.daemons:
                daemon.kill()
            if self._haproxy is not None:
                self._haproxy.terminate()
                _end(self._haproxy, signal.SIGKILL)
            for log in self._logs:
                log.close()
        if error is not None:
            self.show_logs()

    # -- starting ------------------------------------------------------------

    def start_daemons(self, count: int) -> list[Daemon]:
        """``count`` daemons, node ids 1.., each given the whole group."""
        ports = free_ports(count)
        peers = ",".join(f"127.0.0.1:{port}" for port in ports)
        self.daemons = [Daemon(n, port, peers) for n, port in enumerate(ports, 1)]
        for daemon in self.daemons:
            daemon.start()
        return self.daemons

    def start_haproxy(self) -> str:
        """HAProxy with examples/haproxy.cfg in front of the daemons; its address."""
        (port,) = free_ports(1)
        self._stats_socket = self.workdir / "haproxy.sock"
        config = self.workdir / "haproxy.cfg"
        config.write_text(
            render_config(
                EXAMPLE.read_text(),
                port=port,
                servers=[daemon.address for daemon in self.daemons],
                stats_socket=self._stats_socket,
            )
        )
        log = self._log("haproxy")
        self._haproxy = subprocess.Popen(
            [HAPROXY, "-db", "-f", str(config)], stdout=log, stderr=log
        )
        self.balancer = f"127.0.0.1:{port}"
        poll(self._all_up, "HAProxy sees every daemon up", timeout=20.0)
        return self.balancer

    def start_workers(self, count: int, concurrency: int) -> None:
        """Worker processes that know only the balancer's address."""
        for n in range(count):
            out = self.workdir / f"worker-{n}.ran"
            command = ["worker", "--address", self.balancer]
            command += ["--concurrency", str(concurrency), "--out", str(out)]
            self._workers.append(self._spawn(command, f"worker-{n}"))

    def produce(
        self,
        prefix: str,
        count: int,
        producers: int,
        batch: int = 500,
        spread: float = 0.0,
    ) -> list[subprocess.Popen[bytes]]:
        """Start ``producers`` processes submitting ``count`` tasks in all,
        ``batch`` per connection, spread over at least ``spread`` seconds."""
        share = -(-count // producers)
        started = []
        for n in range(producers):
            first, last = n * share, min(count, (n + 1) * share)
            command = ["produce", "--address", self.balancer, "--prefix", prefix]
            command += ["--start", str(first), "--count", str(last - first)]
            command += ["--batch", str(batch), "--spread", str(spread)]
            command += ["--out", str(self.workdir / f"{prefix}-{n}.acked")]
            started.append(
                self._spawn(command, f"{prefix}-{n}", stdout=subprocess.PIPE)
            )
        return started

    # -- watching and stopping ---------------------------------------------------

    def server_states(self) -> dict[str, str]:
        assert self._stats_socket is not None
        return server_states(self._stats_socket)

    def cpu(self) -> dict[str, float]:
        """CPU seconds used so far by the daemons, HAProxy and the workers."""
        daemons = [d.running.process.pid for d in self.daemons if d.running]
        haproxy = [self._haproxy.pid] if self._haproxy is not None else []
        workers = self.workers_alive()
        return {
            "daemons": sum(map(cpu_seconds, daemons)),
            "haproxy": sum(map(cpu_seconds, haproxy)),
            "workers": sum(map(cpu_seconds, workers)),
        }

    def workers_alive(self) -> list[int]:
        """Process ids of the workers still running."""
        return [w.pid for w in self._workers if w.poll() is None]

    def stop_workers(self, timeout: float = 30.0) -> list[Path]:
        """SIGTERM every worker and wait; return the files of what they ran."""
        for worker in self._workers:
            if worker.poll() is None:
                worker.send_signal(signal.SIGTERM)
        for worker in self._workers:
            _end(worker, signal.SIGKILL, timeout)
        return sorted(self.workdir.glob("worker-*.ran"))

    def show_logs(self, lines: int = 15) -> None:
        for path in sorted(self.workdir.glob("*.log")):
            tail = path.read_text(errors="replace").splitlines()[-lines:]
            if tail:
                print(f"--- {path.name}", *tail, sep="\n", file=sys.stderr)  # noqa: T201

    def _all_up(self) -> bool:
        assert self._haproxy is not None
        if self._haproxy.poll() is not None:
            raise RuntimeError(f"haproxy exited with {self._haproxy.returncode}")
        try:
            states = self.server_states()
        except OSError:
            return False
        return len(states) == len(self.daemons) and all(
            state.startswith("UP") for state in states.values()
        )

    def _log(self, name: str) -> IO[bytes]:
        log = open(self.workdir / f"{name}.log", "ab")  # noqa: SIM115
        self._logs.append(log)
        return log

    def _spawn(
        self, arguments: Sequence[str], name: str, stdout: int | None = None
    ) -> subprocess.Popen[bytes]:
        log = self._log(name)
        env = {**os.environ, "PYTHONPATH": _python_path()}
        return subprocess.Popen(
            [sys.executable, "-m", "cluster.roles", *arguments],
            stdout=log if stdout is None else stdout,
            stderr=log,
            env=env,
        )


def finish(producers: Sequence[subprocess.Popen[bytes]]) -> dict[str, float]:
    """Wait for producer processes; add up the counts they printed.

    :raises RuntimeError: when one of them failed.
    """
    totals: dict[str, float] = {}
    for producer in producers:
        out, _ = producer.communicate(timeout=DEADLINE * 3)
        if producer.returncode != 0:
            raise RuntimeError(f"a producer exited with {producer.returncode}")
        for name, value in json.loads(out.decode().splitlines()[-1]).items():
            before = totals.get(name, 0)
            totals[name] = max(before, value) if name == "seconds" else before + value
    return totals


def cpu_seconds(pid: int) -> float:
    """User and system CPU time a running process used so far (Linux)."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    fields = stat.rsplit(")", 1)[1].split()  # from field 3, the state, on
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _end(process: subprocess.Popen[bytes], sig: int, timeout: float = 5.0) -> None:
    """Wait up to ``timeout`` for ``process`` to exit, then send ``sig``."""
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        process.send_signal(sig)
        process.wait(10)


def _python_path() -> str:
    current = os.environ.get("PYTHONPATH")
    return str(TESTS) if not current else f"{TESTS}{os.pathsep}{current}"
