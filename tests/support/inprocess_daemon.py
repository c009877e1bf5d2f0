"""Run a quicx-daemon Server inside the test's own event loop."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import anyio
from quicx_daemon import BrokerConfig, DaemonConfig
from quicx_daemon._server import Server

__all__ = ["serving"]

BROKER_FIELDS = set(BrokerConfig.__dataclass_fields__)


@asynccontextmanager
async def serving(**settings: Any) -> AsyncIterator[tuple[Server, str, int]]:
    """Serve on 127.0.0.1, a free port; yield (server, host, port).

    Keyword arguments are DaemonConfig or BrokerConfig fields. The defaults
    are small: 4 MiB of memory and a 1 KiB payload limit.
    """
    broker = {k: settings.pop(k) for k in list(settings) if k in BROKER_FIELDS}
    broker.setdefault("max_payload", 1024)
    settings.setdefault("memory", 4 << 20)
    config = DaemonConfig(
        host="127.0.0.1", port=0, broker=BrokerConfig(**broker), **settings
    )
    server = Server(config)
    async with anyio.create_task_group() as group:
        host, port = await group.start(server.serve)
        yield server, host, port
        group.cancel_scope.cancel()
