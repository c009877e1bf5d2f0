"""The broken-frame corpus (broken_frames.txt): reading it and running a case.

:func:`read_corpus` turns the text into :class:`Case` values and the daemon's
options; :func:`run_case` sends one case on a new connection to any daemon
address and returns how the answer differs from the promised outcome.
"""

from __future__ import annotations

import shlex
import socket
import time
from dataclasses import dataclass
from pathlib import Path

from quicx_proto import (
    Error,
    ErrorCode,
    FrameDecoder,
    Heartbeat,
    Message,
    MsgType,
    Pong,
    ProtocolError,
    Ready,
    StatsRequest,
    Submit,
    encode,
)

from conformance.frames import CLIENT_FRAME_LIMIT
from conformance.normalize import CLOSING_CODES, RETRY_AFTER_MS, TASK_CODES
from conformance.notation import parse_frame

__all__ = ["CORPUS", "Case", "CorpusError", "read_corpus", "run_case"]

CORPUS = Path(__file__).resolve().parent / "broken_frames.txt"
STATES = ("new", "producer", "worker", "monitor")
REPLIES = {"OK": MsgType.OK, "PONG": MsgType.PONG, "STATS_REPLY": MsgType.STATS_REPLY}
CHECK_TOKEN = 0xC0FFEE
WITHIN = 5.0

SETUP: dict[str, tuple[Message, ...]] = {
    "new": (),
    "producer": (
        Submit(
            priority=0, delay_ms=0, ttr_ms=0, max_attempts=0, queue="setup", payload=b""
        ),
    ),
    "worker": (Ready(credit=0, queues=("setup",)),),
    "monitor": (StatsRequest(),),
}
SETUP_REPLIES = {"new": 0, "producer": 1, "worker": 0, "monitor": 1}


class CorpusError(ValueError):
    """A line of the corpus cannot be read."""


@dataclass(frozen=True)
class Case:
    """One line of the corpus."""

    line: int
    name: str
    state: str
    frame: bytes
    outcome: str
    closed: bool

    @property
    def code(self) -> ErrorCode | None:
        """The ERROR code the outcome names, or None for a reply or nothing."""
        if self.outcome == "nothing" or self.outcome in REPLIES:
            return None
        return ErrorCode[self.outcome.upper()]


def read_corpus(path: Path = CORPUS) -> tuple[tuple[str, ...], list[Case]]:
    """The daemon options and the cases of the corpus at ``path``.

    :raises CorpusError: naming the line that cannot be read
    """
    options: tuple[str, ...] = ()
    cases: list[Case] = []
    for number, text in enumerate(path.read_text("utf-8").splitlines(), start=1):
        text = text.strip()
        if not text or text.startswith("#"):
            continue
        if text.startswith("daemon:"):
            options = tuple(shlex.split(text.removeprefix("daemon:")))
            continue
        try:
            cases.append(_case(number, text))
        except (ValueError, KeyError) as exc:
            raise CorpusError(f"{path.name}:{number}: {exc}") from None
    return options, cases


def _case(number: int, text: str) -> Case:
    left, arrow, right = text.partition("=>")
    if not arrow:
        raise ValueError("no '=>' before the outcome")
    name, state, frame = left.split(maxsplit=2)
    outcome, keeping = right.split()
    if state not in STATES:
        raise ValueError(f"state {state!r} is not one of {', '.join(STATES)}")
    if keeping not in ("closed", "kept"):
        raise ValueError(f"{keeping!r} is neither closed nor kept")
    if outcome != "nothing" and outcome not in REPLIES:
        ErrorCode[outcome.upper()]  # raises KeyError for a code not in the spec
    return Case(number, name, state, parse_frame(frame), outcome, keeping == "closed")


def run_case(case: Case, address: tuple[str, int]) -> list[str]:
    """Send ``case`` on a new connection; return how the daemon departs from it."""
    with socket.create_connection(address, timeout=WITHIN) as sock:
        reader = _Reader(sock)
        setup = b"".join(encode(m) for m in SETUP[case.state])
        sock.sendall(setup)
        if len(reader.frames(SETUP_REPLIES[case.state])) != SETUP_REPLIES[case.state]:
            return [f"no reply to the {case.state} setup"]
        if case.closed:
            sock.sendall(case.frame)
            return _check_closed(case, reader)
        # The HEARTBEAT after the case shows whether a reply was missing or extra.
        sock.sendall(case.frame + encode(Heartbeat(token=CHECK_TOKEN)))
        return _check_kept(case, reader)


def _check_closed(case: Case, reader: _Reader) -> list[str]:
    got = reader.to_end()
    if not got:
        return ["no ERROR before the end" if reader.ended else "no reply in time"]
    problems = _check_first(case, got[0])
    if len(got) > 1:
        problems.append(f"frames after the ERROR: {got[1:]!r}")
    if not reader.ended:
        problems.append(f"the connection is still open after {WITHIN} s")
    return problems


def _check_kept(case: Case, reader: _Reader) -> list[str]:
    expected = 1 if case.outcome == "nothing" else 2
    got = reader.frames(expected)
    pong = Pong(token=CHECK_TOKEN)
    if case.outcome == "nothing":
        return [] if got == [pong] else [f"expected only the check's PONG, got {got!r}"]
    if len(got) < expected:
        return [f"expected a reply and the check's PONG, got {got!r}"]
    problems = _check_first(case, got[0])
    if got[1] != pong:
        problems.append(f"the connection was not kept: got {got[1]!r} for the check")
    return problems


def _check_first(case: Case, reply: Message) -> list[str]:
    if case.code is None:
        want = REPLIES[case.outcome]
        return (
            [] if _type_of(reply) == want else [f"expected {want.name}, got {reply!r}"]
        )
    if not isinstance(reply, Error) or reply.code != case.code:
        return [f"expected ERROR {case.outcome}, got {reply!r}"]
    problems = []
    if reply.retry_after_ms != RETRY_AFTER_MS.get(case.code, 0):
        problems.append(f"retry_after_ms {reply.retry_after_ms}")
    task_id = _request_task_id(case.frame) if case.code in TASK_CODES else 0
    if reply.task_id != task_id:
        problems.append(f"task_id {reply.task_id}, not {task_id}")
    if (case.code in CLOSING_CODES) != case.closed:
        problems.append("the corpus line disagrees with section 5 on closing")
    return problems


def _request_task_id(frame: bytes) -> int:
    try:
        (message,) = FrameDecoder().feed(frame)
    except (ProtocolError, ValueError):
        return 0
    task_id = getattr(message, "task_id", 0)
    return task_id if isinstance(task_id, int) else 0


def _type_of(message: Message) -> MsgType:
    return MsgType(encode(message)[3])


class _Reader:
    """Frames from one socket, with a deadline per call."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.decoder = FrameDecoder(CLIENT_FRAME_LIMIT)
        self.pending: list[Message] = []
        self.ended = False

    def frames(self, count: int) -> list[Message]:
        deadline = time.monotonic() + WITHIN
        while len(self.pending) < count and self._receive(deadline):
            pass
        taken, self.pending = self.pending[:count], self.pending[count:]
        return taken

    def to_end(self) -> list[Message]:
        deadline = time.monotonic() + WITHIN
        while self._receive(deadline):
            pass
        taken, self.pending = self.pending, []
        return taken

    def _receive(self, deadline: float) -> bool:
        remaining = deadline - time.monotonic()
        if self.ended or remaining <= 0:
            return False
        self.sock.settimeout(remaining)
        try:
            data = self.sock.recv(1 << 16)
        except TimeoutError:
            return False
        except ConnectionResetError:
            data = b""
        if not data:
            self.ended = True
            return False
        self.pending += self.decoder.feed(data)
        return True
