"""What one benchmark session runs: settings, cases and task counts."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "ECHO_CLIENTS",
    "LOAD_CASE",
    "PACED_LOAD",
    "PIPELINE_WINDOW",
    "THROUGHPUT_CASES",
    "Case",
    "Settings",
    "size_name",
    "tasks_for",
]

KIB = 1024
# Tasks per submit_many batch, and tasks a pipelined worker may hold.
PIPELINE_WINDOW = 64
# Echo-limit client processes, each both submitting and finishing tasks.
ECHO_CLIENTS = 2
# The most payload bytes one run may submit, so a 64 KiB backlog stays well
# within Quicx's 256 MiB arena (and every other server's memory).
_MAX_BACKLOG_BYTES = 128 * 1024 * KIB
_MIN_TASKS = 100


def size_name(size: int) -> str:
    """``100 B``, ``4 KiB``, ``64 KiB``."""
    return f"{size // KIB} KiB" if size >= KIB else f"{size} B"


@dataclass(frozen=True)
class Case:
    """One workload: producers, workers, payload size, and an optional rate."""

    producers: int
    workers: int
    payload_size: int
    rate: float = 0.0
    """Tasks per second for all producers together; 0 means flat out."""

    @property
    def name(self) -> str:
        """``P2 W2 100 B``, and ``paced`` after it for a fixed-rate case."""
        paced = " paced" if self.rate else ""
        return (
            f"P{self.producers} W{self.workers} {size_name(self.payload_size)}{paced}"
        )

    def at_rate(self, rate: float) -> Case:
        """This case paced at ``rate`` tasks per second."""
        return Case(self.producers, self.workers, self.payload_size, rate)


# The fixed-rate run for latency uses this case, at half of what the system
# itself reached on it flat out.
LOAD_CASE = Case(2, 2, 100)
PACED_LOAD = LOAD_CASE.at_rate(1).name
THROUGHPUT_CASES = (
    Case(1, 1, 100),
    LOAD_CASE,
    Case(1, 1, 4 * KIB),
    Case(2, 2, 4 * KIB),
    Case(1, 1, 64 * KIB),
    Case(2, 2, 64 * KIB),
)
QUICK_CASES = (Case(1, 1, 100), LOAD_CASE, Case(2, 2, 4 * KIB), Case(2, 2, 64 * KIB))


@dataclass(frozen=True)
class Settings:
    """How much to run; ``--quick`` and ``--soak`` pick other values."""

    systems: tuple[str, ...]
    cases: tuple[Case, ...]
    repeats: int
    seconds: float
    """Aim for runs this long at the speed the system showed in its probe."""
    probe_tasks: int
    max_tasks: int
    max_run_s: float
    """Bound on one run's submitting, and again on its draining."""
    echo: bool
    soak_tasks: int
    """0 for no soak; else tasks in the RSS soak run."""
    soak_rate: float
    """Tasks per second in the soak; 0 for half the probe's throughput."""
    output: Path
    """Path prefix of the JSON, Markdown and PNG results."""

    @classmethod
    def full(cls, systems: tuple[str, ...], output: Path) -> Settings:
        """Every case, three repeats of about three seconds each."""
        return cls(
            systems=systems,
            cases=THROUGHPUT_CASES,
            repeats=3,
            seconds=3.0,
            probe_tasks=1000,
            max_tasks=200_000,
            max_run_s=60.0,
            echo=True,
            soak_tasks=0,
            soak_rate=0.0,
            output=output,
        )

    @classmethod
    def quick(cls, systems: tuple[str, ...], output: Path) -> Settings:
        """Fewer cases, one repeat, short runs: a smoke run."""
        return dataclasses.replace(
            cls.full(systems, output),
            cases=QUICK_CASES,
            repeats=1,
            seconds=0.5,
            probe_tasks=200,
            max_tasks=20_000,
            max_run_s=15.0,
        )


def tasks_for(settings: Settings, case: Case, probe_rate: float) -> int:
    """Tasks for one run of ``case``, from the rate the probe showed."""
    rate = case.rate or probe_rate
    tasks = int(rate * settings.seconds)
    tasks = min(tasks, settings.max_tasks, _MAX_BACKLOG_BYTES // case.payload_size)
    return max(tasks, _MIN_TASKS)
