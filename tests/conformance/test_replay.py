"""Replay each captured scenario against a fresh daemon and compare.

The client side of the scenario is sent again, frame for frame, to a new
daemon started with the capture's options; what comes back must be the
captured server frames, after normalizing only the fields spec/PROTOCOL.md
section 18 lets vary (see conformance/normalize.py). Who closed each
connection, and how, must match too.
"""

from __future__ import annotations

import pytest

from conformance.committed import Capture, capture_names, load
from conformance.daemons import fresh_daemon
from conformance.driver import run_scenario
from conformance.frames import differences
from conformance.normalize import normalized
from conformance.scenarios import by_name
from conformance.traffic import from_run

NAMES = capture_names()
SHOWN = 5


@pytest.mark.parametrize("name", NAMES)
def test_replay_gives_the_captured_frames(name: str) -> None:
    capture: Capture = load(name)
    scenario = by_name(name)
    options = capture.sidecar["daemon_options"]
    limit = capture.sidecar.get("file_size_limit")
    with fresh_daemon(*options, file_size_limit=limit) as daemon:
        run = run_scenario(scenario, daemon)
    captured = normalized(capture.conversations)
    replayed = normalized(from_run(run))

    names = [recording.name for recording in run.recordings]
    problems = [
        f"connection {number} ({conn}) {difference}"
        for number, (conn, old, new) in enumerate(
            zip(names, captured, replayed, strict=False), start=1
        )
        for difference in differences(old, new, names=("captured", "replayed"))
    ]
    if len(captured) != len(replayed):
        problems.append(
            f"{len(captured)} connections captured, {len(replayed)} replayed"
        )
    shown = "\n".join(problems[:SHOWN])
    assert not problems, f"{name}: the replay differs from the capture:\n{shown}"
