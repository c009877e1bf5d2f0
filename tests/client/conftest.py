"""Fixtures of the client tests: scripted daemons and a dead address."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from client.live import dead_address
from client.scripted import Script, ScriptedDaemon


@pytest.fixture
def scripted() -> Iterator[Callable[[Script], ScriptedDaemon]]:
    """Start scripted daemons for a test; all are closed when it ends."""
    daemons: list[ScriptedDaemon] = []

    def start(script: Script) -> ScriptedDaemon:
        daemons.append(ScriptedDaemon(script))
        return daemons[-1]

    yield start
    for daemon in daemons:
        daemon.close()


@pytest.fixture
def closed_address() -> str:
    """A loopback address where nothing listens."""
    return dead_address()
