"""The goals issue 7 sets for Quicx, computed from a session's figures.

The harness only reports on them; a goal without figures in this session
(no soak, a system left out) says so instead of passing or failing.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass

from ._driver import RunResult
from ._echo import FRAMES_PER_TASK
from ._plan import LOAD_CASE, PACED_LOAD
from ._session import SessionResults
from ._summary import EchoRow, Row, echo_rows, reference_system, summarize

__all__ = [
    "CPU_RATIO",
    "LATENCY_RATIO",
    "RSS_TOLERANCE",
    "SOAK_TASKS",
    "WARM_SHARE",
    "Goal",
    "evaluate_goals",
    "warm_rss",
]

# The latency goal: p99 at half load no worse than beanstalkd's. The CPU
# goal: the daemon's CPU per task within 3x the echo limit's per-frame cost
# times the frames of a task.
LATENCY_RATIO = 1.0
CPU_RATIO = 3.0

# The soak goal: RSS within ±5% over a million tasks, once warm; warm means
# after the first tenth of the tasks.
RSS_TOLERANCE = 0.05
SOAK_TASKS = 1_000_000
WARM_SHARE = 0.10


@dataclass(frozen=True)
class Goal:
    """One goal: what was measured against what is wanted."""

    name: str
    value: float | None
    """The measured figure, None when this session could not measure it."""
    target: str
    met: bool | None
    """None when not measured."""
    detail: str

    def describe(self) -> str:
        """One line: the goal, the figure, and whether it is met."""
        if self.value is None:
            return f"{self.name}: not measured ({self.detail})"
        verdict = "met" if self.met else "NOT met"
        figure = f"{self.value:.2f} (goal {self.target}, {verdict})"
        return f"{self.name}: {figure}; {self.detail}"


def evaluate_goals(results: SessionResults) -> list[Goal]:
    """Every goal, in the issue's order."""
    rows = {(row.system, row.case): row for row in summarize(results.runs)}
    quicx = reference_system(system for system, _ in rows)
    echo = {(row.payload, row.window): row for row in echo_rows(results.echo)}
    return [
        _throughput_goal(rows, quicx, "beanstalkd", 2.0),
        _throughput_goal(rows, quicx, "rq", 10.0),
        _latency_goal(rows, quicx),
        _rss_goal(results),
        _cpu_goal(rows.get((quicx, LOAD_CASE.name)), echo.get(("100 B", 1)), quicx),
    ]


def _throughput_goal(
    rows: dict[tuple[str, str], Row], quicx: str, peer: str, wanted: float
) -> Goal:
    name = f"end-to-end tasks/s at {LOAD_CASE.name}, {quicx} / {peer}"
    ours, theirs = rows.get((quicx, LOAD_CASE.name)), rows.get((peer, LOAD_CASE.name))
    if ours is None or theirs is None:
        return Goal(name, None, f">= {wanted:g}", None, "a system did not run")
    ratio = ours.end_to_end_rate / theirs.end_to_end_rate
    detail = f"{ours.end_to_end_rate:,.0f} vs {theirs.end_to_end_rate:,.0f} tasks/s"
    return Goal(name, ratio, f">= {wanted:g}", ratio >= wanted, detail)


def _latency_goal(rows: dict[tuple[str, str], Row], quicx: str) -> Goal:
    name = f"p99 latency at half load ({PACED_LOAD}), {quicx} / beanstalkd"
    target = f"<= {LATENCY_RATIO:g}"
    ours, theirs = rows.get((quicx, PACED_LOAD)), rows.get(("beanstalkd", PACED_LOAD))
    if ours is None or theirs is None:
        return Goal(name, None, target, None, "a system did not run")
    detail = (
        f"{ours.p99_ms:.2f} ms at {ours.submit_rate:,.0f}/s vs "
        f"{theirs.p99_ms:.2f} ms at {theirs.submit_rate:,.0f}/s"
    )
    ratio = ours.p99_ms / theirs.p99_ms
    return Goal(name, ratio, target, ratio <= LATENCY_RATIO, detail)


def _rss_goal(results: SessionResults) -> Goal:
    quicx = reference_system(run.system for run in results.soak)
    name = f"daemon RSS flat once warm over {SOAK_TASKS:,} tasks ({quicx})"
    target = f"within ±{RSS_TOLERANCE:.0%}"
    soak = next((run for run in results.soak if run.system == quicx), None)
    if soak is None:
        return Goal(name, None, target, None, "run with --soak")
    warm = warm_rss(soak)
    if not warm:
        return Goal(name, None, target, None, "no RSS sample once warm")
    middle = statistics.median(warm)
    deviation = max(abs(rss / middle - 1) for rss in warm)
    detail = (
        f"largest deviation from the median, in %, of {len(warm)} samples "
        f"over {soak.done:,} tasks at {soak.submit_rate:,.0f}/s; RSS "
        f"{min(warm) / 2**20:.1f} to {max(warm) / 2**20:.1f} MiB"
    )
    if soak.done < SOAK_TASKS:
        detail += f"; fewer than {SOAK_TASKS:,} tasks, so not the goal's run"
    met = deviation <= RSS_TOLERANCE and soak.done >= SOAK_TASKS
    return Goal(name, deviation * 100, f"<= {RSS_TOLERANCE:.0%}", met, detail)


def warm_rss(soak: RunResult) -> list[int]:
    """The RSS samples of a soak taken once a tenth of its tasks were done."""
    return [rss for _, done, rss in soak.rss_samples if done >= soak.done * WARM_SHARE]


def _cpu_goal(row: Row | None, echo: EchoRow | None, quicx: str) -> Goal:
    name = (
        f"daemon CPU per task at {LOAD_CASE.name} ({quicx}) / "
        f"echo limit x {FRAMES_PER_TASK} frames"
    )
    target = f"<= {CPU_RATIO:g}"
    if row is None or echo is None:
        return Goal(name, None, target, None, "Quicx or the echo limit did not run")
    detail = (
        f"{row.server_cpu_us_per_task:.1f} µs vs {FRAMES_PER_TASK} x "
        f"{echo.server_cpu_us_per_frame:.2f} = {echo.server_cpu_us_per_task:.1f} µs"
    )
    ratio = row.server_cpu_us_per_task / echo.server_cpu_us_per_task
    return Goal(name, ratio, target, ratio <= CPU_RATIO, detail)
