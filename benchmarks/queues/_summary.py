"""A session's runs reduced to rows: one per system and case, one per echo
payload and window.

Each row gives the median over its repeats and, for throughput, the spread
as half the range over the median. Ratios divide a system's figure by the
reference Quicx row's figure for the same case.
"""

from __future__ import annotations

import dataclasses
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from ._driver import RunResult
from ._echo import FRAMES_PER_TASK, EchoResult
from ._plan import size_name
from ._systems import REFERENCES, SYSTEMS

__all__ = ["EchoRow", "Row", "echo_rows", "reference_system", "summarize"]

_MIB = 1024 * 1024


@dataclass(frozen=True)
class Row:
    """One system on one case, over its repeats."""

    system: str
    case: str
    paced: bool
    runs: int
    submit_rate: float
    end_to_end_rate: float
    end_to_end_min: float
    end_to_end_max: float
    p50_ms: float
    p99_ms: float
    p999_ms: float
    server_cpu_us_per_task: float
    server_peak_rss_mib: float
    client_cpu_us_per_task: float
    end_to_end_ratio: float | None
    p99_ratio: float | None

    @property
    def spread_pct(self) -> float:
        """Half the range of end-to-end throughput, as a share of its median."""
        spread = (self.end_to_end_max - self.end_to_end_min) / 2
        return spread / self.end_to_end_rate * 100


@dataclass(frozen=True)
class EchoRow:
    """The echo limit for one payload size and window, over its repeats."""

    payload: str
    window: int
    runs: int
    tasks_per_s: float
    server_cpu_us_per_frame: float

    @property
    def server_cpu_us_per_task(self) -> float:
        return self.server_cpu_us_per_frame * FRAMES_PER_TASK


def summarize(runs: Sequence[RunResult]) -> list[Row]:
    """One row per (system, case), systems in SYSTEMS order, cases as run."""
    groups: dict[tuple[str, str], list[RunResult]] = {}
    for run in runs:
        groups.setdefault((run.system, run.case), []).append(run)
    order = list(SYSTEMS)
    cases = list(dict.fromkeys(run.case for run in runs))
    keys = sorted(groups, key=lambda key: (cases.index(key[1]), order.index(key[0])))
    reference = reference_system(run.system for run in runs)
    medians = {key: _median_row(group) for key, group in groups.items()}
    return [
        _with_ratios(medians[key], medians.get((reference, key[1]))) for key in keys
    ]


def _median_row(runs: list[RunResult]) -> Row:
    rates = [run.end_to_end_rate for run in runs]
    return Row(
        system=runs[0].system,
        case=runs[0].case,
        paced=runs[0].target_rate > 0,
        runs=len(runs),
        submit_rate=_median(run.submit_rate for run in runs),
        end_to_end_rate=statistics.median(rates),
        end_to_end_min=min(rates),
        end_to_end_max=max(rates),
        p50_ms=_median(run.p50_us for run in runs) / 1000,
        p99_ms=_median(run.p99_us for run in runs) / 1000,
        p999_ms=_median(run.p999_us for run in runs) / 1000,
        server_cpu_us_per_task=_median(run.server_cpu_us_per_task for run in runs),
        server_peak_rss_mib=max(run.server_peak_rss for run in runs) / _MIB,
        client_cpu_us_per_task=_median(
            run.client_cpu_s / max(run.done, 1) * 1e6 for run in runs
        ),
        end_to_end_ratio=None,
        p99_ratio=None,
    )


def _with_ratios(row: Row, reference: Row | None) -> Row:
    if reference is None:
        return row
    throughput = row.end_to_end_rate / reference.end_to_end_rate
    return dataclasses.replace(
        row,
        # A paced row's throughput is the pace it was given: only its
        # latency compares.
        end_to_end_ratio=None if row.paced else throughput,
        p99_ratio=row.p99_ms / reference.p99_ms if reference.p99_ms else None,
    )


def _median(values: Iterable[float]) -> float:
    return statistics.median(list(values))


def echo_rows(results: Sequence[EchoResult]) -> list[EchoRow]:
    """One row per payload size and window."""
    groups: dict[tuple[int, int], list[EchoResult]] = {}
    for echo in results:
        groups.setdefault((echo.payload_size, echo.window), []).append(echo)
    return [
        EchoRow(
            payload=size_name(size),
            window=window,
            runs=len(group),
            tasks_per_s=_median(echo.tasks_per_s for echo in group),
            server_cpu_us_per_frame=_median(e.server_cpu_us_per_frame for e in group),
        )
        for (size, window), group in groups.items()
    ]


def reference_system(systems: Iterable[str]) -> str:
    """The Quicx row ratios are taken against, among the systems that ran."""
    present = set(systems)
    for name in REFERENCES:
        if name in present:
            return name
    return REFERENCES[0]
