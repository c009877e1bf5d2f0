"""The ``quicx-daemon`` command: arguments, logging, signals.

stdout carries exactly one line, ``listening on HOST:PORT``, printed once the
daemon accepts connections, so a script can wait for it. Logs go to stderr.
The first SIGTERM or SIGINT drains (see :meth:`Server.drain`) and exits 0; a
second one during the drain exits at once.
"""

from __future__ import annotations

import argparse
import gc
import importlib.util
import logging
import signal
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

import anyio

from ._config import (
    BrokerConfig,
    DaemonConfig,
    JournalConfig,
    MiB,
    parse_fsync,
    parse_size,
)
from ._journal import JournalError
from ._peers import read_peers
from ._server import Server

__all__ = ["build_parser", "config_from_args", "main"]

logger = logging.getLogger(__name__)

LOG_LEVELS = ("debug", "info", "warning", "error")
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class _Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line, exit status 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    """The command's arguments, with their defaults."""
    parser = _Parser(
        prog="quicx-daemon",
        description="Run the Quicx task queue daemon.",
    )
    add = parser.add_argument
    add(
        "--listen",
        default="127.0.0.1:7878",
        metavar="HOST:PORT",
        help="address to listen on; port 0 picks a free one (default %(default)s)",
    )
    add(
        "--node-id",
        type=int,
        default=0,
        metavar="N",
        help="0..65535, the high 16 bits of every task id (default %(default)s)",
    )
    add(
        "--memory",
        default="64MiB",
        metavar="SIZE",
        help="size of the payload arena (default %(default)s)",
    )
    add(
        "--max-payload",
        default="1MiB",
        metavar="SIZE",
        help="largest SUBMIT payload (default %(default)s)",
    )
    add(
        "--heartbeat",
        type=float,
        default=5.0,
        metavar="SECONDS",
        help="heartbeat interval (default %(default)s)",
    )
    add(
        "--heartbeat-misses",
        type=int,
        default=3,
        metavar="N",
        help="silent intervals before a peer is dropped (default %(default)s)",
    )
    add(
        "--default-ttr",
        type=float,
        default=60.0,
        metavar="SECONDS",
        help="time-to-run of tasks submitted with ttr 0 (default %(default)s)",
    )
    add(
        "--max-attempts",
        type=int,
        default=5,
        metavar="N",
        help="attempts of tasks submitted with max_attempts 0 (default %(default)s)",
    )
    add(
        "--max-dead",
        type=int,
        default=10_000,
        metavar="N",
        help="dead letters kept before the oldest is evicted (default %(default)s)",
    )
    add(
        "--queue-limit",
        type=int,
        default=0,
        metavar="N",
        help="waiting tasks per queue before queue_full; 0 is none (default 0)",
    )
    add(
        "--drain-grace",
        type=float,
        default=10.0,
        metavar="SECONDS",
        help="how long SIGTERM waits for tasks to finish (default %(default)s)",
    )
    add(
        "--max-send-buffer",
        default=None,
        metavar="SIZE",
        help="bytes queued for a slow reader before it is dropped "
        "(default 16MiB, or two largest frames when that is more)",
    )
    add(
        "--peers",
        metavar="HOST:PORT,...|@FILE",
        help="public addresses of every daemon in this one's group, itself "
        "included, or a file listing them; workers learn them in PEERS",
    )
    add(
        "--data-dir",
        metavar="DIR",
        help="keep tasks in a journal in DIR, so that they survive a crash "
        "and a restart (default: in memory only)",
    )
    add(
        "--fsync",
        default="always",
        metavar="always|interval:MS|never",
        help="always: OK once the task is on disk; interval:MS: at most MS ms "
        "of acknowledged tasks lost if the machine crashes; never: the OS "
        "decides (default %(default)s)",
    )
    add(
        "--repair",
        action="store_true",
        help="start on a journal damaged in the middle, skipping the damage",
    )
    add(
        "--journal-segment",
        default="64MiB",
        metavar="SIZE",
        help="a journal file is closed and a new one started past this size "
        "(default %(default)s)",
    )
    add(
        "--compact-below",
        type=float,
        default=0.5,
        metavar="FRACTION",
        help="rewrite the journal when less than this share of it is live... "
        "(default %(default)s)",
    )
    add(
        "--compact-min",
        default="64MiB",
        metavar="SIZE",
        help="...and it holds at least this much (default %(default)s)",
    )
    add(
        "--backend",
        choices=("asyncio", "trio"),
        default="asyncio",
        help="event loop; asyncio uses uvloop when installed (default %(default)s)",
    )
    add(
        "--log-level",
        choices=LOG_LEVELS,
        default="info",
        help="log level on stderr (default %(default)s)",
    )
    return parser  # fmt: skip


def config_from_args(args: argparse.Namespace) -> DaemonConfig:
    """Turn parsed arguments into a checked configuration.

    :raises ValueError: a value is malformed or out of range.
    """
    host, sep, port = args.listen.rpartition(":")
    if not sep or not host or not port.isdigit():
        raise ValueError(f"--listen wants HOST:PORT, not {args.listen!r}")
    broker = BrokerConfig(
        node_id=args.node_id,
        max_payload=parse_size(args.max_payload),
        default_ttr=args.default_ttr,
        default_max_attempts=args.max_attempts,
        max_dead=args.max_dead,
        queue_limit=args.queue_limit,
    )
    return DaemonConfig(
        host=host.strip("[]"),
        port=int(port),
        memory=parse_size(args.memory),
        heartbeat=args.heartbeat,
        heartbeat_misses=args.heartbeat_misses,
        drain_grace=args.drain_grace,
        max_send_buffer=_send_buffer(args.max_send_buffer, broker.max_payload),
        backend=args.backend,
        peers=read_peers(args.peers) if args.peers is not None else (),
        broker=broker,
        journal=_journal_config(args),
    )


def _send_buffer(option: str | None, max_payload: int) -> int:
    if option is not None:
        return parse_size(option)
    return max(16 * MiB, 2 * (max_payload + 1024))


def _journal_config(args: argparse.Namespace) -> JournalConfig | None:
    if args.data_dir is None:
        if args.repair:
            raise ValueError("--repair needs --data-dir")
        return None
    fsync, interval = parse_fsync(args.fsync)
    return JournalConfig(
        data_dir=Path(args.data_dir),
        fsync=fsync,
        fsync_interval=interval,
        repair=args.repair,
        segment_size=parse_size(args.journal_segment),
        compact_below=args.compact_below,
        compact_min=parse_size(args.compact_min),
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Run the daemon until a signal drains it; return the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        config = config_from_args(args)
    except ValueError as error:
        parser.error(str(error))
    logging.basicConfig(
        level=args.log_level.upper(), format=LOG_FORMAT, stream=sys.stderr
    )
    try:
        server = Server(config)  # recovers the journal, if any
    except ValueError as error:
        parser.error(str(error))
    except (JournalError, OSError) as error:
        print(f"quicx-daemon: error: {error}", file=sys.stderr)  # noqa: T201
        return 1
    options: dict[str, Any] = {}
    if config.backend == "asyncio" and importlib.util.find_spec("uvloop"):
        options["use_uvloop"] = True
    try:
        anyio.run(_run, server, backend=config.backend, backend_options=options)
    except OSError as error:
        print(f"quicx-daemon: error: {error}", file=sys.stderr)  # noqa: T201
        return 1
    return 0


async def _run(server: Server) -> None:
    with anyio.open_signal_receiver(signal.SIGTERM, signal.SIGINT) as signals:
        async with anyio.create_task_group() as group:
            host, port = await group.start(server.serve)
            _freeze_startup_objects()
            print(f"listening on {host}:{port}", flush=True)  # noqa: T201
            async for signum in signals:
                logger.info("%s received", signal.Signals(signum).name)
                if server.broker.draining:
                    logger.warning("second signal: exiting without waiting")
                    break
                # Refuse SUBMIT from here on: frames are handled in the loop's
                # callbacks, which may run before the drain task starts.
                server.broker.begin_drain()
                group.start_soon(_drain_then_stop, server, group.cancel_scope)
            group.cancel_scope.cancel()


def _freeze_startup_objects() -> None:
    """Keep what start-up made (modules, codecs, the journal's restored
    tasks) out of every later garbage collection.

    A full collection walks every object the collector tracks. Start-up
    leaves some 28,000 behind that live as long as the daemon; a full
    collection of them took 15 ms on the project's two-core machine, a pause
    for every connection each time one ran. Frozen, they are skipped; they
    are still freed by reference counting if they die.
    """
    gc.collect()  # garbage frozen now would never be collected
    gc.freeze()


async def _drain_then_stop(server: Server, scope: anyio.CancelScope) -> None:
    await server.drain()
    logger.info("exiting")
    scope.cancel()
