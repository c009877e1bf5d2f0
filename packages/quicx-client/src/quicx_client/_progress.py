"""A one-line progress bar for ``quicx submit --lines`` on a terminal."""

from __future__ import annotations

import time
from typing import TextIO

__all__ = ["ProgressBar"]

WIDTH = 30


class ProgressBar:
    """Redraws ``[#####.....] done/total  rate/s`` in place on ``stream``.

    Draws nothing when ``stream`` is not a terminal.
    """

    def __init__(self, total: int, stream: TextIO) -> None:
        self._total = total
        self._stream = stream
        self._shown = stream.isatty()
        self._started = time.monotonic()

    def update(self, done: int) -> None:
        """Show ``done`` of the total."""
        if not self._shown:
            return
        share = done / self._total if self._total else 1.0
        filled = round(share * WIDTH)
        elapsed = max(time.monotonic() - self._started, 1e-9)
        self._stream.write(
            f"\r[{'#' * filled}{'.' * (WIDTH - filled)}] "
            f"{done:,}/{self._total:,}  {done / elapsed:,.0f}/s"
        )
        self._stream.flush()

    def close(self) -> None:
        """End the bar's line."""
        if self._shown:
            self._stream.write("\n")
            self._stream.flush()
