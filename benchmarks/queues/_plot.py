"""The session's picture: throughput bars and latency CDFs (matplotlib)."""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence
from pathlib import Path

from matplotlib.axes import Axes
from matplotlib.figure import Figure

from ._driver import RunResult
from ._measure import merge_histograms
from ._plan import PACED_LOAD
from ._summary import Row, summarize

__all__ = ["write_plot"]

_PERCENTILES = [p / 10 for p in range(0, 990, 5)] + [99.0, 99.5, 99.9, 99.99, 100.0]


def write_plot(runs: Sequence[RunResult], path: Path) -> None:
    """Bars of end-to-end throughput per case; CDFs of latency at half load."""
    figure = Figure(figsize=(15, 6), layout="tight")
    bars, cdf = figure.subplots(1, 2)
    # One colour per system in both panels, in the order systems ran.
    systems = dict.fromkeys(run.system for run in runs)
    colours = {system: f"C{i}" for i, system in enumerate(systems)}
    _throughput_bars(bars, summarize(runs), colours)
    _latency_cdfs(cdf, runs, colours)
    figure.savefig(path, dpi=100)


def _throughput_bars(
    axes: Axes, rows: Sequence[Row], colours: Mapping[str, str]
) -> None:
    flat_out = [row for row in rows if not row.paced]
    cases = list(dict.fromkeys(row.case for row in flat_out))
    systems = list(dict.fromkeys(row.system for row in flat_out))
    width = 0.8 / max(len(systems), 1)
    for offset, system in enumerate(systems):
        mine = {row.case: row for row in flat_out if row.system == system}
        xs = [i + offset * width for i, case in enumerate(cases) if case in mine]
        picked = [mine[case] for case in cases if case in mine]
        heights = [row.end_to_end_rate for row in picked]
        low = [row.end_to_end_rate - row.end_to_end_min for row in picked]
        high = [row.end_to_end_max - row.end_to_end_rate for row in picked]
        axes.bar(
            xs,
            heights,
            width,
            yerr=[low, high],
            capsize=2,
            label=system,
            color=colours[system],
        )
    axes.set_xticks([i + 0.4 - width / 2 for i in range(len(cases))], cases)
    axes.tick_params(axis="x", labelrotation=20)
    axes.set_yscale("log")
    axes.set_ylabel("tasks/s, first submit to last acknowledgement (median, min-max)")
    axes.set_title("End-to-end throughput, flat out")
    axes.legend(fontsize="small")


def _latency_cdfs(
    axes: Axes, runs: Sequence[RunResult], colours: Mapping[str, str]
) -> None:
    systems = list(dict.fromkeys(run.system for run in runs if run.case == PACED_LOAD))
    for system in systems:
        mine = [run for run in runs if run.system == system and run.case == PACED_LOAD]
        histogram = merge_histograms([run.histogram.encode("ascii") for run in mine])
        latencies_ms = [
            histogram.get_value_at_percentile(p) / 1000 for p in _PERCENTILES
        ]
        asked = statistics.median(run.target_rate for run in mine)
        done = statistics.median(run.end_to_end_rate for run in mine)
        label = f"{system}: {asked:,.0f}/s asked, {done:,.0f}/s done"
        shares = [p / 100 for p in _PERCENTILES]
        axes.plot(latencies_ms, shares, label=label, color=colours[system])
    axes.set_xscale("log")
    axes.set_xlabel("submit to acknowledgement, ms")
    axes.set_ylabel("share of tasks")
    axes.set_title(f"Latency at half of each system's own maximum ({PACED_LOAD})")
    axes.grid(visible=True, which="both", alpha=0.3)
    axes.legend(fontsize="small")
