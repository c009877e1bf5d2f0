"""Fixtures shared by the cross-package tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from support.daemon_process import DaemonProcess, running_daemon


@pytest.fixture
def daemon() -> Iterator[DaemonProcess]:
    """A fresh quicx-daemon on 127.0.0.1, with default settings."""
    with running_daemon() as process:
        yield process
