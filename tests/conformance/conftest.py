"""Fuzz budgets, and a line at the end of the run saying how many inputs ran.

``QUICX_FUZZ_DECODER_INPUTS`` and ``QUICX_FUZZ_DAEMON_INPUTS`` set how many
inputs the fuzz tests try; the defaults are the short budgets CI runs inside
``nox -s conformance``, and ``nox -s fuzz`` raises them.
"""

from __future__ import annotations

import os

import pytest

FUZZ_COUNTS = pytest.StashKey[dict[str, int]]()
DEFAULT_BUDGETS = {"decoder": 2_000, "daemon": 300}


def pytest_configure(config: pytest.Config) -> None:
    config.stash[FUZZ_COUNTS] = {}


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    counts = terminalreporter.config.stash.get(FUZZ_COUNTS, {})
    if counts:
        ran = ", ".join(
            f"{count:,} against the {name}" for name, count in counts.items()
        )
        terminalreporter.write_line(f"fuzz inputs: {ran}")


@pytest.fixture
def fuzz_budgets() -> dict[str, int]:
    """How many inputs to try against each target, the decoder and the daemon."""
    return {
        target: int(os.environ.get(f"QUICX_FUZZ_{target.upper()}_INPUTS", default))
        for target, default in DEFAULT_BUDGETS.items()
    }


@pytest.fixture
def fuzz_counts(request: pytest.FixtureRequest) -> dict[str, int]:
    """Where a fuzz test records how many inputs it ran, for the summary line."""
    return request.config.stash[FUZZ_COUNTS]
