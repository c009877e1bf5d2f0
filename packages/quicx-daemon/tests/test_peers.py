"""The daemon's group: ``--peers`` parsing and the PEERS frame on the wire."""

from __future__ import annotations

from pathlib import Path

import pytest
from quicx_daemon import DaemonConfig
from quicx_daemon._cli import build_parser, config_from_args
from quicx_daemon._peers import parse_peers, peers_frame, read_peers
from quicx_proto import (
    Error,
    ErrorCode,
    Heartbeat,
    Ok,
    Peers,
    Pong,
    Ready,
    StatsReply,
    StatsRequest,
    Submit,
    Task,
    Wait,
    encode,
)
from support.inprocess_daemon import serving
from support.raw_peer import connect

GROUP = ("10.0.0.1:7878", "10.0.0.2:7878", "[::1]:7878")
SUBMIT = Submit(
    priority=0, delay_ms=0, ttr_ms=0, max_attempts=0, queue="q", payload=b"x"
)
READY = Ready(credit=1, queues=("q",))


# -- the list ------------------------------------------------------------------


def test_a_comma_list_keeps_the_operators_order_and_spelling() -> None:
    assert parse_peers(" 10.0.0.1:7878, 10.0.0.2:7878 ,[::1]:7878") == GROUP


def test_a_file_lists_addresses_by_line_with_comments(tmp_path: Path) -> None:
    path = tmp_path / "group"
    path.write_text("# the group\n10.0.0.1:7878\n10.0.0.2:7878, [::1]:7878 # me\n\n")
    assert read_peers(f"@{path}") == GROUP


@pytest.mark.parametrize(
    ("text", "complaint"),
    [
        pytest.param("", "empty", id="empty"),
        pytest.param(" , # nothing", "empty", id="only-separators"),
        pytest.param("a:1,a:1", "twice", id="duplicate"),
        pytest.param("a", "HOST:PORT", id="no-port"),
        pytest.param(":7878", "HOST:PORT", id="no-host"),
        pytest.param("a:0", "HOST:PORT", id="port-0"),
        pytest.param("a:65536", "HOST:PORT", id="port-too-big"),
        pytest.param("a:http", "HOST:PORT", id="port-not-a-number"),
        pytest.param("::1:7878", "IPv6", id="bare-ipv6"),
        pytest.param("h" * 250 + ".com:1", "255 bytes", id="too-long"),
        pytest.param(",".join(f"h{n}:1" for n in range(256)), "at most", id="256"),
    ],
)
def test_a_bad_list_is_refused_with_a_reason(text: str, complaint: str) -> None:
    with pytest.raises(ValueError, match=complaint):
        parse_peers(text)


def test_a_missing_file_is_a_value_error(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="cannot read the peer list"):
        read_peers(f"@{tmp_path / 'absent'}")


def test_the_command_line_puts_the_group_in_the_config() -> None:
    args = build_parser().parse_args(["--peers", "a:1,b:2"])
    assert config_from_args(args).peers == ("a:1", "b:2")
    assert config_from_args(build_parser().parse_args([])).peers == ()


def test_the_config_checks_a_group_given_in_code() -> None:
    with pytest.raises(ValueError, match="twice"):
        DaemonConfig(peers=("a:1", "a:1"))


def test_no_group_gives_no_frame() -> None:
    assert peers_frame(()) == b""
    assert peers_frame(GROUP) == encode(Peers(addresses=GROUP))


# -- on the wire -------------------------------------------------------------------


@pytest.mark.anyio
async def test_a_worker_gets_peers_once_before_anything_else() -> None:
    async with serving(peers=GROUP) as (_, host, port), connect(host, port) as peer:
        await peer.send(READY)
        assert await peer.receive(2) == [Peers(addresses=GROUP), Wait()]
        await peer.send(Ready(credit=2, queues=("q",)), Heartbeat(token=5))
        assert await peer.receive(2) == [Wait(), Pong(token=5)]


@pytest.mark.anyio
async def test_peers_comes_before_the_first_task() -> None:
    async with serving(peers=GROUP) as (_, host, port):
        async with connect(host, port) as producer:
            await producer.send(SUBMIT)
            assert isinstance(await producer.receive_one(), Ok)
        async with connect(host, port) as worker:
            await worker.send(READY)
            first, second = await worker.receive(2)
            assert first == Peers(addresses=GROUP)
            assert isinstance(second, Task)


@pytest.mark.anyio
async def test_a_refused_first_ready_still_gets_peers_first() -> None:
    async with serving(peers=GROUP) as (_, host, port), connect(host, port) as peer:
        await peer.send(Ready(credit=1, queues=()))
        first, second = await peer.receive(2)
        assert first == Peers(addresses=GROUP)
        assert isinstance(second, Error)
        assert second.code == ErrorCode.INVALID_FIELD


@pytest.mark.anyio
async def test_producers_and_monitors_get_no_peers() -> None:
    async with serving(peers=GROUP) as (_, host, port):
        async with connect(host, port) as producer:
            await producer.send(Heartbeat(token=1), SUBMIT, StatsRequest())
            pong, ok, stats = await producer.receive(3)
            assert (pong, type(ok), type(stats)) == (Pong(token=1), Ok, StatsReply)
            assert await producer.quiet(0.2)
        async with connect(host, port) as monitor:
            await monitor.send(StatsRequest())
            assert isinstance(await monitor.receive_one(), StatsReply)
            assert await monitor.quiet(0.2)


@pytest.mark.anyio
async def test_without_a_group_a_worker_gets_no_peers() -> None:
    async with serving() as (_, host, port), connect(host, port) as peer:
        await peer.send(READY)
        assert await peer.receive_one() == Wait()
        assert await peer.quiet(0.2)


@pytest.mark.anyio
async def test_a_client_sending_peers_is_closed() -> None:
    async with serving(peers=GROUP) as (_, host, port), connect(host, port) as peer:
        await peer.send(READY)
        await peer.receive(2)
        await peer.send(Peers(addresses=GROUP))
        error = await peer.receive_one()
        assert isinstance(error, Error)
        assert error.code == ErrorCode.NOT_ALLOWED_FOR_ROLE
        assert await peer.closed()
