"""Run a scenario's steps against a live daemon over plain sockets.

Every byte sent and received is recorded per connection, in the order the
connections were opened, so a run can be compared with a capture of itself
(the capture tool checks that dumpcap saw exactly these bytes) and with
another run (the replay). Frames are checked against the script as they
arrive; a frame that differs is written down as a problem and the run goes on,
so a capture of a daemon that breaks the spec still shows what it did.

A scenario ends by closing every connection still open: the client shuts its
side down and reads until the daemon closes, so a frame the daemon sent that
the script does not expect is caught there.
"""

from __future__ import annotations

import signal
import socket
import struct
import subprocess
import time
from collections import deque
from dataclasses import dataclass, field

from quicx_proto import (
    Error,
    ErrorCode,
    FrameDecoder,
    Message,
    ProtocolError,
    Submit,
    encode,
)
from support.daemon_process import DaemonProcess

from conformance.frames import CLIENT_FRAME_LIMIT
from conformance.script import (
    Bindings,
    Close,
    Expect,
    ExpectClosed,
    ExpectExit,
    Like,
    Scenario,
    Send,
    Step,
    Terminate,
)

__all__ = ["Recording", "Run", "bound_probe_socket", "run_scenario"]

RECV_SIZE = 1 << 16
DRAIN_WITHIN = 10.0
DRAIN_POLL = 0.01


@dataclass
class Recording:
    """What one connection carried, and who closed it first and how."""

    name: str
    sent: bytearray = field(default_factory=bytearray)
    received: bytearray = field(default_factory=bytearray)
    closed_by: str | None = None
    close_kind: str | None = None


@dataclass
class Run:
    """The recordings of a run, in the order the connections were opened, and
    every way the daemon's frames differed from what the script expects."""

    scenario: Scenario
    recordings: list[Recording]
    problems: list[str]


def bound_probe_socket() -> socket.socket:
    """A TCP socket bound to a free loopback port, for :class:`Terminate`'s probe.

    A capture leaves this port out, so the probe's traffic is not recorded.
    """
    probe = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    probe.bind(("127.0.0.1", 0))
    return probe


def run_scenario(
    scenario: Scenario, daemon: DaemonProcess, probe: socket.socket | None = None
) -> Run:
    """Run every step of ``scenario`` against ``daemon`` and record the traffic.

    :param probe: the socket :class:`Terminate` probes with; a fresh one if None
    """
    runner = _Runner(scenario, daemon, probe)
    try:
        for number, step in enumerate(scenario.steps, start=1):
            runner.step(number, step)
        runner.finish()
    finally:
        runner.close_all()
    return Run(
        scenario, [c.recording for c in runner.connections.values()], runner.problems
    )


class _Connection:
    """One client socket, its decoder and its recording."""

    def __init__(self, name: str, address: tuple[str, int]) -> None:
        self.recording = Recording(name)
        self.sock = socket.create_connection(address, timeout=5.0)
        self.decoder = FrameDecoder(CLIENT_FRAME_LIMIT)
        self.inbox: deque[Message] = deque()
        self.open = True
        self.error: str | None = None

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)
        self.recording.sent += data

    def read(self, count: int, within: float) -> list[Message]:
        """Up to ``count`` frames, fewer if the daemon closes or time runs out."""
        deadline = time.monotonic() + within
        while len(self.inbox) < count and self.open and self.error is None:
            if not self._receive(deadline):
                break
        return [self.inbox.popleft() for _ in range(min(count, len(self.inbox)))]

    def read_to_end(self, within: float) -> list[Message]:
        """Every frame until the daemon closes; stops at ``within`` seconds."""
        deadline = time.monotonic() + within
        while self.open and self.error is None and self._receive(deadline):
            pass
        frames = list(self.inbox)
        self.inbox.clear()
        return frames

    def shut_down(self, within: float) -> list[Message]:
        """Close the client's side and read until the daemon closes its side."""
        self._closed_by("client", "fin")
        try:
            self.sock.shutdown(socket.SHUT_WR)
        except OSError:
            return []
        return self.read_to_end(within)

    def abort(self) -> None:
        """Close with RST, as the kernel does for a process that was killed."""
        self._closed_by("client", "rst")
        self.sock.setsockopt(
            socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)
        )
        self.sock.close()
        self.open = False

    def _receive(self, deadline: float) -> bool:
        """Wait for one recv; False when the deadline passed or the stream ended."""
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return False
        self.sock.settimeout(remaining)
        try:
            data = self.sock.recv(RECV_SIZE)
        except TimeoutError:
            return False
        except ConnectionResetError:
            self._closed_by("daemon", "rst")
            self.open = False
            return False
        if not data:
            self._closed_by("daemon", "fin")
            self.open = False
            return False
        self.recording.received += data
        try:
            self.inbox.extend(self.decoder.feed(data))
        except ProtocolError as exc:
            self.error = f"the daemon sent bytes a client must refuse: {exc}"
        return True

    def _closed_by(self, side: str, kind: str) -> None:
        if self.recording.closed_by is None:
            self.recording.closed_by, self.recording.close_kind = side, kind


class _Runner:
    def __init__(
        self, scenario: Scenario, daemon: DaemonProcess, probe: socket.socket | None
    ) -> None:
        self.scenario = scenario
        self.daemon = daemon
        self.probe = probe
        self.connections: dict[str, _Connection] = {}
        self.bindings: Bindings = {}
        self.problems: list[str] = []

    def step(self, number: int, step: Step) -> None:
        where = f"step {number} ({type(step).__name__.lower()}"
        where += f" on {step.conn})" if hasattr(step, "conn") else ")"
        problems = self._perform(step)
        self.problems += [f"{where}: {problem}" for problem in problems]

    def finish(self) -> None:
        for name, conn in self.connections.items():
            if conn.open:
                extra = conn.shut_down(5.0)
                if extra:
                    self.problems.append(
                        f"end: {name} received frames the script does not expect: "
                        + ", ".join(type(m).__name__ for m in extra)
                    )
                if conn.open:
                    self.problems.append(f"end: the daemon did not close {name}")
            if conn.error:
                self.problems.append(f"{name}: {conn.error}")

    def close_all(self) -> None:
        for conn in self.connections.values():
            conn.sock.close()

    def _connection(self, name: str) -> _Connection:
        if name not in self.connections:
            address = (self.daemon.host, self.daemon.port)
            self.connections[name] = _Connection(name, address)
        return self.connections[name]

    def _perform(self, step: Step) -> list[str]:
        if isinstance(step, Send):
            return self._send(step)
        if isinstance(step, Expect):
            return self._expect(step)
        if isinstance(step, ExpectClosed):
            conn = self._connection(step.conn)
            extra = conn.read_to_end(step.within)
            problems = [f"unexpected {type(m).__name__}" for m in extra]
            if conn.open:
                problems.append(f"still open after {step.within} s")
            return problems
        if isinstance(step, Close):
            conn = self._connection(step.conn)
            if step.abort:
                conn.abort()
                return []
            extra = conn.shut_down(5.0)
            return [f"unexpected {type(m).__name__}" for m in extra]
        if isinstance(step, Terminate):
            return self._terminate(step.probe)
        return self._expect_exit(step)

    def _send(self, step: Send) -> list[str]:
        conn = self._connection(step.conn)
        data = bytearray()
        for frame in step.frames:
            if isinstance(frame, bytes):
                data += frame
            elif isinstance(frame, Like):
                try:
                    data += encode(frame.build(self.bindings))
                except KeyError as exc:
                    return [
                        f"not sent: {exc} is not bound, an earlier frame is missing"
                    ]
            else:
                data += encode(frame)
        try:
            conn.send(bytes(data))
        except OSError as exc:
            return [f"send failed: {exc!r}"]
        return []

    def _expect(self, step: Expect) -> list[str]:
        conn = self._connection(step.conn)
        got = conn.read(len(step.frames), step.within)
        problems: list[str] = []
        for index, (pattern, message) in enumerate(zip(step.frames, got, strict=False)):
            problems += [
                f"frame {index + 1}: {p}" for p in pattern.match(message, self.bindings)
            ]
        if len(got) < len(step.frames):
            why = (
                "closed the connection"
                if not conn.open
                else f"sent nothing more in {step.within} s"
            )
            problems.append(
                f"expected {len(step.frames)} frames, got {len(got)}: the daemon {why}"
            )
        return problems

    def _terminate(self, frame: Submit) -> list[str]:
        self.daemon.process.send_signal(signal.SIGTERM)
        probe = self.probe or socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.probe = None
        try:
            probe.settimeout(5.0)
            probe.connect((self.daemon.host, self.daemon.port))
            return _wait_for_drain(probe, encode(frame))
        except OSError as exc:
            return [f"drain probe failed: {exc!r}"]
        finally:
            probe.close()

    def _expect_exit(self, step: ExpectExit) -> list[str]:
        try:
            status = self.daemon.process.wait(step.within)
        except subprocess.TimeoutExpired:
            return [f"the daemon still runs after {step.within} s"]
        return (
            []
            if status == step.status
            else [f"exit status {status}, not {step.status}"]
        )


def _wait_for_drain(probe: socket.socket, frame: bytes) -> list[str]:
    """Send ``frame`` until the answer is shutting_down; other ERRORs mean not yet."""
    decoder = FrameDecoder(CLIENT_FRAME_LIMIT)
    deadline = time.monotonic() + DRAIN_WITHIN
    while time.monotonic() < deadline:
        probe.sendall(frame)
        replies: list[Message] = []
        while not replies:
            data = probe.recv(RECV_SIZE)
            if not data:
                return ["the daemon closed the drain probe's connection"]
            replies = decoder.feed(data)
        reply = replies[0]
        if not isinstance(reply, Error):
            return [f"the drain probe was not refused: {reply!r}"]
        if reply.code == ErrorCode.SHUTTING_DOWN:
            return []
        time.sleep(DRAIN_POLL)
    return [f"the daemon did not start draining within {DRAIN_WITHIN} s"]
