"""The broker's timers: delays and backoffs in a heap, leases in lines.

A delayed task has one heap entry, named by a token stored on the task;
entries whose token no longer matches are skipped when they reach the top
(lazy deletion).

Leases are kept apart because every task takes one and nearly every lease
ends early, by DONE, within milliseconds. A heap entry per lease, deleted
lazily, kept each finished task's record alive for its whole time-to-run
(60 s by default: some 900,000 records at 15,000 tasks/s), and every full
garbage collection walked them all. Instead, leased tasks wait in one line
per time-to-run, in the order their leases started, so each line is also in
deadline order: starting a lease appends to its line, ending one (DONE,
FAILED, a lost lease) deletes from it, and TOUCH moves the task to the back.
The heap holds one entry per line, for the deadline of its first task or
earlier; when it comes due, the line's due tasks are handed out and the
entry is pushed again for the next one.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Iterator

from ._records import TaskRecord

__all__ = ["TaskTimers"]

_IN_LINE = -1
"""``task.timer`` of a task waiting in a lease line."""


class _LeaseLine:
    """The leased tasks of one time-to-run, earliest deadline first."""

    __slots__ = ("tasks", "ttr_ms")

    def __init__(self, ttr_ms: int) -> None:
        self.ttr_ms = ttr_ms
        self.tasks: dict[int, TaskRecord] = {}


class TaskTimers:
    """Delays, backoffs and leases; see the module docstring."""

    __slots__ = ("_heap", "_lines", "_tokens")

    def __init__(self) -> None:
        # (deadline, token, task or line); tokens are unique, so the third
        # items are never compared.
        self._heap: list[tuple[float, int, TaskRecord | _LeaseLine]] = []
        self._lines: dict[int, _LeaseLine] = {}  # by ttr_ms; each has an entry
        self._tokens = itertools.count(1)

    def __len__(self) -> int:
        return len(self._heap)

    def set(self, task: TaskRecord, deadline: float) -> None:
        """Make ``deadline`` the task's only timer, replacing any other
        (for delays and backoffs; leases use :meth:`start_lease`)."""
        self.cancel(task)
        token = next(self._tokens)
        task.deadline = deadline
        task.timer = token
        heapq.heappush(self._heap, (deadline, token, task))

    def start_lease(self, task: TaskRecord, now: float) -> None:
        """Start (or, for TOUCH, restart) the task's lease at ``now``."""
        ttr_ms = task.ttr_ms
        task.deadline = deadline = now + ttr_ms / 1000
        line = self._lines.get(ttr_ms)
        if line is None:
            line = self._lines[ttr_ms] = _LeaseLine(ttr_ms)
            heapq.heappush(self._heap, (deadline, next(self._tokens), line))
        elif task.timer == _IN_LINE:
            del line.tasks[task.id]  # to the back of the line
        line.tasks[task.id] = task
        task.timer = _IN_LINE

    def cancel(self, task: TaskRecord) -> None:
        """Forget the task's timer or lease; a heap entry is dropped when
        reached."""
        if task.timer == _IN_LINE:
            del self._lines[task.ttr_ms].tasks[task.id]
        task.timer = 0

    def next_deadline(self) -> float | None:
        """The earliest live deadline, or None when no timer is set.

        It may be earlier than the real next event (a line whose first task
        finished), never later, so sleeping until it and calling
        :meth:`pop_due` is safe.
        """
        heap = self._heap
        while heap:
            _, token, item = heap[0]
            if isinstance(item, _LeaseLine) or item.timer == token:
                return heap[0][0]
            heapq.heappop(heap)
        return None

    def tasks(self) -> Iterator[TaskRecord]:
        """Every task with a live timer or lease, in no particular order."""
        for _, token, item in self._heap:
            if not isinstance(item, _LeaseLine) and item.timer == token:
                yield item
        for line in self._lines.values():
            yield from line.tasks.values()

    def pop_due(self, now: float) -> Iterator[TaskRecord]:
        """Yield each task whose timer or lease has come due by ``now``,
        earliest first.

        A yielded task's timer is already cleared. The caller may set new
        timers and leases while iterating.
        """
        heap = self._heap
        while heap and heap[0][0] <= now:
            when, token, item = heapq.heappop(heap)
            if isinstance(item, _LeaseLine):
                task = self._due_in_line(item, when)
                if task is None:
                    continue
            elif item.timer == token:
                task = item
            else:
                continue
            task.timer = 0
            yield task

    def _due_in_line(self, line: _LeaseLine, when: float) -> TaskRecord | None:
        """Take the line's first task if its deadline is ``when``; push the
        line's entry again for its next deadline; drop an empty line."""
        tasks = line.tasks
        first = next(iter(tasks.values()), None)
        if first is None:
            del self._lines[line.ttr_ms]
            return None
        if first.deadline > when:  # the entry was early: try again then
            heapq.heappush(self._heap, (first.deadline, next(self._tokens), line))
            return None
        del tasks[first.id]
        following = next(iter(tasks.values()), first)
        heapq.heappush(self._heap, (following.deadline, next(self._tokens), line))
        return first
