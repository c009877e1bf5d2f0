"""The async monitor: ask one daemon for STATS from async code."""

from __future__ import annotations

from types import TracebackType
from typing import Any

import anyio
from anyio.abc import TaskGroup
from quicx_proto import StatsReply

from ._address import DEFAULT_ADDRESS, addresses_of
from ._async_link import AsyncLink
from ._errors import ConnectionLost, Unreachable
from ._events import Refused, StatsReceived
from ._protocol import MonitorConnection
from ._stats import stats_dict

__all__ = ["AsyncMonitor"]


class AsyncMonitor:
    """Read a daemon's statistics from async code; use it with ``async with``.

    Same behaviour and arguments as :class:`Monitor`.
    """

    def __init__(
        self,
        address: str = DEFAULT_ADDRESS,
        *,
        timeout: float | None = 10.0,
        connect_timeout: float = 5.0,
    ) -> None:
        (self.address,) = addresses_of(address)
        self._timeout = timeout
        self._connect_timeout = connect_timeout
        self._link: AsyncLink[MonitorConnection] | None = None
        self._tasks: TaskGroup | None = None

    async def __aenter__(self) -> AsyncMonitor:
        self._tasks = anyio.create_task_group()
        await self._tasks.__aenter__()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        assert self._tasks is not None
        await self.aclose()
        self._tasks.cancel_scope.cancel()
        await self._tasks.__aexit__(exc_type, exc, tb)
        self._tasks = None

    async def aclose(self) -> None:
        """Close the connection; a later call opens a new one."""
        if self._link is not None:
            link, self._link = self._link, None
            await link.aclose()

    async def stats(self) -> dict[str, Any]:
        """The daemon's STATS reply as a dict; see :meth:`Monitor.stats`."""
        return stats_dict(await self.snapshot())

    async def snapshot(self) -> StatsReply:
        """The STATS reply as the typed message; see :meth:`Monitor.snapshot`."""
        try:
            return await self._ask()
        except ConnectionLost:
            await self.aclose()
            return await self._ask()

    async def _ask(self) -> StatsReply:
        link = await self._connected()
        answer = await link.request(link.conn.request_stats, self._timeout)
        if isinstance(answer, Refused):
            raise answer.error
        assert isinstance(answer, StatsReceived)
        return answer.stats

    async def _connected(self) -> AsyncLink[MonitorConnection]:
        if self._tasks is None:
            raise RuntimeError("use AsyncMonitor as `async with AsyncMonitor(...)`")
        if self._link is not None and self._link.usable:
            return self._link
        try:
            link = await AsyncLink.open(
                MonitorConnection(self.address), connect_timeout=self._connect_timeout
            )
        except OSError as exc:
            raise Unreachable((self.address,), str(exc)) from exc
        self._tasks.start_soon(link.read_forever)
        self._link = link
        return link
