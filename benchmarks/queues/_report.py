"""The session as Markdown (tables and goals) and as JSON (every figure)."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from ._driver import RunResult
from ._goals import Goal, evaluate_goals, warm_rss
from ._session import SessionResults
from ._summary import EchoRow, Row, echo_rows, reference_system, summarize

__all__ = ["markdown", "write_json"]

_MIB = 1024 * 1024


def markdown(results: SessionResults) -> str:
    """The session's tables and goals as Markdown."""
    rows = summarize(results.runs)
    reference = reference_system(row.system for row in rows)
    parts = [
        f"Session: `{results.mode}`, started {results.started_utc}, "
        f"{results.wall_s:.0f} s; ratios are against `{reference}`.",
    ]
    if rows:
        parts += ["", _systems_table(rows)]
    if results.soak:
        parts += ["", "Soak (server RSS sampled every second):", ""]
        parts.append(_soak_table(results.soak))
    if results.echo:
        loop = results.machine.get("event_loop")
        parts += ["", f"The echo limit (anyio on {loop}, Quicx's frames):", ""]
        parts.append(_echo_table(echo_rows(results.echo)))
    parts += ["", "Goals:", ""]
    parts += [f"- {goal.describe()}" for goal in evaluate_goals(results)]
    if results.unavailable or results.failures:
        parts += ["", "Left out or failed:", ""]
        parts += [f"- {name}: {why}" for name, why in results.unavailable.items()]
        parts += [f"- {failure}" for failure in results.failures]
    return "\n".join(parts) + "\n"


_SYSTEM_HEADINGS = (
    "system",
    "case",
    "runs",
    "submits/s",
    "tasks/s e2e",
    "spread",
    "e2e x ref",
    "p50 ms",
    "p99 ms",
    "p99.9 ms",
    "p99 x ref",
    "server CPU µs/task",
    "server peak RSS MiB",
    "client CPU µs/task",
)
_ECHO_HEADINGS = (
    "payload",
    "window",
    "runs",
    "tasks/s",
    "server CPU µs/frame",
    "x 4 frames = µs/task",
)
_SOAK_HEADINGS = (
    "system",
    "tasks",
    "rate/s",
    "p50 ms",
    "p99 ms",
    "p99.9 ms",
    "server CPU µs/task",
    "RSS at start MiB",
    "warm min MiB",
    "warm max MiB",
    "at end MiB",
)


def _systems_table(rows: Sequence[Row]) -> str:
    return _table(_SYSTEM_HEADINGS, [_system_cells(row) for row in rows])


def _system_cells(row: Row) -> list[str]:
    return [
        row.system,
        row.case,
        str(row.runs),
        f"{row.submit_rate:,.0f}",
        f"{row.end_to_end_rate:,.0f}",
        f"±{row.spread_pct:.0f}%",
        _ratio(row.end_to_end_ratio),
        f"{row.p50_ms:.2f}",
        f"{row.p99_ms:.2f}",
        f"{row.p999_ms:.2f}",
        _ratio(row.p99_ratio),
        f"{row.server_cpu_us_per_task:.1f}",
        f"{row.server_peak_rss_mib:.1f}",
        f"{row.client_cpu_us_per_task:.0f}",
    ]


def _echo_table(rows: Sequence[EchoRow]) -> str:
    return _table(_ECHO_HEADINGS, [_echo_cells(row) for row in rows])


def _echo_cells(row: EchoRow) -> list[str]:
    return [
        row.payload,
        str(row.window),
        str(row.runs),
        f"{row.tasks_per_s:,.0f}",
        f"{row.server_cpu_us_per_frame:.2f}",
        f"{row.server_cpu_us_per_task:.1f}",
    ]


def _soak_table(soaks: Sequence[RunResult]) -> str:
    return _table(_SOAK_HEADINGS, [_soak_cells(soak) for soak in soaks])


def _soak_cells(soak: RunResult) -> list[str]:
    warm = warm_rss(soak) or [0]
    first = soak.rss_samples[0][2] if soak.rss_samples else 0
    last = soak.rss_samples[-1][2] if soak.rss_samples else 0
    cells = [soak.system, f"{soak.done:,}", f"{soak.submit_rate:,.0f}"]
    cells += [f"{us / 1000:.2f}" for us in (soak.p50_us, soak.p99_us, soak.p999_us)]
    cells.append(f"{soak.server_cpu_us_per_task:.1f}")
    cells += [f"{rss / _MIB:.1f}" for rss in (first, min(warm), max(warm), last)]
    return cells


def _table(headings: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    lines = [headings, ["---"] * len(headings), *rows]
    return "\n".join("| " + " | ".join(cells) + " |" for cells in lines)


def _ratio(value: float | None) -> str:
    return "" if value is None else f"{value:.2f}"


def write_json(results: SessionResults, path: Path) -> None:
    """Every figure of the session, raw runs included, as JSON."""
    document = {
        "mode": results.mode,
        "started_utc": results.started_utc,
        "wall_s": results.wall_s,
        "machine": results.machine,
        "settings": _plain(results.settings),
        "reference": reference_system(run.system for run in results.runs),
        "rows": [_plain(row) for row in summarize(results.runs)],
        "echo": [_plain(row) for row in echo_rows(results.echo)],
        "goals": [_plain(goal) for goal in evaluate_goals(results)],
        "unavailable": results.unavailable,
        "failures": results.failures,
        "probes": [_plain(run) for run in results.probes],
        "runs": [_plain(run) for run in results.runs],
        "echo_runs": [_plain(echo) for echo in results.echo],
        "soak": [_plain(run) for run in results.soak],
    }
    path.write_text(json.dumps(document, indent=1, default=str) + "\n")


def _plain(value: Any) -> Any:
    plain = dataclasses.asdict(value)
    if isinstance(value, Goal):
        plain["text"] = value.describe()
    return plain
