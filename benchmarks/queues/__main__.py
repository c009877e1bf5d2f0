"""``python -m benchmarks.queues``: run the side-by-side queue benchmark.

Prints the Markdown tables and writes ``<output>.json``, ``<output>.md`` and
``<output>.png`` (``benchmarks/results/queues-<mode>`` unless told).
"""

from __future__ import annotations

import argparse
import dataclasses
import logging
import sys
from pathlib import Path

from ._goals import SOAK_TASKS
from ._plan import Settings
from ._quicx_frames import check_against_codec
from ._report import markdown, write_json
from ._session import run_session
from ._systems import DEFAULT_SYSTEMS, SYSTEMS

RESULTS = Path(__file__).resolve().parents[1] / "results"
logger = logging.getLogger(__package__)


def main(argv: list[str]) -> int:
    args = _parser().parse_args(argv)
    # Progress from this harness at INFO; the libraries under test (arq logs
    # every job at INFO) only from WARNING, as a deployment would run them.
    logging.basicConfig(format="%(asctime)s %(message)s", datefmt="%H:%M:%S")
    logger.setLevel(logging.INFO)
    mode = "soak" if args.soak else "quick" if args.quick else "full"
    settings = _settings(args, mode)
    check_against_codec()
    results = run_session(settings, mode)
    text = markdown(results)
    settings.output.parent.mkdir(parents=True, exist_ok=True)
    settings.output.with_suffix(".md").write_text(text)
    write_json(results, settings.output.with_suffix(".json"))
    if results.runs:
        # Imported only now: numpy starts threads, and the runs fork.
        from ._plot import write_plot

        write_plot(results.runs, settings.output.with_suffix(".png"))
    print(text)
    print(f"Results: {settings.output}.{{json,md,png}}")
    return 0 if results.runs or results.soak else 1


def _settings(args: argparse.Namespace, mode: str) -> Settings:
    systems = tuple(args.systems.split(",")) if args.systems else DEFAULT_SYSTEMS
    unknown = set(systems) - set(SYSTEMS)
    if unknown:
        raise SystemExit(f"unknown systems {sorted(unknown)}; known: {list(SYSTEMS)}")
    output = args.output or RESULTS / f"queues-{mode}"
    make = Settings.quick if args.quick else Settings.full
    settings = make(systems, output)
    if args.soak and not args.systems:
        # The daemon sees the same frames from either client; the raw one
        # leaves more of the two cores to the daemon.
        systems = ("quicx-raw",)
    return dataclasses.replace(
        settings,
        systems=systems,
        repeats=args.repeats or settings.repeats,
        seconds=args.seconds or settings.seconds,
        echo=settings.echo and not args.no_echo,
        soak_tasks=args.soak_tasks if args.soak else 0,
        soak_rate=args.soak_rate,
    )


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.queues", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--quick", action="store_true", help="smoke run, under 2 min")
    parser.add_argument("--systems", help=f"comma-separated, from {','.join(SYSTEMS)}")
    parser.add_argument("--repeats", type=int, help="runs of each case")
    parser.add_argument("--seconds", type=float, help="aimed length of one run")
    parser.add_argument("--no-echo", action="store_true", help="skip the echo limit")
    parser.add_argument("--output", type=Path, help="path prefix of the results")
    soak = parser.add_argument_group("soak: daemon RSS over a long fixed-rate run")
    soak.add_argument("--soak", action="store_true", help="run the soak only")
    soak.add_argument("--soak-tasks", type=int, default=SOAK_TASKS)
    soak.add_argument(
        "--soak-rate", type=float, default=0.0, help="tasks/s; default half the probe's"
    )
    return parser


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
