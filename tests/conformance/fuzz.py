"""Inputs for the fuzz tests: real frames, then the same frames mutated.

The seeds are every frame of the committed captures, in both directions, and
every frame of the broken-frame corpus, so the fuzzer starts from each message
type, each role's first frame and each known way to break one. Hypothesis then
flips bits, overwrites, inserts and deletes bytes, cuts frames short, rewrites
header fields and glues frames together.
"""

from __future__ import annotations

from functools import cache

from hypothesis import strategies as st
from quicx_proto import HEADER_SIZE

from conformance.committed import capture_names, load
from conformance.corpus import read_corpus

__all__ = ["frame_stream", "seed_frames"]

MAX_MUTATIONS = 4
MAX_FRAMES = 4


@cache
def seed_frames() -> tuple[bytes, ...]:
    """Every distinct frame of the captures and the corpus, shortest first."""
    seeds: set[bytes] = {case.frame for case in read_corpus()[1]}
    for name in capture_names():
        for conv in load(name).conversations:
            for stream in (conv.sent, conv.received):
                seeds.update(frame.data for frame in stream.frames)
                if stream.refusal is not None:
                    seeds.add(stream.refusal.data)
    return tuple(sorted(seeds, key=lambda seed: (len(seed), seed)))


@st.composite
def _mutated(draw: st.DrawFn) -> bytes:
    frame = bytearray(draw(st.sampled_from(seed_frames()), label="seed"))
    for _ in range(draw(st.integers(0, MAX_MUTATIONS), label="mutations")):
        _mutate(draw, frame)
    return bytes(frame)


def _mutate(draw: st.DrawFn, frame: bytearray) -> None:
    at = draw(st.integers(0, len(frame)), label="at")
    kind = draw(st.sampled_from(("flip", "set", "insert", "delete", "cut", "len")))
    if kind == "flip" and at < len(frame):
        frame[at] ^= 1 << draw(st.integers(0, 7))
    elif kind == "set" and at < len(frame):
        frame[at] = draw(st.sampled_from((0x00, 0x01, 0x7F, 0x80, 0xFF)))
    elif kind == "insert":
        frame[at:at] = draw(st.binary(min_size=1, max_size=8))
    elif kind == "delete":
        del frame[at : at + draw(st.integers(1, 8))]
    elif kind == "cut":
        del frame[at:]
    elif kind == "len" and len(frame) >= HEADER_SIZE:
        size = draw(st.integers(0, 2**32 - 1) | st.integers(0, len(frame) + 8))
        frame[4:8] = size.to_bytes(4, "big")


_ANY_BYTES = st.binary(max_size=64)
_HEADER_AND_NOISE = st.builds(
    lambda version, msg_type, size, body: (
        b"QX" + bytes([version, msg_type]) + size.to_bytes(4, "big") + body
    ),
    st.sampled_from((1, 1, 1, 0, 2, 255)),
    st.integers(0, 255),
    st.integers(0, 64),
    st.binary(max_size=64),
)
# Deferred, so the captures are read when a test first draws, not at import.
_ONE_FRAME = st.deferred(
    lambda: st.one_of(
        st.sampled_from(seed_frames()), _mutated(), _ANY_BYTES, _HEADER_AND_NOISE
    )
)


def frame_stream(max_frames: int = MAX_FRAMES) -> st.SearchStrategy[bytes]:
    """Up to ``max_frames`` frames, whole, mutated or random, back to back."""
    return st.lists(_ONE_FRAME, min_size=1, max_size=max_frames).map(b"".join)
