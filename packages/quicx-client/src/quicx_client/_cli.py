"""The ``quicx`` command: submit tasks, run a command as a worker, read STATS."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Callable, Sequence
from typing import NoReturn

from ._address import DEFAULT_ADDRESS
from ._command import command_handler
from ._errors import QuicxError
from ._monitor import Monitor
from ._producer import Producer
from ._progress import ProgressBar
from ._stats import format_stats, stats_dict
from ._worker import Worker

__all__ = ["main"]

ADDRESS_ENV = "QUICX_ADDR"
LINES_PER_BATCH = 1000
MAX_RESULT = 1 << 20


class _Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line, with exit status 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message}\n")


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``quicx``; returns the exit status (0 ok, 1 failed, 2 bad usage)."""
    parser = _parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    command: Callable[[argparse.Namespace], int] = args.command
    try:
        return command(args)
    except ValueError as exc:
        parser.exit(2, f"quicx: error: {exc}\n")
    except QuicxError as exc:
        sys.stderr.write(f"quicx: {exc}\n")
        return 1
    except KeyboardInterrupt:
        return 130


def _parser() -> _Parser:
    default = os.environ.get(ADDRESS_ENV, DEFAULT_ADDRESS)
    parser = _Parser(prog="quicx", description="Work with a Quicx task queue.")
    parser.add_argument("-v", "--verbose", action="store_true", help="log more")
    commands = parser.add_subparsers(required=True, metavar="COMMAND")
    address_help = f"daemon HOST:PORT (default ${ADDRESS_ENV} or {DEFAULT_ADDRESS})"

    submit = commands.add_parser("submit", help="submit a task; prints its id")
    submit.add_argument("--addr", action="append", help=address_help + "; repeat")
    submit.add_argument("--queue", default="default")
    submit.add_argument("--priority", type=int, default=100, help="lower runs first")
    submit.add_argument("--delay", type=float, default=0.0, help="seconds")
    submit.add_argument("--ttr", type=float, help="time-to-run, seconds")
    submit.add_argument("--max-attempts", type=int)
    submit.add_argument(
        "--lines", action="store_true", help="one task per line of DATA, pipelined"
    )
    submit.add_argument("data", metavar="DATA|-", help="the payload; - reads stdin")
    submit.set_defaults(command=_submit, default_addr=default)

    worker = commands.add_parser(
        "worker",
        help="run COMMAND once per task, with the payload on stdin",
        usage="quicx worker [options] -- COMMAND [ARGS...]",
    )
    worker.add_argument("--addr", action="append", help=address_help + "; repeat")
    worker.add_argument("--queue", action="append", help="queue to serve; repeat")
    worker.add_argument("--concurrency", type=int, default=1)
    worker.add_argument(
        "--stop-timeout", type=float, help="seconds running commands get at stop"
    )
    worker.add_argument("argv", nargs=argparse.REMAINDER, metavar="COMMAND")
    worker.set_defaults(command=_worker, default_addr=default)

    stats = commands.add_parser("stats", help="print the daemon's STATS once")
    stats.add_argument("--addr", help=address_help)
    stats.add_argument("--json", action="store_true", help="print JSON")
    stats.set_defaults(command=_stats, default_addr=default)

    top = commands.add_parser("top", help="the live console (needs [console])")
    top.add_argument("--addr", help=address_help)
    top.add_argument("--duration", type=float, help="quit after this many seconds")
    top.set_defaults(command=_top, default_addr=default)
    return parser


def _addresses(args: argparse.Namespace) -> list[str]:
    given: str | list[str] | None = args.addr
    if given is None:
        return [args.default_addr]
    return [given] if isinstance(given, str) else given


def _submit(args: argparse.Namespace) -> int:
    data = sys.stdin.buffer.read() if args.data == "-" else os.fsencode(args.data)
    settings = {
        "queue": args.queue,
        "priority": args.priority,
        "delay": args.delay,
        "ttr": args.ttr,
        "max_attempts": args.max_attempts,
    }
    with Producer(_addresses(args)) as producer:
        if not args.lines:
            _say(producer.submit(data, **settings))
            return 0
        lines = data.splitlines()
        progress = ProgressBar(len(lines), sys.stderr)
        done = 0
        for start in range(0, len(lines), LINES_PER_BATCH):
            batch = lines[start : start + LINES_PER_BATCH]
            ids = producer.submit_many(batch, **settings)
            _say("\n".join(map(str, ids)))
            done += len(batch)
            progress.update(done)
        progress.close()
    return 0


def _worker(args: argparse.Namespace) -> int:
    argv = args.argv[1:] if args.argv[:1] == ["--"] else args.argv
    handler = command_handler(argv, max_result=MAX_RESULT)
    worker = Worker(
        _addresses(args),
        handler,
        queues=args.queue or ["default"],
        concurrency=args.concurrency,
        stop_timeout=args.stop_timeout,
    )
    worker.run()
    return 0


def _stats(args: argparse.Namespace) -> int:
    (address,) = _addresses(args)
    with Monitor(address) as monitor:
        snapshot = monitor.snapshot()
    if args.json:
        _say(json.dumps(stats_dict(snapshot), indent=2))
    else:
        _say(format_stats(snapshot))
    return 0


def _top(args: argparse.Namespace) -> int:
    try:
        from ._console import run_console
    except ImportError as exc:
        sys.stderr.write(
            f"quicx top needs the console extra ({exc.name} is missing): "
            "pip install 'quicx-client[console]'\n"
        )
        return 1
    (address,) = _addresses(args)
    run_console(address, duration=args.duration)
    return 0


def _say(line: object) -> None:
    """Write one line of the command's output to stdout."""
    sys.stdout.write(f"{line}\n")
