"""Read a packet capture and put each TCP connection's two byte streams back together.

The capture may be pcapng (what dumpcap writes) or classic pcap, on Ethernet,
Linux cooked (SLL, SLL2) or raw IP links, IPv4 or IPv6. dpkt reads the file and
the headers; the reassembly is ours and strict, because a conformance suite
must not guess: every connection must start inside the capture (its SYN is
there), each direction's bytes must be contiguous, and a retransmission must
repeat the bytes it covers exactly. Anything else raises :class:`CaptureError`
naming the capture and the connection.
"""

from __future__ import annotations

import bisect
import io
import math
import struct
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import dpkt

__all__ = ["CaptureError", "TcpConnection", "read_connections"]

_SEQ_SPACE = 1 << 32
_PCAPNG_MAGIC = b"\x0a\x0d\x0d\x0a"
_LINKS = {
    dpkt.pcap.DLT_EN10MB: dpkt.ethernet.Ethernet,
    dpkt.pcap.DLT_LINUX_SLL: dpkt.sll.SLL,
    dpkt.pcap.DLT_LINUX_SLL2: dpkt.sll2.SLL2,
}
# What dpkt raises on a damaged file or packet.
_READ_ERRORS = (
    ValueError,
    dpkt.Error,
    EOFError,
    OverflowError,
    TypeError,
    IndexError,
    KeyError,
    struct.error,
)
_RAW_LINKS = {dpkt.pcap.DLT_RAW, 12, 14}  # 12 and 14 are raw IP on some systems

Endpoint = tuple[str, int]


class CaptureError(ValueError):
    """The capture cannot be read, or a TCP stream in it has a hole or a conflict."""


@dataclass
class TcpConnection:
    """One TCP connection of a capture, in the order its SYN was captured.

    ``closed_by_client`` and ``closed_by_server`` are ``"fin"``, ``"rst"`` or
    ``None`` for a side that did not close while the capture ran. The
    ``*_times`` tuples give, for each segment, the stream offset it starts at
    and when it was captured, so a byte of a stream can be dated.
    """

    client: Endpoint
    server: Endpoint
    opened_at: float
    to_server: bytes = b""
    to_client: bytes = b""
    closed_by_client: str | None = None
    closed_by_server: str | None = None
    client_closed_at: float | None = None
    server_closed_at: float | None = None
    to_server_times: tuple[tuple[int, float], ...] = ()
    to_client_times: tuple[tuple[int, float], ...] = ()

    def time_of(self, to_server: bool, offset: int) -> float:
        """When the byte at ``offset`` of one direction's stream was captured."""
        times = self.to_server_times if to_server else self.to_client_times
        index = bisect.bisect_right(times, (offset, math.inf)) - 1
        return times[index][1] if index >= 0 else self.opened_at


@dataclass
class _Direction:
    """The segments seen in one direction, before reassembly."""

    isn: int | None = None
    segments: dict[int, bytes] = field(default_factory=dict)
    times: dict[int, float] = field(default_factory=dict)
    closed: str | None = None
    closed_at: float | None = None

    def add(self, seq: int, data: bytes, stamp: float) -> str | None:
        """File a segment; return a description of a conflict, if any."""
        if self.isn is None:
            return "data before the SYN"
        offset = (seq - self.isn - 1) % _SEQ_SPACE
        known = self.segments.get(offset)
        if known is not None and not (known.startswith(data) or data.startswith(known)):
            return f"a retransmission at byte {offset} differs from the original"
        if known is None or len(data) > len(known):
            self.segments[offset] = data
        self.times.setdefault(offset, stamp)
        return None

    def assemble(self) -> bytes | str:
        """The contiguous stream, or a description of its first hole or conflict."""
        stream = bytearray()
        for offset in sorted(self.segments):
            data = self.segments[offset]
            end = len(stream)
            if offset > end:
                return f"{offset - end} bytes missing after byte {end}"
            common = min(end - offset, len(data))
            if stream[offset : offset + common] != data[:common]:
                return f"overlapping segments differ at byte {offset}"
            stream += data[common:]
        return bytes(stream)


@dataclass
class _Flow:
    client: Endpoint
    server: Endpoint
    opened_at: float
    up: _Direction = field(default_factory=_Direction)
    down: _Direction = field(default_factory=_Direction)


def read_connections(capture: Path | bytes, *, name: str = "") -> list[TcpConnection]:
    """Return every TCP connection of ``capture``, in the order they opened.

    :param capture: a pcapng or pcap file, as a path or as its bytes
    :param name: what to call the capture in errors; the file name by default
    :raises CaptureError: the file is not a readable capture, a link type or
        packet cannot be read, a connection started before the capture, or a
        stream has a hole or two different versions of the same bytes
    """
    if isinstance(capture, Path):
        name = name or capture.name
        capture = capture.read_bytes()
    name = name or "capture"
    flows: list[_Flow] = []
    current: dict[tuple[Endpoint, Endpoint], _Flow] = {}
    for number, (stamp, packet) in enumerate(_packets(capture, name), start=1):
        try:
            _file_packet(flows, current, stamp, packet)
        except CaptureError as exc:
            raise CaptureError(f"{name}: packet {number}: {exc}") from None
    return [_assemble(name, index, flow) for index, flow in enumerate(flows, 1)]


def _packets(capture: bytes, name: str) -> Iterator[tuple[float, object]]:
    """Yield (timestamp, IP packet) for every packet that carries IP."""
    try:
        reader_class = (
            dpkt.pcapng.Reader
            if capture.startswith(_PCAPNG_MAGIC)
            else dpkt.pcap.Reader
        )
        reader = reader_class(io.BytesIO(capture))
        link = reader.datalink()
        records = list(reader)
    except _READ_ERRORS as exc:
        raise CaptureError(
            f"{name}: not a readable pcapng or pcap file: {exc!r}"
        ) from None
    for number, (stamp, frame) in enumerate(records, start=1):
        try:
            packet = _ip_packet(link, frame)
        except _READ_ERRORS as exc:
            raise CaptureError(
                f"{name}: packet {number} cannot be read: {exc!r}"
            ) from None
        if packet is not None:
            yield stamp, packet


def _ip_packet(link: int, frame: bytes) -> object | None:
    """The IPv4 or IPv6 packet inside a link-layer frame, or None."""
    if link in _RAW_LINKS:
        version = frame[0] >> 4 if frame else 0
        packet: object = dpkt.ip.IP(frame) if version == 4 else dpkt.ip6.IP6(frame)
        return packet
    if link not in _LINKS:
        raise CaptureError(f"link type {link} is not supported")
    packet = _LINKS[link](frame).data
    return packet if isinstance(packet, dpkt.ip.IP | dpkt.ip6.IP6) else None


def _file_packet(
    flows: list[_Flow],
    current: dict[tuple[Endpoint, Endpoint], _Flow],
    stamp: float,
    packet: object,
) -> None:
    segment = getattr(packet, "data", None)
    if not isinstance(segment, dpkt.tcp.TCP):
        return
    _check_not_truncated(packet)
    source = (_address(packet, "src"), segment.sport)
    target = (_address(packet, "dst"), segment.dport)
    syn = bool(segment.flags & dpkt.tcp.TH_SYN)
    ack = bool(segment.flags & dpkt.tcp.TH_ACK)
    flow = current.get((source, target))

    # A SYN without ACK opens a connection, unless it repeats the last one's.
    if syn and not ack:
        if flow is None or flow.up.isn != segment.seq:
            flow = _Flow(client=source, server=target, opened_at=stamp)
            flow.up.isn = segment.seq
            flows.append(flow)
            current[(source, target)] = current[(target, source)] = flow
        return
    if flow is None:
        raise CaptureError(
            f"{source} -> {target}: connection opened before the capture"
        )
    side = flow.up if source == flow.client else flow.down
    if syn:
        side.isn = segment.seq
        return
    if segment.data:
        conflict = side.add(segment.seq, bytes(segment.data), stamp)
        if conflict:
            raise CaptureError(f"{source} -> {target}: {conflict}")
    # How each side closed first: a FIN, or a RST without a FIN before it.
    if side.closed is None and segment.flags & (dpkt.tcp.TH_RST | dpkt.tcp.TH_FIN):
        side.closed = "rst" if segment.flags & dpkt.tcp.TH_RST else "fin"
        side.closed_at = stamp


def _check_not_truncated(packet: object) -> None:
    """Refuse a packet the capture cut short (a snap length below the MTU)."""
    if isinstance(packet, dpkt.ip.IP):
        if len(packet) < packet.len:
            raise CaptureError(f"IPv4 packet truncated to {len(packet)} bytes")
    elif isinstance(packet, dpkt.ip6.IP6) and len(packet.data) < packet.plen:
        raise CaptureError("IPv6 packet truncated")


def _address(packet: object, which: str) -> str:
    return str(dpkt.utils.inet_to_str(getattr(packet, which)))


def _assemble(name: str, index: int, flow: _Flow) -> TcpConnection:
    streams = []
    for label, side in (("client to server", flow.up), ("server to client", flow.down)):
        stream = side.assemble()
        if isinstance(stream, str):
            raise CaptureError(f"{name}: connection {index}, {label}: {stream}")
        streams.append(stream)
    return TcpConnection(
        client=flow.client,
        server=flow.server,
        opened_at=flow.opened_at,
        to_server=streams[0],
        to_client=streams[1],
        closed_by_client=flow.up.closed,
        closed_by_server=flow.down.closed,
        client_closed_at=flow.up.closed_at,
        server_closed_at=flow.down.closed_at,
        to_server_times=tuple(sorted(flow.up.times.items())),
        to_client_times=tuple(sorted(flow.down.times.items())),
    )
