"""Codec micro-benchmark: encode and decode time per message, compiled vs not.

Run from the repository root::

    python -m benchmarks.codec [--runs 7] [--seconds 0.2]

For SUBMIT, TASK and DONE it times ``Codec.encode`` (message to whole frame)
and ``Codec.decode_frame`` (whole frame to message) with construct's compiled
codecs and with the interpreted ones, plus ``FrameDecoder.feed`` (the path the
daemon and clients use, compiled). Each figure is repeated ``--runs`` times and
reported as the median with the spread (min..max) over the runs. It also times
what the compiled mode costs at import. Prints a table and writes
benchmarks/results/codec.json.

Times are CPU time of this process (``time.process_time``), not wall time: the
machine is shared, and wall time mostly measured how often other processes got
the core. Contention still shows (caches, frequency), hence the spread.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import construct
from quicx_proto import Done, FrameDecoder, Message, Submit, Task
from quicx_proto._codec import COMPILED, INTERPRETED, Codec

CLOCK = time.process_time
RESULTS = Path(__file__).resolve().parents[1] / "results" / "codec.json"

PAYLOAD = bytes(range(256)) * 4  # 1 KiB, a typical small task
MESSAGES: dict[str, Message] = {
    "SUBMIT": Submit(
        priority=10,
        delay_ms=0,
        ttr_ms=30000,
        max_attempts=5,
        queue="emails",
        payload=PAYLOAD,
    ),
    "TASK": Task(
        task_id=1 << 48 | 12345,
        attempt=1,
        ttr_ms=30000,
        queue="emails",
        payload=PAYLOAD,
    ),
    "DONE": Done(task_id=1 << 48 | 12345, result=b""),
}


def per_call_us(call: Callable[[], object], seconds: float) -> float:
    """Microseconds per call, over a loop calibrated to last about ``seconds``."""
    loops = 1
    while True:
        start = CLOCK()
        for _ in range(loops):
            call()
        elapsed = CLOCK() - start
        if elapsed >= seconds / 10:
            break
        loops *= 4
    loops = max(1, int(loops * seconds / elapsed))
    start = CLOCK()
    for _ in range(loops):
        call()
    return (CLOCK() - start) / loops * 1e6


def summary(samples: list[float]) -> dict[str, Any]:
    return {
        "median": statistics.median(samples),
        "min": min(samples),
        "max": max(samples),
        "runs": samples,
    }


def time_operations(runs: int, seconds: float) -> list[dict[str, Any]]:
    """Every (message, mode, operation) figure, each repeated ``runs`` times."""
    cases: list[tuple[str, str, str, Callable[[], object]]] = []
    for name, message in MESSAGES.items():
        frame = COMPILED.encode(message)
        for codec in (COMPILED, INTERPRETED):
            mode = "compiled" if codec.compiled else "interpreted"
            cases.append((name, mode, "encode", lambda c=codec, m=message: c.encode(m)))
            cases.append(
                (name, mode, "decode", lambda c=codec, f=frame: c.decode_frame(f))
            )
        decoder = FrameDecoder()
        cases.append((name, "compiled", "feed", lambda d=decoder, f=frame: d.feed(f)))
    samples: dict[int, list[float]] = {i: [] for i in range(len(cases))}
    # Interleave the runs so that a noisy moment hits every case alike.
    for _ in range(runs):
        for index, (*_, call) in enumerate(cases):
            samples[index].append(per_call_us(call, seconds))
    return [
        {"message": name, "mode": mode, "operation": op, "us": summary(samples[i])}
        for i, (name, mode, op, _) in enumerate(cases)
    ]


def time_import(runs: int) -> dict[str, Any]:
    """Milliseconds to import construct, quicx_proto, and to compile its codecs."""
    script = (
        "import time; t = time.process_time(); import {0}; "
        "print((time.process_time() - t) * 1e3)"
    )
    figures: dict[str, list[float]] = {"construct": [], "quicx_proto": []}
    for _ in range(runs):
        for module in figures:
            out = subprocess.run(
                [sys.executable, "-c", script.format(module)],
                check=True,
                capture_output=True,
                text=True,
            )
            figures[module].append(float(out.stdout))
    compile_ms = []
    for _ in range(runs):
        start = CLOCK()
        Codec(compiled=True)
        compile_ms.append((CLOCK() - start) * 1e3)
    return {
        "import_construct_ms": summary(figures["construct"]),
        "import_quicx_proto_ms": summary(figures["quicx_proto"]),
        "compile_all_codecs_ms": summary(compile_ms),
    }


def print_table(results: list[dict[str, Any]], imports: dict[str, Any]) -> None:
    spread_title = "spread (min..max)"
    print(f"{'message':8} {'mode':12} {'op':7} {'median us':>10} {spread_title:>20}")
    for row in results:
        us = row["us"]
        spread = f"{us['min']:.2f}..{us['max']:.2f}"
        print(
            f"{row['message']:8} {row['mode']:12} {row['operation']:7} "
            f"{us['median']:10.2f} {spread:>20}"
        )
    print()
    for name, figure in imports.items():
        print(
            f"{name:24} median {figure['median']:7.1f} ms "
            f"(min {figure['min']:.1f}, max {figure['max']:.1f})"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=7, help="repetitions per figure")
    parser.add_argument(
        "--seconds", type=float, default=0.2, help="approximate time per repetition"
    )
    args = parser.parse_args()
    results = time_operations(args.runs, args.seconds)
    imports = time_import(args.runs)
    print_table(results, imports)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    report = {
        "benchmark": "codec",
        "python": platform.python_version(),
        "construct": construct.__version__,
        "machine": platform.machine(),
        "clock": "process_time",
        "load_average": os.getloadavg(),
        "runs": args.runs,
        "seconds_per_run": args.seconds,
        "payload_bytes": len(PAYLOAD),
        "results": results,
        "import": imports,
    }
    RESULTS.write_text(json.dumps(report, indent=2) + "\n")
    print(f"\nwrote {RESULTS}")


if __name__ == "__main__":
    main()
