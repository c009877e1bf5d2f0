"""Run one case against one system and measure it.

A run starts a fresh server, forks the worker and producer processes, lets
them all start together, waits until every accepted task has been
acknowledged, reads the server's CPU time and peak RSS, then stops
everything (also when something fails).
"""

from __future__ import annotations

import logging
import multiprocessing
import queue
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from multiprocessing.context import ForkProcess
from multiprocessing.queues import Queue
from typing import Any

from ._measure import ProducerReport, WorkerReport, merge_histograms
from ._plan import Case
from ._roles import START_TIMEOUT_S, ProducerPlan, producer_main, worker_main
from ._runner import Runner
from ._servers import ServerProcess, running_server

__all__ = ["RunFailed", "RunResult", "run_once"]

logger = logging.getLogger(__name__)

# Fork: the children start in milliseconds with the runner modules already
# imported; the driver holds no threads when it forks.
_CONTEXT = multiprocessing.get_context("fork")
_POLL_S = 0.005
# How long the driver blocks on the results queue before looking around.
_STEP_S = 0.05
_JOIN_S = 5.0


class RunFailed(RuntimeError):
    """A process of the run failed or the run went past its time bound."""


@dataclass(frozen=True)
class RunResult:
    """What one run measured. Times in seconds, latencies in microseconds."""

    system: str
    case: str
    producers: int
    workers: int
    payload_size: int
    target_rate: float
    submitted: int
    done: int
    retries: int
    submit_rate: float
    end_to_end_rate: float
    p50_us: int
    p99_us: int
    p999_us: int
    max_us: int
    server_cpu_s: float
    server_peak_rss: int
    client_cpu_s: float
    histogram: str
    """Every latency sample, hdrhistogram-encoded (base64)."""
    rss_samples: list[tuple[float, int, int]] = field(default_factory=list)
    """(seconds since start, tasks done, server RSS bytes), when sampled."""

    @property
    def server_cpu_us_per_task(self) -> float:
        return self.server_cpu_s / max(self.done, 1) * 1e6


def run_once(
    runner: Runner, case: Case, tasks: int, max_run_s: float, rss_every_s: float = 0.0
) -> RunResult:
    """Run ``tasks`` tasks of ``case`` against a fresh server of ``runner``.

    :param max_run_s: bound on submitting, and again on draining.
    :param rss_every_s: sample the server's RSS this often; 0 for never.
    :raises RunFailed: when a process fails or the run goes past its bounds.
    """
    with running_server(runner.server) as server:
        run = _Run(runner, case, server, max_run_s)
        try:
            return run.measure(tasks, rss_every_s)
        finally:
            run.end()


class _Run:
    """The processes, shared state and results queue of one run."""

    def __init__(
        self, runner: Runner, case: Case, server: ServerProcess, max_run_s: float
    ) -> None:
        self.runner = runner
        self.case = case
        self.server = server
        self.max_run_s = max_run_s
        self.progress = _CONTEXT.Array("q", case.workers, lock=False)
        self.start = _CONTEXT.Barrier(case.producers + case.workers + 1)
        self.stop = _CONTEXT.Event()
        self.results: Queue[Any] = _CONTEXT.Queue()
        self.processes: list[ForkProcess] = []

    def measure(self, tasks: int, rss_every_s: float) -> RunResult:
        self._start_workers()
        self._start_producers(tasks)
        try:
            self.start.wait(START_TIMEOUT_S)
        except threading.BrokenBarrierError:
            self._collect("producer", _JOIN_S)  # raises with what broke it
            raise RunFailed("the processes did not all start") from None
        cpu_before = self.server.cpu_seconds()
        sampler = _RssSampler(self.server, self.progress, rss_every_s)
        producers: list[ProducerReport] = self._collect(
            "producer", self.max_run_s, sampler
        )
        self._wait_for(sum(report.count for report in producers), sampler)
        server_cpu = self.server.cpu_seconds() - cpu_before
        peak_rss = self.server.peak_rss_bytes()
        self.stop.set()
        workers: list[WorkerReport] = self._collect("worker", _JOIN_S * 2)
        return self._result(producers, workers, server_cpu, peak_rss, sampler.samples)

    def end(self) -> None:
        """Stop every process of the run, however it went."""
        self.stop.set()
        for process in self.processes:
            process.join(_JOIN_S)
            if process.is_alive():
                logger.warning("killing %s, still running", process.name)
                process.kill()
                process.join(_JOIN_S)
        self.results.close()

    def _start_workers(self) -> None:
        for index in range(self.case.workers):
            shared = (self.progress, self.start, self.stop, self.results)
            args = (self.runner, self.server.address, *shared, index)
            self._fork(worker_main, args, f"worker {index}")

    def _start_producers(self, tasks: int) -> None:
        count = self.case.producers
        interval = int(count / self.case.rate * 1e9) if self.case.rate else 0
        for index in range(count):
            plan = ProducerPlan(
                tasks=tasks // count + (index < tasks % count),
                payload_size=self.case.payload_size,
                interval_ns=interval,
                offset_ns=interval * index // count,
                max_seconds=self.max_run_s,
            )
            args = (self.runner, self.server.address, plan, self.start)
            self._fork(producer_main, (*args, self.results, index), f"producer {index}")

    def _fork(self, target: Any, args: tuple[Any, ...], role: str) -> None:
        name = f"{self.runner.label} {role}"
        process = _CONTEXT.Process(target=target, args=args, name=name, daemon=True)
        process.start()
        self.processes.append(process)

    def _collect(
        self, role: str, timeout: float, sampler: _RssSampler | None = None
    ) -> list[Any]:
        """One report from each process of ``role``, in index order."""
        wanted = self.case.producers if role == "producer" else self.case.workers
        reports: dict[int, Any] = {}
        deadline = time.monotonic() + timeout
        while len(reports) < wanted:
            try:
                kind, who, report = self.results.get(timeout=_STEP_S)
            except queue.Empty:
                if time.monotonic() > deadline:
                    missing = wanted - len(reports)
                    raise RunFailed(f"{missing} {role}s did not report") from None
                if sampler is not None:
                    sampler.tick()
                continue
            if kind == "error":
                raise RunFailed(f"{who} failed:\n{report}")
            reports[who] = report
        return [reports[index] for index in sorted(reports)]

    def _wait_for(self, submitted: int, sampler: _RssSampler) -> None:
        """Wait until the workers have finished ``submitted`` tasks."""
        deadline = time.monotonic() + self.max_run_s
        workers = self.processes[: self.case.workers]
        while (done := sum(self.progress)) < submitted:
            if time.monotonic() > deadline:
                raise RunFailed(f"only {done} of {submitted} tasks done in time")
            if not all(process.is_alive() for process in workers):
                self._collect("worker", _JOIN_S)  # raises with the worker's error
            sampler.tick()
            time.sleep(_POLL_S)

    def _result(
        self,
        producers: Sequence[ProducerReport],
        workers: Sequence[WorkerReport],
        server_cpu: float,
        peak_rss: int,
        samples: list[tuple[float, int, int]],
    ) -> RunResult:
        histogram = merge_histograms([report.histogram for report in workers])
        first = min(report.first_submit_ns for report in producers)
        submitted = sum(report.count for report in producers)
        done = sum(report.count for report in workers)
        accepted_s = (max(report.last_accept_ns for report in producers) - first) / 1e9
        finished_s = (max(report.last_done_ns for report in workers) - first) / 1e9
        return RunResult(
            system=self.runner.label,
            case=self.case.name,
            producers=self.case.producers,
            workers=self.case.workers,
            payload_size=self.case.payload_size,
            target_rate=self.case.rate,
            submitted=submitted,
            done=done,
            retries=sum(report.retries for report in producers),
            submit_rate=submitted / accepted_s,
            end_to_end_rate=done / finished_s,
            p50_us=histogram.get_value_at_percentile(50),
            p99_us=histogram.get_value_at_percentile(99),
            p999_us=histogram.get_value_at_percentile(99.9),
            max_us=histogram.get_max_value(),
            server_cpu_s=server_cpu,
            server_peak_rss=peak_rss,
            client_cpu_s=sum(r.cpu_s for r in producers)
            + sum(r.cpu_s for r in workers),
            histogram=histogram.encode().decode("ascii"),
            rss_samples=samples,
        )


class _RssSampler:
    """Samples the server's RSS at most every ``every_s`` seconds; 0 never."""

    def __init__(
        self, server: ServerProcess, progress: Sequence[int], every_s: float
    ) -> None:
        self.server = server
        self.progress = progress
        self.every_s = every_s
        self.began = self.next = time.monotonic()
        self.samples: list[tuple[float, int, int]] = []

    def tick(self) -> None:
        now = time.monotonic()
        if self.every_s and now >= self.next:
            rss = self.server.rss_bytes()
            self.samples.append((now - self.began, sum(self.progress), rss))
            self.next += self.every_s
