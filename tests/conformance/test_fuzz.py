"""Random and mutated frames against FrameDecoder and against a live daemon.

The decoder may only return messages or raise ProtocolError, whatever the
bytes and however they are cut into chunks; what it accepts re-encodes to
exactly the bytes it was given. The daemon must answer every input with valid
frames, close the connection when the input ends, and keep serving a healthy
client on another connection throughout.

The number of inputs comes from QUICX_FUZZ_DECODER_INPUTS and
QUICX_FUZZ_DAEMON_INPUTS (see conftest.py); the run ends with a line saying
how many ran.
"""

from __future__ import annotations

import itertools
import socket
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from quicx_proto import (
    DEFAULT_MAX_FRAME,
    Error,
    ErrorCode,
    FrameDecoder,
    Heartbeat,
    Message,
    Pong,
    ProtocolError,
    StatsReply,
    StatsRequest,
    encode,
)

from conformance.daemons import fresh_daemon, log_tail
from conformance.frames import CLIENT_FRAME_LIMIT
from conformance.fuzz import frame_stream
from conformance.normalize import CLOSING_CODES

WITHIN = 5.0
HEALTH_EVERY = 25


def _fuzz_settings(budget: int) -> settings:
    return settings(
        max_examples=budget,
        deadline=None,
        database=None,
        phases=(Phase.generate, Phase.shrink),
        suppress_health_check=list(HealthCheck),
    )


def check_decoder(stream: bytes, cuts: list[int], limit: int) -> None:
    """One FrameDecoder fed ``stream`` at once, another fed it in pieces."""
    whole, whole_error = _decode([stream], limit)
    pieces = [stream[a:b] for a, b in _spans(cuts, len(stream))]
    chunked, chunked_error = _decode(pieces, limit)

    assert whole_error == chunked_error, (whole_error, chunked_error)
    if whole_error is None:
        assert chunked == whole
        assert b"".join(encode(m) for m in whole) == stream


def _decode(pieces: list[bytes], limit: int) -> tuple[list[Message], ErrorCode | None]:
    decoder = FrameDecoder(limit)
    messages: list[Message] = []
    error: ProtocolError | None = None
    try:
        for piece in pieces:
            messages += decoder.feed(piece)
        decoder.end()
    except ProtocolError as exc:
        error = exc
    if error is None:
        return messages, None
    # The decoder stays broken, with the same code.
    with pytest.raises(ProtocolError) as again:
        decoder.feed(b"")
    assert again.value.code == error.code
    return messages, error.code


def _spans(cuts: list[int], size: int) -> list[tuple[int, int]]:
    points = sorted({0, size, *(cut % (size + 1) for cut in cuts)})
    return list(itertools.pairwise(points))


def test_decoder_fuzz(
    fuzz_budgets: dict[str, int], fuzz_counts: dict[str, int]
) -> None:
    budget = fuzz_budgets["decoder"]
    ran = 0

    @_fuzz_settings(budget)
    @given(
        stream=frame_stream() | st.binary(max_size=256),
        cuts=st.lists(st.integers(0, 4096), max_size=6),
        limit=st.sampled_from((0, 16, 1040, DEFAULT_MAX_FRAME)),
    )
    def decode(stream: bytes, cuts: list[int], limit: int) -> None:
        nonlocal ran
        ran += 1
        check_decoder(stream, cuts, limit)

    decode()
    fuzz_counts["decoder"] = ran
    assert ran >= budget


class HealthyClient:
    """A monitor on its own connection that must keep getting STATS replies."""

    def __init__(self, address: tuple[str, int]) -> None:
        self.sock = socket.create_connection(address, timeout=WITHIN)
        self.decoder = FrameDecoder(CLIENT_FRAME_LIMIT)

    def check(self) -> None:
        """One STATS round trip, answering any HEARTBEAT on the way."""
        self.sock.sendall(encode(StatsRequest()))
        deadline = time.monotonic() + WITHIN
        while time.monotonic() < deadline:
            data = self.sock.recv(1 << 16)
            assert data, "the daemon closed the healthy client's connection"
            for message in self.decoder.feed(data):
                if isinstance(message, Heartbeat):
                    self.sock.sendall(encode(Pong(token=message.token)))
                elif isinstance(message, StatsReply):
                    return
                else:
                    raise AssertionError(f"the healthy client got {message!r}")
        raise AssertionError(f"no STATS reply for the healthy client in {WITHIN} s")


def attack(address: tuple[str, int], stream: bytes) -> list[str]:
    """Send ``stream`` on a new connection and end it; what the daemon did wrong."""
    with socket.create_connection(address, timeout=WITHIN) as sock:
        try:
            sock.sendall(stream)
            sock.shutdown(socket.SHUT_WR)
        except OSError:
            pass  # the daemon closed first, after a closing ERROR
        received, ended = _read_to_end(sock)
    try:
        frames = FrameDecoder(CLIENT_FRAME_LIMIT).feed(received)
    except ProtocolError as exc:
        return [f"the daemon sent bytes a client must refuse: {exc}"]
    problems = [] if ended else [f"the daemon did not close within {WITHIN} s"]
    for index, message in enumerate(frames):
        if not isinstance(message, Error):
            continue
        if message.code == ErrorCode.INTERNAL_ERROR:
            problems.append(f"internal_error: {message.message}")
        if message.code in CLOSING_CODES and index != len(frames) - 1:
            problems.append(f"frames after a closing {message.code.name}")
    return problems


def _read_to_end(sock: socket.socket) -> tuple[bytes, bool]:
    received = bytearray()
    deadline = time.monotonic() + WITHIN
    while (remaining := deadline - time.monotonic()) > 0:
        sock.settimeout(remaining)
        try:
            data = sock.recv(1 << 16)
        except TimeoutError:
            break
        except ConnectionResetError:
            return bytes(received), True
        if not data:
            return bytes(received), True
        received += data
    return bytes(received), False


def test_daemon_fuzz(
    fuzz_budgets: dict[str, int], fuzz_counts: dict[str, int], tmp_path: Path
) -> None:
    budget = fuzz_budgets["daemon"]
    log = tmp_path / "daemon.log"
    ran = 0
    with fresh_daemon("--heartbeat", "60", log=log) as daemon:
        address = (daemon.host, daemon.port)
        healthy = HealthyClient(address)
        healthy.check()

        @_fuzz_settings(budget)
        @given(stream=frame_stream())
        def fuzz(stream: bytes) -> None:
            nonlocal ran
            ran += 1
            problems = attack(address, stream)
            assert not problems, f"input {stream.hex()}: {problems}"
            if ran % HEALTH_EVERY == 0:
                assert daemon.process.poll() is None, log_tail(log)
                healthy.check()

        try:
            fuzz()
            healthy.check()
        finally:
            healthy.sock.close()
        alive = daemon.process.poll() is None
    fuzz_counts["daemon"] = ran
    assert alive, f"the daemon exited:\n{log_tail(log)}"
    assert ran >= budget
