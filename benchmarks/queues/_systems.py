"""The rows of the comparison: each system, and each way of using Quicx.

Runner modules are imported only when their row runs, so a missing client
library (quicx-client while it is being written, say) costs that row alone.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass

from ._plan import PIPELINE_WINDOW
from ._runner import Runner

__all__ = [
    "DEFAULT_SYSTEMS",
    "REFERENCES",
    "SYSTEMS",
    "SystemUnavailable",
    "load_runner",
]


@dataclass(frozen=True)
class _Row:
    module: str
    runner: str
    window: int = 1
    server: str = ""
    """The server kind, when not the runner's own."""
    default: bool = True
    """Run when no --systems are named."""


SYSTEMS = {
    "quicx": _Row("_quicx_client", "QuicxClientRunner"),
    "quicx-pipelined": _Row("_quicx_client", "QuicxClientRunner", PIPELINE_WINDOW),
    "quicx-raw": _Row("_quicx_raw", "QuicxRawRunner"),
    "quicx-raw-pipelined": _Row("_quicx_raw", "QuicxRawRunner", PIPELINE_WINDOW),
    "beanstalkd": _Row("_beanstalk", "BeanstalkRunner"),
    "rq": _Row("_rq", "RqRunner"),
    "arq": _Row("_arq", "ArqRunner"),
    # Durability: Quicx with its journal (--fsync always), beanstalkd with its
    # binlog at its default fsync setting. Run them by name with --systems.
    "quicx-journal": _Row(
        "_quicx_client", "QuicxClientRunner", server="quicx-journal", default=False
    ),
    "quicx-raw-journal": _Row(
        "_quicx_raw", "QuicxRawRunner", server="quicx-journal", default=False
    ),
    "quicx-raw-pipelined-journal": _Row(
        "_quicx_raw",
        "QuicxRawRunner",
        PIPELINE_WINDOW,
        server="quicx-journal",
        default=False,
    ),
    "beanstalkd-binlog": _Row(
        "_beanstalk", "BeanstalkRunner", server="beanstalkd-binlog", default=False
    ),
}
DEFAULT_SYSTEMS = tuple(name for name, row in SYSTEMS.items() if row.default)

# Ratios are taken against the first of these that has figures: the client
# library's row when it ran, else the raw-protocol row.
REFERENCES = ("quicx", "quicx-raw")


class SystemUnavailable(RuntimeError):
    """A row's runner cannot be loaded (its client library is missing)."""


def load_runner(name: str) -> Runner:
    """The runner for row ``name``.

    :raises SystemUnavailable: when its module or library cannot be imported.
    """
    row = SYSTEMS[name]
    try:
        module = importlib.import_module(f"{__package__}.{row.module}")
    except ImportError as exc:
        raise SystemUnavailable(f"{name}: cannot import {exc.name}: {exc}") from exc
    options = {"server": row.server} if row.server else {}
    runner: Runner = getattr(module, row.runner)(
        label=name, window=row.window, **options
    )
    return runner
