"""The broker's timers: delays, backoffs and leases, in one heap.

Each task has at most one live timer, named by a token stored on the task.
Setting a new timer or cancelling one only changes that token, and entries
whose token no longer matches are skipped when they reach the top of the heap
(lazy deletion). A TOUCH only moves ``task.deadline`` later; the old entry is
pushed again with the new deadline when it comes due, so touching a task
often does not grow the heap.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Iterator

from ._records import TaskRecord

__all__ = ["TaskTimers"]


class TaskTimers:
    """A heap of (deadline, token, task) with lazy deletion."""

    __slots__ = ("_heap", "_tokens")

    def __init__(self) -> None:
        self._heap: list[tuple[float, int, TaskRecord]] = []
        self._tokens = itertools.count(1)

    def __len__(self) -> int:
        return len(self._heap)

    def set(self, task: TaskRecord, deadline: float) -> None:
        """Make ``deadline`` the task's only timer, replacing any other."""
        token = next(self._tokens)
        task.deadline = deadline
        task.timer = token
        heapq.heappush(self._heap, (deadline, token, task))

    @staticmethod
    def cancel(task: TaskRecord) -> None:
        """Forget the task's timer; its heap entry is dropped when reached."""
        task.timer = 0

    def next_deadline(self) -> float | None:
        """The earliest live deadline, or None when no timer is set.

        It may be earlier than the real next event (a touched lease), never
        later, so sleeping until it and calling :meth:`pop_due` is safe.
        """
        heap = self._heap
        while heap and heap[0][2].timer != heap[0][1]:
            heapq.heappop(heap)
        return heap[0][0] if heap else None

    def tasks(self) -> Iterator[TaskRecord]:
        """Every task with a live timer, in no particular order."""
        for _, token, task in self._heap:
            if task.timer == token:
                yield task

    def pop_due(self, now: float) -> Iterator[TaskRecord]:
        """Yield each task whose timer has come due by ``now``, earliest first.

        A yielded task's timer is already cleared. The caller may set new
        timers while iterating.
        """
        heap = self._heap
        while heap and heap[0][0] <= now:
            when, token, task = heapq.heappop(heap)
            if task.timer != token:
                continue
            if task.deadline > when:
                heapq.heappush(heap, (task.deadline, token, task))
                continue
            task.timer = 0
            yield task
