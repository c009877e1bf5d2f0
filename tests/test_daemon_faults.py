"""Faults across processes: a worker killed while it holds tasks."""

from __future__ import annotations

from support.daemon_process import running_daemon
from support.scripts import Script, poll_until
from support.wire import Wire, fetch_stats, submit_message


def test_a_killed_workers_tasks_are_redelivered_and_finish() -> None:
    with running_daemon() as daemon:
        host, port = daemon.host, daemon.port
        holder = Script("worker.py", host, port, "--hold", "--credit", "5")
        workers: list[Script] = []
        try:
            producer = Wire(host, port)
            producer.send(*[submit_message("q", b"%d" % i) for i in range(20)])
            ok_ids = {ok.task_id for ok in producer.receive(20)}  # type: ignore[union-attr]
            poll_until(lambda: len(holder.ids("TASK")) == 5, 20, "holder took 5")
            held = set(holder.ids("TASK"))
            workers = [Script("worker.py", host, port, "--credit", "4") for _ in "ab"]
            poll_until(
                lambda: fetch_stats(host, port).total_completed == 15,
                20,
                "the 15 tasks not held completed",
            )
            holder.kill()
            poll_until(
                lambda: fetch_stats(host, port).total_completed == 20,
                20,
                "the held tasks completed elsewhere",
            )
            stats = fetch_stats(host, port)
            assert stats.total_lost_leases == 5
            assert (stats.arena_used, stats.total_dead) == (0, 0)
            redone = [w for s in workers for w in s.words("TASK")]
            assert {int(w[1]) for w in redone} == ok_ids
            assert {int(w[1]) for w in redone if w[2] == "2"} == held
            producer.close()
        finally:
            holder.stop()
            for worker in workers:
                worker.stop()
