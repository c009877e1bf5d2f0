"""A whole benchmark session: every system, case and repeat, the echo limit,
and the soak when asked.

Repeats go round all systems in turn, so a burst of load from elsewhere on
the machine lands on every system rather than on one.
"""

from __future__ import annotations

import logging
import os
import platform
import statistics
import subprocess
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from typing import Any

from ._driver import RunFailed, RunResult, run_once
from ._echo import EVENT_LOOP, EchoResult, run_echo
from ._plan import ECHO_CLIENTS, LOAD_CASE, PIPELINE_WINDOW, Case, Settings, tasks_for
from ._runner import Runner
from ._servers import ServerUnavailable
from ._systems import SystemUnavailable, load_runner

__all__ = ["SessionResults", "run_session"]

logger = logging.getLogger(__name__)

_SOAK_SAMPLE_S = 1.0
_ECHO_SIZES = (100, 4096, 65536)
_PACKAGES = ("greenstalk", "rq", "arq", "redis", "anyio", "hdrhistogram", "quicx-proto")


# Each loaded system's runner and the throughput its probe showed.
_Runners = dict[str, tuple[Runner, float]]


@dataclass
class SessionResults:
    """Everything one session measured, ready for the report."""

    mode: str
    started_utc: str
    machine: dict[str, Any]
    settings: Settings
    probes: list[RunResult] = field(default_factory=list)
    runs: list[RunResult] = field(default_factory=list)
    echo: list[EchoResult] = field(default_factory=list)
    soak: list[RunResult] = field(default_factory=list)
    unavailable: dict[str, str] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)
    wall_s: float = 0.0


def run_session(settings: Settings, mode: str) -> SessionResults:
    """Run what ``settings`` asks for and return every figure."""
    began = time.monotonic()
    results = SessionResults(
        mode=mode,
        started_utc=datetime.now(UTC).isoformat(timespec="seconds"),
        machine=_machine(),
        settings=settings,
    )
    runners = _probe_all(settings, results)
    if settings.soak_tasks:
        _soak(settings, runners, results)
    else:
        _throughput(settings, runners, results)
        _at_half_load(settings, runners, results)
        if settings.echo:
            _echo(settings, results)
    results.machine["loadavg_after"] = os.getloadavg()
    results.wall_s = time.monotonic() - began
    return results


def _probe_all(settings: Settings, results: SessionResults) -> _Runners:
    """Load each system and run its probe; return runner and probe throughput."""
    runners: _Runners = {}
    for name in settings.systems:
        try:
            runner = load_runner(name)
            probe = run_once(
                runner, LOAD_CASE, settings.probe_tasks, settings.max_run_s
            )
        except (SystemUnavailable, ServerUnavailable, RunFailed) as exc:
            logger.warning("%s is left out: %s", name, exc)
            results.unavailable[name] = str(exc)
            continue
        logger.info("%s probe: %.0f tasks/s end to end", name, probe.end_to_end_rate)
        results.probes.append(probe)
        runners[name] = (runner, probe.end_to_end_rate)
    return runners


def _throughput(settings: Settings, runners: _Runners, results: SessionResults) -> None:
    for repeat in range(settings.repeats):
        for case in settings.cases:
            for runner, probe_rate in runners.values():
                tasks = tasks_for(settings, case, probe_rate)
                _attempt(results, runner, case, tasks, settings.max_run_s, repeat)


def _at_half_load(
    settings: Settings, runners: _Runners, results: SessionResults
) -> None:
    """Pace each one-at-a-time system at half the throughput it reached."""
    cases: dict[str, Case] = {}
    for name, (runner, _) in runners.items():
        flat_out = [
            run.end_to_end_rate
            for run in results.runs
            if run.system == name and run.case == LOAD_CASE.name
        ]
        if flat_out and runner.window == 1:
            cases[name] = LOAD_CASE.at_rate(statistics.median(flat_out) / 2)
    for repeat in range(settings.repeats):
        for name, case in cases.items():
            runner = runners[name][0]
            tasks = tasks_for(settings, case, case.rate)
            _attempt(results, runner, case, tasks, settings.max_run_s, repeat)


def _attempt(
    results: SessionResults,
    runner: Runner,
    case: Case,
    tasks: int,
    max_run_s: float,
    repeat: int,
) -> None:
    try:
        run = run_once(runner, case, tasks, max_run_s)
    except (ServerUnavailable, RunFailed) as exc:
        logger.warning("%s %s failed: %s", runner.label, case.name, exc)
        results.failures.append(
            f"{runner.label} {case.name} (repeat {repeat + 1}): {exc}"
        )
        return
    logger.info(
        "%s %s #%d: %d tasks, %.0f/s end to end, p99 %.2f ms, server %.1f us/task",
        run.system,
        run.case,
        repeat + 1,
        run.done,
        run.end_to_end_rate,
        run.p99_us / 1000,
        run.server_cpu_us_per_task,
    )
    results.runs.append(run)


def _echo(settings: Settings, results: SessionResults) -> None:
    for _ in range(settings.repeats):
        for size in _ECHO_SIZES:
            for window in (1, PIPELINE_WINDOW):
                try:
                    echo = run_echo(
                        size, window, ECHO_CLIENTS, settings.seconds, settings.max_tasks
                    )
                except RuntimeError as exc:
                    results.failures.append(f"echo {size} B window {window}: {exc}")
                    continue
                logger.info(
                    "echo %d B window %d: %.0f tasks/s, %.2f us server CPU per frame",
                    size,
                    window,
                    echo.tasks_per_s,
                    echo.server_cpu_us_per_frame,
                )
                results.echo.append(echo)


def _soak(settings: Settings, runners: _Runners, results: SessionResults) -> None:
    """One long fixed-rate run per system, sampling the server's RSS."""
    for runner, probe_rate in runners.values():
        rate = settings.soak_rate or probe_rate / 2
        case = LOAD_CASE.at_rate(rate)
        bound_s = settings.soak_tasks / rate * 1.5 + 60
        logger.info(
            "%s soak: %d tasks at %.0f/s", runner.label, settings.soak_tasks, rate
        )
        try:
            run = run_once(runner, case, settings.soak_tasks, bound_s, _SOAK_SAMPLE_S)
        except (ServerUnavailable, RunFailed) as exc:
            results.failures.append(f"{runner.label} soak: {exc}")
            continue
        results.soak.append(run)


def _machine() -> dict[str, Any]:
    versions: dict[str, str | None] = {}
    for package in (*_PACKAGES, "uvloop", "quicx-client", "quicx-daemon"):
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = None
    return {
        "cpus": os.cpu_count(),
        "loadavg_before": os.getloadavg(),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "event_loop": EVENT_LOOP,
        "beanstalkd": _version_line(["beanstalkd", "-v"]),
        "redis-server": _version_line(["redis-server", "--version"]),
        "packages": versions,
    }


def _version_line(command: list[str]) -> str | None:
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return (done.stdout or done.stderr).strip().splitlines()[0]
