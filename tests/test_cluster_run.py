"""The pieces of ``nox -s cluster`` that decide: its accounting and HAProxy config."""

from __future__ import annotations

import subprocess
from collections import Counter
from pathlib import Path

import pytest
from cluster.haproxy import EXAMPLE, render_config
from cluster.ledger import node_of, read_pairs, tally
from cluster.processes import HAPROXY

N1, N2 = 1 << 48, 2 << 48


def test_every_task_run_once_passes() -> None:
    acked = [("a", N1 | 1), ("b", N2 | 1)]
    result = tally(acked, Counter(acked))
    assert result.exactly_once
    assert (result.once, result.twice, result.never) == (2, 0, 0)
    assert result.by_node == {1: 1, 2: 1}


def test_a_task_run_twice_or_never_fails() -> None:
    acked = [("a", N1 | 1), ("b", N1 | 2)]
    result = tally(acked, Counter({("a", N1 | 1): 2}))
    assert not result.exactly_once
    assert (result.once, result.twice, result.never) == (0, 1, 1)


def test_a_restarted_daemons_reused_id_is_another_task() -> None:
    before, after = ("p2-7", N2 | 1), ("p3-0", N2 | 1)
    result = tally([after], Counter([before, after]))
    assert result.exactly_once
    assert result.strays == {}


def test_an_unanswered_submit_that_ran_is_a_stray_of_its_node() -> None:
    # p2-5 was sent to node 2, which died before answering; it was sent again
    # and node 1 acknowledged it. Both ran.
    runs = Counter([("p2-5", N2 | 9), ("p2-5", N1 | 3)])
    survivors = tally([("p2-5", N1 | 3)], runs)
    assert survivors.strays == {2: 1}
    assert survivors.exactly_once  # the stray ran on another node
    assert not tally([("p2-5", N2 | 4)], runs).exactly_once


def test_a_task_acknowledged_twice_is_a_ledger_error() -> None:
    with pytest.raises(ValueError, match="twice"):
        tally([("a", N1 | 1), ("a", N1 | 1)], Counter())


def test_ledger_files_are_read_in_order(tmp_path: Path) -> None:
    path = tmp_path / "p1-0.acked"
    path.write_text(f"p1-0 {N1 | 1}\np1-1 {N2 | 5}\n")
    assert read_pairs([path]) == [("p1-0", N1 | 1), ("p1-1", N2 | 5)]
    assert node_of(N2 | 5) == 2


def test_the_shipped_config_is_run_with_loopback_addresses() -> None:
    servers = ["127.0.0.1:7001", "127.0.0.1:7002"]
    text = render_config(
        EXAMPLE.read_text(), port=7000, servers=servers, stats_socket=Path("/s")
    )
    lines = [line.strip() for line in text.splitlines()]
    assert "bind 127.0.0.1:7000" in lines
    assert [line for line in lines if line.startswith("server ")] == [
        "server quicx1 127.0.0.1:7001 check",
        "server quicx2 127.0.0.1:7002 check",
    ]
    assert "stats socket /s mode 600 level admin" in lines
    assert "mode tcp" in lines
    assert "option tcp-check" in lines


def test_a_template_without_servers_is_refused() -> None:
    with pytest.raises(ValueError, match="server"):
        render_config(
            "global\nfrontend f\n    bind :1\n",
            port=1,
            servers=[],
            stats_socket=Path("/s"),
        )


@pytest.mark.skipif(not Path(HAPROXY).exists(), reason="haproxy is not installed")
def test_haproxy_accepts_the_shipped_config_and_its_loopback_form(
    tmp_path: Path,
) -> None:
    rendered = tmp_path / "haproxy.cfg"
    rendered.write_text(
        render_config(
            EXAMPLE.read_text(),
            port=7000,
            servers=["127.0.0.1:7001"],
            stats_socket=tmp_path / "sock",
        )
    )
    for config in (EXAMPLE, rendered):
        check = subprocess.run(
            [HAPROXY, "-c", "-f", str(config)], capture_output=True, timeout=30
        )
        assert check.returncode == 0, check.stderr.decode()
