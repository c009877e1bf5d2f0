"""The blocking monitor: ask one daemon for STATS."""

from __future__ import annotations

from typing import Any

from quicx_proto import StatsReply

from ._address import DEFAULT_ADDRESS, addresses_of
from ._errors import ConnectionLost, Unreachable
from ._events import Closed, Refused, StatsReceived
from ._protocol import MonitorConnection
from ._socket_link import SocketClient, SocketLink
from ._stats import stats_dict

__all__ = ["Monitor"]


class Monitor(SocketClient[MonitorConnection]):
    """Read a daemon's statistics, over one connection kept open between calls.

    A STATS request changes nothing, so a connection found broken is opened
    again once, transparently.

    :param address: the daemon's ``host:port``.
    :param timeout: seconds to wait for a reply.
    :param connect_timeout: seconds to wait for a TCP connection.
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

    def stats(self) -> dict[str, Any]:
        """The daemon's STATS reply as a dict of its fields (see :func:`stats_dict`).

        :raises Unreachable: when the daemon cannot be reached.
        :raises ConnectionLost: when the connection broke twice in a row.
        """
        return stats_dict(self.snapshot())

    def snapshot(self) -> StatsReply:
        """The daemon's STATS reply as the typed message.

        :raises Unreachable: when the daemon cannot be reached.
        :raises ConnectionLost: when the connection broke twice in a row.
        """
        try:
            return self._ask()
        except ConnectionLost:
            self.close()
            return self._ask()

    def _ask(self) -> StatsReply:
        link = self._connected()
        link.conn.request_stats()
        link.send()
        while True:
            for event in link.receive():
                if isinstance(event, StatsReceived):
                    return event.stats
                if isinstance(event, Refused | Closed):
                    self.close()
                    raise event.error

    def _connected(self) -> SocketLink[MonitorConnection]:
        if self._link is not None and self._link.usable():
            return self._link
        self.close()
        try:
            self._link = SocketLink.open(
                MonitorConnection(self.address),
                connect_timeout=self._connect_timeout,
                timeout=self._timeout,
            )
        except OSError as exc:
            raise Unreachable((self.address,), str(exc)) from exc
        return self._link
