"""A worker's group: PEERS on the sans-IO connection, and what a worker does."""

from __future__ import annotations

from quicx_client._events import GroupAnnounced, Idle, TaskAssigned
from quicx_client._worker_group import GroupChange, WorkerGroup
from quicx_client._worker_protocol import WorkerConnection
from quicx_proto import Peers, Task, Wait, encode

A, B, C = "10.0.0.1:7878", "10.0.0.2:7878", "10.0.0.3:7878"
BALANCER = "lb.example:7878"


def test_peers_is_handed_on_whenever_it_comes() -> None:
    conn = WorkerConnection(A, queues=["q"], credit=1)
    task = Task(task_id=1, attempt=1, ttr_ms=1000, queue="q", payload=b"")
    data = encode(Peers(addresses=(A, B))) + encode(task) + encode(Wait())
    data += encode(Peers(addresses=(A,)))
    assert conn.receive_data(data) == [
        GroupAnnounced((A, B)),
        TaskAssigned(task),
        Idle(),
        GroupAnnounced((A,)),
    ]
    assert not conn.closed
    assert not conn.wants_to_send


def test_a_balancer_is_a_way_in_and_every_member_is_started() -> None:
    group = WorkerGroup([BALANCER])
    assert group.announce(BALANCER, [A, B, C]) == GroupChange(True, (A, B, C), (), ())
    assert group.served == (BALANCER, A, B, C)


def test_the_same_group_again_changes_nothing_but_the_pause() -> None:
    group = WorkerGroup([BALANCER])
    group.announce(BALANCER, [A, B, C])
    assert group.announce(BALANCER, [C, B, A]) == GroupChange(True, (), (), ())
    assert group.announce(B, [A, B, C]) == GroupChange(False, (), (), ())


def test_explicit_addresses_of_the_whole_group_change_nothing() -> None:
    group = WorkerGroup([A, B, C])
    for via in (A, B, C):
        assert group.announce(via, [A, B, C]) == GroupChange(False, (), (), ())
    assert group.served == (A, B, C)


def test_the_latest_group_wins_but_given_addresses_stay() -> None:
    group = WorkerGroup([A])
    assert group.announce(A, [A, B]).start == (B,)
    change = group.announce(B, [A, C])
    assert (change.start, change.stop) == ((C,), (B,))
    change = group.announce(C, [C])
    assert (change.way_in, change.start, change.stop) == (False, (), ())
    assert group.served == (A, C)
    assert group.announce(A, [B]) == GroupChange(True, (B,), (C,), ())


def test_a_member_dropped_and_named_again_is_started_again() -> None:
    group = WorkerGroup([BALANCER])
    group.announce(BALANCER, [A, B])
    assert group.announce(BALANCER, [A]).stop == (B,)
    assert group.announce(BALANCER, [A, B]).start == (B,)


def test_unusable_addresses_are_ignored_and_duplicates_counted_once() -> None:
    group = WorkerGroup([BALANCER])
    change = group.announce(BALANCER, [A, "h:http", A, "h:0", B])
    assert change == GroupChange(True, (A, B), (), ("h:http", "h:0"))
    assert group.members == (A, B)


def test_a_group_with_nothing_usable_changes_nothing() -> None:
    group = WorkerGroup([BALANCER])
    group.announce(BALANCER, [A])
    assert group.announce(BALANCER, []) == GroupChange(False, (), (), ())
    assert group.announce(BALANCER, ["x:99999"]).ignored == ("x:99999",)
    assert group.members == (A,)
