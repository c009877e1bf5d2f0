"""Capture every scenario's traffic with dumpcap: ``nox -s capture``.

For each scenario: start a fresh daemon, start dumpcap on the loopback
interface with a filter on the daemon's port, run the scenario, wait until the
capture file holds every byte the driver sent and received, stop dumpcap, and
write three files under tests/conformance/captures/:

- ``NAME.pcapng``, the capture itself;
- ``NAME.yaml``, the sidecar: the scenario, what it exercises, the daemon's
  options, the capture tool and the capture's SHA-256;
- ``NAME.transcript``, every frame of the capture as one line of text.

Run it as ``python -m conformance.capture [NAME ...]`` with ``tests`` on
PYTHONPATH; it needs dumpcap and the right to capture on ``lo`` (root, or
dumpcap's capabilities). Where the daemon departs from the scenario's
expectations the capture is still written, and the differences are printed.
"""

from __future__ import annotations

import argparse
import hashlib
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import yaml  # type: ignore[import-untyped]

from conformance.daemons import fresh_daemon, log_tail
from conformance.driver import Run, bound_probe_socket, run_scenario
from conformance.normalize import shape_problems
from conformance.pcap import CaptureError, TcpConnection, read_connections
from conformance.scenarios import SCENARIOS, by_name
from conformance.script import Scenario
from conformance.traffic import from_capture, transcript

__all__ = ["CAPTURES", "capture_scenario", "main"]

CAPTURES = Path(__file__).resolve().parent / "captures"
START_WITHIN = 10.0
FLUSH_WITHIN = 10.0
POLL = 0.05


class CaptureFailed(RuntimeError):
    """dumpcap could not capture, or its file does not hold what was sent."""


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="scenarios to capture; all by default")
    parser.add_argument("--out", type=Path, default=CAPTURES, help="where to write")
    args = parser.parse_args(argv)
    dumpcap = shutil.which("dumpcap")
    if dumpcap is None:
        _say("dumpcap not found: install Debian's tshark package", error=True)
        return 2
    scenarios = [by_name(name) for name in args.names] if args.names else SCENARIOS
    args.out.mkdir(parents=True, exist_ok=True)
    failed = 0
    for scenario in scenarios:
        try:
            problems = capture_scenario(scenario, args.out, dumpcap)
        except (CaptureFailed, CaptureError) as exc:
            _say(f"{scenario.name}: capture failed: {exc}", error=True)
            failed += 1
            continue
        verdict = "as the spec says" if not problems else "DEPARTS FROM THE SPEC"
        _say(f"{scenario.name}: captured, {verdict}")
        for problem in problems:
            _say(f"    {problem}")
    return 1 if failed else 0


def capture_scenario(scenario: Scenario, out: Path, dumpcap: str) -> list[str]:
    """Capture one scenario into ``out``; return where the daemon departs from it.

    :raises CaptureFailed: dumpcap failed, or its file misses traffic
    """
    with tempfile.TemporaryDirectory(prefix="quicx-capture-") as scratch:
        pcap = Path(scratch) / f"{scenario.name}.pcapng"
        probe = bound_probe_socket()
        try:
            log = Path(scratch) / "daemon.log"
            with fresh_daemon(
                *scenario.daemon_args,
                log=log,
                file_size_limit=scenario.file_size_limit,
            ) as daemon:
                probe_port = probe.getsockname()[1]
                capture_filter = f"tcp port {daemon.port} and not tcp port {probe_port}"
                with _dumpcap(dumpcap, capture_filter, pcap):
                    run = run_scenario(scenario, daemon, probe)
                    _wait_for_traffic(pcap, run)
        except CaptureFailed as exc:
            raise CaptureFailed(f"{exc}\ndaemon log:\n{log_tail(log)}") from None
        finally:
            probe.close()
        connections = _check_capture(pcap, run)
        data = pcap.read_bytes()
    conversations = from_capture(connections, scenario.daemon_args)
    lines = transcript(conversations, connections)
    (out / f"{scenario.name}.pcapng").write_bytes(data)
    (out / f"{scenario.name}.transcript").write_text("\n".join(lines) + "\n", "utf-8")
    sidecar = {
        "scenario": scenario.name,
        "exercises": scenario.exercises,
        "daemon_options": list(scenario.daemon_args),
        "file_size_limit": scenario.file_size_limit,
        "captured_with": _version(dumpcap),
        "sha256": hashlib.sha256(data).hexdigest(),
    }
    (out / f"{scenario.name}.yaml").write_text(
        yaml.safe_dump(sidecar, sort_keys=False, allow_unicode=True, width=80), "utf-8"
    )
    return run.problems + shape_problems(conversations)


class _dumpcap:
    """dumpcap running on ``lo`` for the duration of a ``with`` block."""

    def __init__(self, dumpcap: str, capture_filter: str, path: Path) -> None:
        self.command = [
            dumpcap,
            "-i",
            "lo",
            "-f",
            capture_filter,
            "-w",
            str(path),
            "-q",
        ]
        self.process: subprocess.Popen[str] | None = None

    def __enter__(self) -> None:
        self.process = subprocess.Popen(
            self.command, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True
        )
        assert self.process.stderr is not None
        # dumpcap names its output file once the filter is set and the file open.
        deadline = time.monotonic() + START_WITHIN
        said: list[str] = []
        while time.monotonic() < deadline:
            line = self.process.stderr.readline()
            said.append(line)
            if line.startswith("File:"):
                return
            if not line and self.process.poll() is not None:
                break
        self._stop()
        raise CaptureFailed(f"dumpcap did not start capturing: {''.join(said).strip()}")

    def __exit__(self, *exc_info: object) -> None:
        self._stop()

    def _stop(self) -> None:
        process = self.process
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(FLUSH_WITHIN)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
            raise CaptureFailed("dumpcap did not stop on SIGTERM") from None
        finally:
            if process.stderr is not None:
                process.stderr.close()


def _wait_for_traffic(pcap: Path, run: Run) -> None:
    """Poll the growing capture until it holds everything the driver saw, so
    dumpcap is not stopped before it wrote the last packets (the caller then
    checks the final file)."""
    deadline = time.monotonic() + FLUSH_WITHIN
    while time.monotonic() < deadline:
        try:
            if not _missing(read_connections(pcap), run):
                return
        except (CaptureError, OSError):
            pass
        time.sleep(POLL)


def _check_capture(pcap: Path, run: Run) -> list[TcpConnection]:
    """The final capture's connections; it must hold exactly what the driver saw."""
    connections = read_connections(pcap)
    missing = _missing(connections, run)
    if missing:
        raise CaptureFailed(missing)
    return connections


def _missing(connections: Sequence[TcpConnection], run: Run) -> str:
    """How the capture differs from the driver's recordings; empty when it does not."""
    if len(connections) != len(run.recordings):
        return f"{len(connections)} connections captured, {len(run.recordings)} made"
    for number, (conn, rec) in enumerate(
        zip(connections, run.recordings, strict=True), 1
    ):
        if conn.to_server != rec.sent or conn.to_client != rec.received:
            return f"connection {number} ({rec.name}): the captured bytes differ"
        closed = conn.client_closed_at is not None or conn.server_closed_at is not None
        if rec.closed_by is not None and not closed:
            return f"connection {number} ({rec.name}): its close is not captured yet"
    return ""


def _say(line: str, *, error: bool = False) -> None:
    """Command-line output: progress on stdout, failures on stderr."""
    print(line, file=sys.stderr if error else sys.stdout, flush=True)


def _version(dumpcap: str) -> str:
    result = subprocess.run(
        [dumpcap, "--version"], capture_output=True, text=True, check=False
    )
    return result.stdout.splitlines()[0].strip() if result.stdout else "dumpcap"


if __name__ == "__main__":
    sys.exit(main())
