"""Which daemons a worker serves: the addresses it was given, and its group.

A worker is given some addresses: daemons, or a load balancer in front of
them. A daemon started with a group names every member in PEERS after the
worker's first READY. The worker then serves each member over a direct
connection of its own, whatever address it reached the daemon by, so that no
daemon keeps tasks that no worker takes.

A connection whose address is not a member is a way in (a balancer, or
another spelling of a member's address): the worker pauses it with READY
credit 0 and keeps it open, so that when it breaks and is opened again the
worker hears the group afresh. The latest PEERS, from any daemon, is the
group: members it adds are served, and members it drops are let go once
they hold no task. The given addresses are served whatever the group says.

:class:`WorkerGroup` decides; the worker core opens and closes connections.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ._address import split_address

__all__ = ["GroupChange", "WorkerGroup"]


@dataclass(frozen=True, slots=True)
class GroupChange:
    """What a worker does about one PEERS."""

    way_in: bool
    """The connection that carried it is not a member: pause it."""
    start: tuple[str, ...]
    """Members to open a connection to."""
    stop: tuple[str, ...]
    """Former members to let go of once they hold no task."""
    ignored: tuple[str, ...]
    """Addresses that are not ``host:port``; the rest of the group still counts."""


class WorkerGroup:
    """The addresses a worker was given and the members it was last told of.

    :param given: the worker's own addresses, served whatever happens.
    """

    def __init__(self, given: Sequence[str]) -> None:
        self.given = tuple(given)
        self.members: tuple[str, ...] = ()

    @property
    def served(self) -> tuple[str, ...]:
        """Every address the worker serves, given ones first."""
        extra = [address for address in self.members if address not in self.given]
        return (*self.given, *extra)

    def announce(self, via: str, addresses: Sequence[str]) -> GroupChange:
        """Take the group a daemon reached at ``via`` announced.

        A PEERS with no usable address changes nothing, and leaves ``via``
        served as it is.
        """
        usable, ignored = _usable(addresses)
        if not usable:
            return GroupChange(False, (), (), ignored)
        before = set(self.members)
        self.members = usable
        skip = before | set(self.given)
        start = tuple(address for address in usable if address not in skip)
        stop = tuple(
            address
            for address in before
            if address not in usable and address not in self.given
        )
        return GroupChange(via not in usable, start, tuple(sorted(stop)), ignored)


def _usable(addresses: Sequence[str]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Split addresses into those a worker can dial, once each, and the rest."""
    usable: list[str] = []
    ignored: list[str] = []
    for address in addresses:
        try:
            split_address(address)
        except ValueError:
            ignored.append(address)
            continue
        if address not in usable:
            usable.append(address)
    return tuple(usable), tuple(ignored)
