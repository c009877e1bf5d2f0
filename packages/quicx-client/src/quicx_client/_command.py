"""``quicx worker -- COMMAND``: run a command once per task."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable, Sequence

from ._task import Task

__all__ = ["STDERR_TAIL", "CommandFailed", "command_handler"]

STDERR_TAIL = 2048
"""Bytes of a failed command's stderr kept as the FAILED reason."""


class CommandFailed(Exception):
    """The command exited with a status other than 0; the message says how."""


def command_handler(
    argv: Sequence[str], *, max_result: int | None = None
) -> Callable[[Task], bytes]:
    """A worker handler that runs ``argv`` with the task's payload on stdin.

    Exit status 0 gives DONE with stdout as the result (cut to ``max_result``
    bytes when given); any other status gives FAILED with the status and the
    last 2 KiB of stderr as the reason. The command also finds the task in
    its environment: ``QUICX_TASK_ID``, ``QUICX_QUEUE`` and ``QUICX_ATTEMPT``.

    :raises ValueError: when ``argv`` is empty.
    """
    if not argv:
        raise ValueError("give a command to run for each task")
    command = list(argv)

    def handle(task: Task) -> bytes:
        env = {
            **os.environ,
            "QUICX_TASK_ID": str(task.id),
            "QUICX_QUEUE": task.queue,
            "QUICX_ATTEMPT": str(task.attempt),
        }
        done = subprocess.run(
            command, input=task.payload, capture_output=True, env=env, check=False
        )
        if done.returncode != 0:
            raise CommandFailed(_failure(done.returncode, done.stderr))
        return done.stdout if max_result is None else done.stdout[:max_result]

    return handle


def _failure(status: int, stderr: bytes) -> str:
    how = f"killed by signal {-status}" if status < 0 else f"exit status {status}"
    tail = stderr[-STDERR_TAIL:].decode(errors="replace").strip()
    return f"{how}: {tail}" if tail else how
