"""The live console's pure parts, rendered as golden text."""

from __future__ import annotations

import dataclasses
import io

import pytest

pytest.importorskip("rich", reason="the console needs the [console] extra")

from quicx_client._console import Sample, bar, rate, render, sparkline
from quicx_proto import (
    Percentiles,
    QueueStats,
    SizeClassStats,
    StatsReply,
)
from rich.console import Console

ADDRESS = "127.0.0.1:7878"

BASE = StatsReply(
    node_id=3,
    uptime_ms=83_000,
    total_submitted=1000,
    total_completed=900,
    total_failed=10,
    total_retried=8,
    total_dead=2,
    total_lost_leases=1,
    current_producers=2,
    current_workers=3,
    current_monitors=1,
    wait_time=Percentiles(
        count=900,
        p50_us=250,
        p90_us=1_500,
        p99_us=12_000,
        p999_us=80_000,
        max_us=2_500_000,
    ),
    run_time=Percentiles(count=0, p50_us=0, p90_us=0, p99_us=0, p999_us=0, max_us=0),
    arena_capacity=64 << 20,
    arena_used=16 << 20,
    journal_bytes=0,
    journal_live_ppm=0,
    size_classes=(
        SizeClassStats(class_size=64, slabs=2, live_blocks=3000, free_blocks=1000),
        SizeClassStats(class_size=80, slabs=0, live_blocks=0, free_blocks=0),
        SizeClassStats(class_size=1 << 20, slabs=1, live_blocks=0, free_blocks=1),
    ),
    queues=(
        QueueStats(
            name="emails", depth=12, delayed=3, in_flight=4, dead=2, oldest_age_ms=1_500
        ),
        QueueStats(
            name="sms", depth=0, delayed=0, in_flight=0, dead=0, oldest_age_ms=0
        ),
    ),
)


def later(stats: StatsReply, seconds: float, submitted: int, done: int) -> StatsReply:
    return dataclasses.replace(
        stats,
        uptime_ms=stats.uptime_ms + round(seconds * 1000),
        total_submitted=stats.total_submitted + submitted,
        total_completed=stats.total_completed + done,
    )


def history() -> list[Sample]:
    """Four samples a quarter second apart: submits speed up, done stays steady."""
    samples, stats = [Sample(0.0, BASE)], BASE
    for step, submitted in enumerate((25, 50, 100), start=1):
        stats = later(stats, 0.25, submitted, 50)
        samples.append(Sample(step * 0.25, stats))
    return samples


def text(renderable: object, width: int = 86) -> str:
    output = io.StringIO()
    console = Console(
        width=width,
        file=output,
        color_system=None,
        force_terminal=False,
        legacy_windows=False,
        _environ={},
    )
    console.print(renderable)
    return output.getvalue()


GOLDEN = """\
╭─ quicx top 127.0.0.1:7878  node 3  up 1m23s ───────────────────────────────────────╮
│ throughput                                                                         │
│             now/s  last 30 s                       total                           │
│  submitted    233  ▂▄█                             1,175                           │
│  done         200  ███                             1,050                           │
│  failed         0                                     10                           │
│                                                                                    │
│ clients  producers 2  workers 3  monitors 1                                        │
│                                                                                    │
│ latency                                                                            │
│  time  samples    p50    p90     p99   p99.9   max                                 │
│  wait      900  250us  1.5ms  12.0ms  80.0ms  2.5s                                 │
│  run         0      -      -       -       -     -                                 │
│                                                                                    │
│ queues                                                                             │
│  queue   depth  delayed  in flight  dead  oldest                                   │
│  emails     12        3          4     2    1.5s                                   │
│  sms         0        0          0     0       -                                   │
│                                                                                    │
│ memory  ██████░░░░░░░░░░░░░░░░░░  25%  16.0 MiB of 64.0 MiB                        │
│    class  slabs       blocks  occupancy                                            │
│     64 B      2  3,000/4,000  ██████████████████░░░░░░                             │
│  1.0 MiB      1          0/1  ░░░░░░░░░░░░░░░░░░░░░░░░                             │
╰────────────────────────────────────────────────────────────────────────── q quits ─╯
"""


def test_console_screen_is_golden() -> None:
    assert text(render(history(), address=ADDRESS)) == GOLDEN


def test_disconnected_console_keeps_the_last_data_and_says_it_retries() -> None:
    screen = text(render(history(), address=ADDRESS, problem="connection refused"))
    assert "disconnected: connection refused; retrying" in screen
    assert "1,175" in screen
    assert "Traceback" not in screen


def test_console_before_any_data() -> None:
    assert text(render([], address=ADDRESS, problem="refused"), width=60) == (
        "╭─ quicx top 127.0.0.1:7878 ───────────────────────────────╮\n"
        "│ disconnected: refused; retrying                          │\n"
        "│ waiting for the first STATS from 127.0.0.1:7878          │\n"
        "╰──────────────────────────────────────────────────────────╯\n"
    )


def test_rates_are_measured_over_about_a_second() -> None:
    samples = history()
    assert rate(samples, "total_submitted") == pytest.approx(175 / 0.75)
    assert rate(samples, "total_submitted", span=0.25) == pytest.approx(400)
    assert rate(samples[:1], "total_submitted") == 0.0


def test_sparkline_and_bar() -> None:
    assert sparkline([0, 1, 2, 4, 8]) == " ▁▂▄█"
    assert sparkline([0, 0]) == "  "
    assert sparkline([1, 50, 100], width=2) == "▄█"
    assert bar(0.5, width=4) == "██░░"
    assert bar(2.0, width=2) == "██"
