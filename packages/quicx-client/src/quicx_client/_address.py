"""Daemon addresses: ``host:port`` text, one or several."""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["DEFAULT_ADDRESS", "DEFAULT_PORT", "addresses_of", "split_address"]

DEFAULT_PORT = 7878
DEFAULT_ADDRESS = f"127.0.0.1:{DEFAULT_PORT}"


def split_address(address: str) -> tuple[str, int]:
    """Split ``host:port`` (or ``[v6]:port``, or a bare host) into its parts.

    :raises ValueError: when the port is not a number in 1..65535.
    """
    if address.startswith("["):
        host, _, rest = address[1:].partition("]")
        port_text = rest.removeprefix(":")
    elif address.count(":") == 1:
        host, _, port_text = address.partition(":")
    else:  # a bare host name, or a bare IPv6 address
        host, port_text = address, ""
    if not port_text:
        return host or "127.0.0.1", DEFAULT_PORT
    if not port_text.isdigit() or not 0 < int(port_text) < 1 << 16:
        raise ValueError(f"{address!r}: the port must be a number in 1..65535")
    return host or "127.0.0.1", int(port_text)


def addresses_of(addresses: str | Sequence[str]) -> tuple[str, ...]:
    """Normalise one address or several to a non-empty tuple, checking each.

    :raises ValueError: when there is no address or one is malformed.
    """
    found = (addresses,) if isinstance(addresses, str) else tuple(addresses)
    if not found:
        raise ValueError("give at least one daemon address")
    for address in found:
        split_address(address)
    return found
