"""The async monitor: ask one daemon for STATS from async code."""

from __future__ import annotations

from typing import Any

from quicx_proto import StatsReply

from ._address import DEFAULT_ADDRESS, addresses_of
from ._async_link import AsyncClient, AsyncLink
from ._errors import ConnectionLost, Unreachable
from ._events import Refused, StatsReceived
from ._protocol import MonitorConnection
from ._stats import stats_dict

__all__ = ["AsyncMonitor"]


class AsyncMonitor(AsyncClient[MonitorConnection]):
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
        self._check_entered()
        if self._link is not None and self._link.usable:
            return self._link
        try:
            link = await AsyncLink.open(
                MonitorConnection(self.address), connect_timeout=self._connect_timeout
            )
        except OSError as exc:
            raise Unreachable((self.address,), str(exc)) from exc
        return self._adopt(link)
