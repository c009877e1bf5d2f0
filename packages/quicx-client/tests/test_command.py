"""``quicx worker``'s command handler and the plain-text STATS report."""

from __future__ import annotations

import pytest
from quicx_client._command import STDERR_TAIL, CommandFailed, command_handler
from quicx_client._stats import format_bytes, format_duration, format_stats
from quicx_client._task import Task
from quicx_proto import Percentiles, QueueStats, StatsReply


def a_task(payload: bytes) -> Task:
    return Task(
        id=42, queue="q", payload=payload, attempt=2, ttr=60.0, _touch=lambda: None
    )


def test_exit_0_gives_stdout_and_the_task_is_in_the_environment() -> None:
    handle = command_handler(
        ["sh", "-c", 'tr a-z A-Z; echo "$QUICX_TASK_ID $QUICX_QUEUE $QUICX_ATTEMPT"']
    )
    assert handle(a_task(b"hello\n")) == b"HELLO\n42 q 2\n"


def test_results_are_cut_to_the_limit() -> None:
    handle = command_handler(["cat"], max_result=3)
    assert handle(a_task(b"abcdef")) == b"abc"


def test_failure_reason_is_the_status_and_the_tail_of_stderr() -> None:
    noisy = (
        f"head -c {3 * STDERR_TAIL} /dev/zero | tr '\\0' x >&2; echo END >&2; exit 7"
    )
    with pytest.raises(CommandFailed) as err:
        command_handler(["sh", "-c", noisy])(a_task(b""))
    reason = str(err.value)
    assert reason.startswith("exit status 7: ")
    assert reason.endswith("xEND")
    assert len(reason) < STDERR_TAIL + 32


def test_killed_command_and_silent_failure() -> None:
    with pytest.raises(CommandFailed, match=r"^killed by signal 9$"):
        command_handler(["sh", "-c", "kill -9 $$"])(a_task(b""))
    with pytest.raises(CommandFailed, match=r"^exit status 1$"):
        command_handler(["false"])(a_task(b""))
    with pytest.raises(ValueError, match="command"):
        command_handler([])


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0.00085, "850us"),
        (0.0125, "12.5ms"),
        (3.21, "3.2s"),
        (245, "4m05s"),
        (7300, "2h01m"),
    ],
)
def test_durations(seconds: float, text: str) -> None:
    assert format_duration(seconds) == text


def test_sizes() -> None:
    assert [format_bytes(n) for n in (512, 1536, 64 << 20)] == [
        "512 B",
        "1.5 KiB",
        "64.0 MiB",
    ]


def test_stats_report() -> None:
    zero = Percentiles(count=0, p50_us=0, p90_us=0, p99_us=0, p999_us=0, max_us=0)
    stats = StatsReply(
        node_id=7,
        uptime_ms=61_000,
        total_submitted=12_345,
        total_completed=12_000,
        total_failed=3,
        total_retried=2,
        total_dead=1,
        total_lost_leases=0,
        current_producers=1,
        current_workers=2,
        current_monitors=1,
        wait_time=zero,
        run_time=Percentiles(
            count=10, p50_us=900, p90_us=2000, p99_us=5000, p999_us=5000, max_us=5000
        ),
        arena_capacity=1 << 20,
        arena_used=2048,
        journal_bytes=0,
        journal_live_ppm=0,
        size_classes=(),
        queues=(
            QueueStats(
                name="a", depth=5, delayed=0, in_flight=2, dead=1, oldest_age_ms=2500
            ),
        ),
    )
    assert format_stats(stats) == (
        "node 7, up 1m01s\n"
        "tasks: submitted 12,345, completed 12,000, failed 3, retried 2, dead 1, "
        "lost leases 0\n"
        "connected: 1 producers, 2 workers, 1 monitors\n"
        "memory: 2.0 KiB used of 1.0 MiB\n"
        "\n"
        "time  samples    p50    p90    p99  p99.9    max\n"
        "wait        0      -      -      -      -      -\n"
        "run        10  900us  2.0ms  5.0ms  5.0ms  5.0ms\n"
        "\n"
        "queue  depth  delayed  in flight  dead  oldest\n"
        "a          5        0          2     1    2.5s"
    )
