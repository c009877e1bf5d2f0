"""The committed captures, checked without a daemon or a capture tool.

Each capture must be intact (its frames, their order and its bytes as its
transcript and sidecar recorded), every frame must decode alike with the
construct codecs and the Kaitai reference decoder and re-encode to the
captured bytes, and the traffic must be what its scenario scripts and the
spec promises. Every message type and error code of spec/quicx.ksy must
appear in some capture.
"""

from __future__ import annotations

import random

import pytest
from quicx_proto import Error, ErrorCode, MsgType
from support.reference_decoder import SPEC

from conformance.committed import (
    Capture,
    capture_names,
    decoder_problems,
    integrity_problem,
    load,
    script_problems,
)
from conformance.normalize import shape_problems
from conformance.pcap import CaptureError
from conformance.scenarios import SCENARIOS, by_name

NAMES = capture_names()
SPEC_MSG_TYPES = {int(k): v["id"] for k, v in SPEC["enums"]["msg_type"].items()}
SPEC_ERROR_CODES = {int(k): v["id"] for k, v in SPEC["enums"]["error_code"].items()}

# Where Quicx's daemon departs from spec/PROTOCOL.md; the capture shows what it does.
DEPARTURES: dict[str, str] = {}
# Codes no scenario can make Quicx's daemon send; they are captured only as
# frames a client sent (role-violations).
UNREACHABLE = {
    "internal_error": "Nothing lets a test make the daemon fail internally on purpose.",
}
MUTATIONS_PER_CAPTURE = 6


@pytest.fixture(scope="module")
def captures() -> dict[str, Capture]:
    return {name: load(name) for name in NAMES}


def test_every_scenario_has_a_capture() -> None:
    assert sorted(s.name for s in SCENARIOS) == NAMES


@pytest.mark.parametrize("name", NAMES)
def test_sidecar_names_its_scenario(name: str, captures: dict[str, Capture]) -> None:
    sidecar, scenario = captures[name].sidecar, by_name(name)

    assert sidecar["scenario"] == scenario.name
    assert sidecar["exercises"] == scenario.exercises
    assert sidecar["daemon_options"] == list(scenario.daemon_args)
    assert sidecar.get("file_size_limit") == scenario.file_size_limit


@pytest.mark.parametrize("name", NAMES)
def test_capture_is_intact(name: str, captures: dict[str, Capture]) -> None:
    problem = integrity_problem(captures[name])

    assert not problem, problem


@pytest.mark.parametrize("name", NAMES)
def test_frames_decode_alike_and_reencode(
    name: str, captures: dict[str, Capture]
) -> None:
    problems = list(decoder_problems(captures[name]))

    assert not problems, "\n".join(problems)


def _spec_params() -> list[object]:
    return [
        pytest.param(
            name,
            id=name,
            marks=[pytest.mark.xfail(strict=True, reason=DEPARTURES[name])]
            if name in DEPARTURES
            else [],
        )
        for name in NAMES
    ]


@pytest.mark.parametrize("name", _spec_params())
def test_capture_keeps_the_spec(name: str, captures: dict[str, Capture]) -> None:
    conversations = captures[name].conversations
    problems = script_problems(by_name(name), conversations)
    problems += shape_problems(conversations)

    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("msg_type", sorted(SPEC_MSG_TYPES), ids=SPEC_MSG_TYPES.get)
def test_every_message_type_is_captured(
    msg_type: int, captures: dict[str, Capture]
) -> None:
    seen = {
        frame.data[3]
        for capture in captures.values()
        for conv in capture.conversations
        for stream in (conv.sent, conv.received)
        for frame in stream.frames
    }

    assert msg_type in seen, f"no capture holds a {SPEC_MSG_TYPES[msg_type]} frame"


def _codes_sent(captures: dict[str, Capture], *, by_daemon_only: bool) -> set[int]:
    codes = set()
    for capture in captures.values():
        for conv in capture.conversations:
            streams = [conv.received] if by_daemon_only else [conv.received, conv.sent]
            for stream in streams:
                codes |= {
                    int(f.message.code)
                    for f in stream.frames
                    if isinstance(f.message, Error)
                }
    return codes


@pytest.mark.parametrize("code", sorted(SPEC_ERROR_CODES), ids=SPEC_ERROR_CODES.get)
def test_every_error_code_is_captured(code: int, captures: dict[str, Capture]) -> None:
    assert code in _codes_sent(captures, by_daemon_only=False), (
        f"no capture holds an ERROR {SPEC_ERROR_CODES[code]}"
    )


def _daemon_code_params() -> list[object]:
    return [
        pytest.param(
            code,
            id=name,
            marks=[pytest.mark.xfail(strict=True, reason=UNREACHABLE[name])]
            if name in UNREACHABLE
            else [],
        )
        for code, name in sorted(SPEC_ERROR_CODES.items())
    ]


@pytest.mark.parametrize("code", _daemon_code_params())
def test_daemon_sends_every_error_code(code: int, captures: dict[str, Capture]) -> None:
    assert code in _codes_sent(captures, by_daemon_only=True), (
        f"no capture holds an ERROR {SPEC_ERROR_CODES[code]} sent by the daemon"
    )


def test_spec_enums_are_the_codecs() -> None:
    assert {t.value: t.name.lower() for t in MsgType} == SPEC_MSG_TYPES
    assert {c.value: c.name.lower() for c in ErrorCode} == SPEC_ERROR_CODES


@pytest.mark.parametrize("name", NAMES)
def test_a_changed_byte_is_named(name: str, captures: dict[str, Capture]) -> None:
    capture = captures[name]
    frames = [
        frame
        for conv in capture.conversations
        for frame in (*conv.sent.frames, *conv.received.frames)
    ]
    rng = random.Random(name)
    for _ in range(MUTATIONS_PER_CAPTURE):
        frame = rng.choice(frames)
        start = capture.data.find(frame.data)
        if start < 0:  # the frame spans two TCP segments; try another
            continue
        at = start + rng.randrange(len(frame.data))
        data = bytearray(capture.data)
        data[at] ^= 1 << rng.randrange(8)

        problem = _problem_with(name, bytes(data))

        assert name in problem
        assert "frame" in problem, problem
        assert "field" in problem or "refused" in problem or "REFUSED" in problem, (
            problem
        )


@pytest.mark.parametrize("name", NAMES[:3])
def test_a_changed_byte_outside_frames_is_named(
    name: str, captures: dict[str, Capture]
) -> None:
    data = bytearray(captures[name].data)
    data[20] ^= 0x01  # inside the section header block's options

    problem = _problem_with(name, bytes(data))

    assert f"{name}.pcapng" in problem


def _problem_with(name: str, data: bytes) -> str:
    try:
        return integrity_problem(load(name, data))
    except CaptureError as exc:
        return str(exc)
