"""The daemon's group: the public addresses of every daemon behind one balancer.

A daemon started with ``--peers`` tells each worker the whole group in one
PEERS frame, sent once per connection right after its first READY (see
spec/PROTOCOL.md, section 16). The list is the operator's, passed through as
written: the daemon cannot know the address its workers reach it by, so it
checks only that each entry is a ``host:port`` that fits the frame.

The list is read once, at start, and not again: a changed group needs the
daemons restarted one by one, and workers hear the new list when they
reconnect to each.
"""

from __future__ import annotations

from pathlib import Path

from quicx_proto import Peers, encode

__all__ = ["MAX_PEERS", "check_peers", "parse_peers", "peers_frame", "read_peers"]

MAX_PEERS = 255
"""PEERS counts its addresses in one byte."""

_MAX_ADDRESS_BYTES = 255


def check_peers(addresses: tuple[str, ...]) -> None:
    """Check a group: 1..255 distinct ``host:port`` entries of at most 255 bytes.

    An empty tuple is no group, and passes.

    :raises ValueError: naming the first entry that is wrong.
    """
    if len(addresses) > MAX_PEERS:
        raise ValueError(
            f"a group has at most {MAX_PEERS} daemons, not {len(addresses)}"
        )
    seen: set[str] = set()
    for address in addresses:
        _check_address(address)
        if address in seen:
            raise ValueError(f"peer {address!r} is listed twice")
        seen.add(address)


def parse_peers(text: str) -> tuple[str, ...]:
    """Split a comma- or line-separated list of addresses; ``#`` starts a comment.

    :raises ValueError: when the list is empty or an entry is malformed.
    """
    entries: list[str] = []
    for line in text.splitlines():
        line = line.partition("#")[0]
        entries += [part.strip() for part in line.split(",") if part.strip()]
    if not entries:
        raise ValueError("the peer list is empty")
    addresses = tuple(entries)
    check_peers(addresses)
    return addresses


def read_peers(value: str) -> tuple[str, ...]:
    """The group named on the command line: ``HOST:PORT,...`` or ``@FILE``.

    A file holds the same list, one or more addresses a line.

    :raises ValueError: when the file cannot be read or the list is wrong.
    """
    if not value.startswith("@"):
        return parse_peers(value)
    path = Path(value[1:])
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ValueError(f"cannot read the peer list {str(path)!r}: {error}") from error
    try:
        return parse_peers(text)
    except ValueError as error:
        raise ValueError(f"{path}: {error}") from error


def peers_frame(addresses: tuple[str, ...]) -> bytes:
    """The PEERS frame for a group, or no bytes at all when there is none."""
    return encode(Peers(addresses=addresses)) if addresses else b""


def _check_address(address: str) -> None:
    host, sep, port = address.rpartition(":")
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    elif ":" in host:
        raise ValueError(f"peer {address!r}: write an IPv6 address as [ADDRESS]:PORT")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 1 << 16:
        raise ValueError(f"peer {address!r} is not HOST:PORT with a port 1..65535")
    if len(address.encode()) > _MAX_ADDRESS_BYTES:
        raise ValueError(f"peer {address!r} is longer than 255 bytes")
