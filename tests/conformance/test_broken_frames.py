"""The broken-frame corpus against a live daemon.

Every line of broken_frames.txt is one case: a frame written by hand, sent on
a connection of its own in a given state, and the ERROR code (or reply)
spec/PROTOCOL.md promises for it, with the connection closed or kept.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from support.daemon_process import DaemonProcess

from conformance.corpus import Case, read_corpus, run_case
from conformance.daemons import fresh_daemon
from conformance.normalize import CLOSING_CODES

OPTIONS, CASES = read_corpus()


@pytest.fixture(scope="module")
def corpus_daemon() -> Iterator[DaemonProcess]:
    with fresh_daemon(*OPTIONS) as daemon:
        yield daemon


def test_corpus_names_are_unique() -> None:
    names = [case.name for case in CASES]

    assert len(set(names)) == len(names)


def test_corpus_closes_exactly_for_closing_codes() -> None:
    wrong = [
        case.name
        for case in CASES
        if case.code is not None and (case.code in CLOSING_CODES) != case.closed
    ]

    assert not wrong, f"section 5 says otherwise for {wrong}"


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)
def test_broken_frame(case: Case, corpus_daemon: DaemonProcess) -> None:
    problems = run_case(case, (corpus_daemon.host, corpus_daemon.port))

    where = f"broken_frames.txt:{case.line} {case.name}"
    assert not problems, f"{where}: " + "; ".join(problems)
    assert corpus_daemon.process.poll() is None, "the daemon exited"
