"""The suite's own readers: TCP reassembly, the frame notation, stream splitting."""

from __future__ import annotations

import io
import socket

import dpkt
import pytest
from quicx_proto import (
    ErrorCode,
    Heartbeat,
    Message,
    Ok,
    StatsRequest,
    Submit,
    Wait,
    encode,
)

from conformance.frames import split_stream
from conformance.notation import NotationError, parse_frame
from conformance.pcap import CaptureError, read_connections

CLIENT, SERVER = 40000, 7878
SYN, ACK, FIN, RST, PSH = (
    dpkt.tcp.TH_SYN,
    dpkt.tcp.TH_ACK,
    dpkt.tcp.TH_FIN,
    dpkt.tcp.TH_RST,
    dpkt.tcp.TH_PUSH,
)
C_ISN, S_ISN = 1000, 2**32 - 3  # the server's sequence numbers wrap around


def _packet(
    up: bool, seq: int, flags: int, data: bytes = b"", client: int = CLIENT
) -> bytes:
    sport, dport = (client, SERVER) if up else (SERVER, client)
    tcp = dpkt.tcp.TCP(
        sport=sport, dport=dport, seq=seq % 2**32, flags=flags, data=data
    )
    loopback = socket.inet_aton("127.0.0.1")
    ip = dpkt.ip.IP(src=loopback, dst=loopback, p=dpkt.ip.IP_PROTO_TCP, data=tcp)
    ip.len = len(bytes(ip))
    ether = dpkt.ethernet.Ethernet(type=dpkt.ethernet.ETH_TYPE_IP, data=ip)
    return bytes(ether)


def _handshake() -> list[bytes]:
    return [_packet(True, C_ISN, SYN), _packet(False, S_ISN, SYN | ACK)]


def _capture(packets: list[bytes], *, pcapng: bool = True) -> bytes:
    out = io.BytesIO()
    writer = dpkt.pcapng.Writer(out) if pcapng else dpkt.pcap.Writer(out)
    for stamp, packet in enumerate(packets):
        writer.writepkt(packet, ts=1.0 + stamp / 1000)
    return out.getvalue()


def _up(offset: int, data: bytes, flags: int = PSH | ACK) -> bytes:
    return _packet(True, C_ISN + 1 + offset, flags, data)


def _down(offset: int, data: bytes, flags: int = PSH | ACK) -> bytes:
    return _packet(False, S_ISN + 1 + offset, flags, data)


@pytest.mark.parametrize("pcapng", [True, False], ids=["pcapng", "pcap"])
def test_segments_out_of_order_and_repeated_are_put_together(pcapng: bool) -> None:
    packets = [
        *_handshake(),
        _up(5, b"world"),
        _up(0, b"hello"),
        _up(0, b"hello"),  # a retransmission
        _down(0, b"abc"),
        _down(3, b"def", FIN | ACK),
        _up(10, b"", RST),
    ]

    (conn,) = read_connections(_capture(packets, pcapng=pcapng))

    assert conn.to_server == b"helloworld"
    assert conn.to_client == b"abcdef"
    assert (conn.closed_by_client, conn.closed_by_server) == ("rst", "fin")
    assert conn.client == ("127.0.0.1", CLIENT)
    assert conn.server == ("127.0.0.1", SERVER)


def test_a_hole_in_a_stream_is_refused() -> None:
    packets = [*_handshake(), _up(0, b"hello"), _up(8, b"late")]

    with pytest.raises(CaptureError, match="3 bytes missing after byte 5"):
        read_connections(_capture(packets), name="holey")


def test_a_retransmission_with_other_bytes_is_refused() -> None:
    packets = [*_handshake(), _up(0, b"hello"), _up(0, b"jello")]

    with pytest.raises(CaptureError, match="differs"):
        read_connections(_capture(packets))


def test_a_connection_opened_before_the_capture_is_refused() -> None:
    with pytest.raises(CaptureError, match="opened before the capture"):
        read_connections(_capture([_up(0, b"hello")]))


def test_connections_are_listed_in_the_order_they_opened() -> None:
    second = _packet(True, 7, SYN, client=CLIENT + 1)

    connections = read_connections(_capture([*_handshake(), second]))

    assert [c.client[1] for c in connections] == [CLIENT, CLIENT + 1]


def test_a_file_that_is_no_capture_is_refused() -> None:
    with pytest.raises(CaptureError, match="not a readable"):
        read_connections(b"definitely not a capture", name="junk")


def test_notation_writes_header_and_body() -> None:
    frame = parse_frame('SUBMIT u4:1 u4:2 u4:3 u2:4 s1:"two words" blob:hi')

    assert frame == encode(
        Submit(
            priority=1,
            delay_ms=2,
            ttr_ms=3,
            max_attempts=4,
            queue="two words",
            payload=b"hi",
        )
    )


def test_notation_overrides_header_fields() -> None:
    frame = parse_frame("magic=hex:5159 version=7 type=99 len=1041 hex:ff")

    assert frame == b"QY\x07\x63" + (1041).to_bytes(4, "big") + b"\xff"


@pytest.mark.parametrize(
    "text", ["u4:1", "SUBMIT x:1", "SUBMIT u1:256", "magic=Q STATS_REQUEST"]
)
def test_notation_refuses_what_it_cannot_read(text: str) -> None:
    with pytest.raises(NotationError):
        parse_frame(text)


def test_split_stream_keeps_every_frame_empty_bodies_too() -> None:
    messages: list[Message] = [
        Wait(),
        Ok(task_id=3),
        StatsRequest(),
        Heartbeat(token=9),
        Wait(),
    ]

    stream = split_stream(b"".join(encode(m) for m in messages), 1024)

    assert [frame.message for frame in stream.frames] == messages
    assert stream.refusal is None


def test_split_stream_keeps_what_it_refuses() -> None:
    good = encode(Ok(task_id=1))
    bad = parse_frame("version=2 WAIT")

    stream = split_stream(good + bad + good, 1024)

    assert [frame.message for frame in stream.frames] == [Ok(task_id=1)]
    assert stream.refusal is not None
    assert stream.refusal.code == ErrorCode.UNSUPPORTED_VERSION
    assert stream.refusal.data == bad + good


def test_split_stream_applies_the_frame_limit() -> None:
    stream = split_stream(parse_frame("len=1041 SUBMIT"), 1040)

    assert stream.refusal is not None
    assert stream.refusal.code == ErrorCode.FRAME_TOO_LARGE


def test_split_stream_refuses_a_frame_cut_short() -> None:
    stream = split_stream(encode(Ok(task_id=1))[:-1], 1040)

    assert stream.refusal is not None
    assert stream.refusal.code == ErrorCode.MALFORMED_FRAME
