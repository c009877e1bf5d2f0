"""The broker: queues, leases, credit, retries and dead letters, with no I/O.

The broker is a synchronous state machine in the manner of h11. The server
calls it with what peers said (:meth:`Broker.submit`, :meth:`Broker.ready`,
:meth:`Broker.done` ...) and with the passing of time (:meth:`Broker.tick`);
the broker answers with a return value or :class:`Refused`, queues frames for
connections in :meth:`Broker.take_outgoing`, and reports every change of a
task's state as one event through the ``on_event`` hook. Time comes from an
injected clock and randomness from an injected RNG, so tests are exact.

The rules, in short (spec/PROTOCOL.md has them in full):

- Each queue keeps its ready tasks in a heap ordered by (priority, submit
  order), so a task that comes back keeps its original place.
- A worker with free credit takes the best ready task across its queues; a
  task that becomes ready goes to the worker that has been idle longest
  among those serving its queue. After every call no queue has both a ready
  task and an idle worker, so a newly ready task needs at most one dispatch.
- WAIT answers a READY that leaves the worker holding nothing, with free
  credit and nothing to take; it is sent at no other time.
- A lease lasts the task's time-to-run from dispatch or the last TOUCH. A
  lost lease puts the task back at once the first time, after a backoff from
  the second time on, and dead-letters it at the attempt limit.
- FAILED with retry backs off exponentially with jitter until the attempt
  limit; without retry it dead-letters at once.
- The payload lives in an arena block from SUBMIT until DONE or until its
  dead letter is evicted. A full arena refuses SUBMIT; nothing accepted is
  ever dropped to make room.
- With a journal, a task is submitted *held*: it waits, undispatched, until
  the server commits it (its record is on disk) or withdraws it (the journal
  failed and the SUBMIT is refused). :meth:`Broker.restore` takes back what a
  journal recovered; :meth:`Broker.export` hands the state out again.
"""

from __future__ import annotations

import heapq
import itertools
import random
from collections import OrderedDict
from collections.abc import Callable, Iterable
from typing import NamedTuple

from quicx_pmad import Arena, ArenaFull, Block
from quicx_proto import ErrorCode, StatsReply

from . import _events as ev
from ._config import TASK_ID_NODE_BITS, BrokerConfig
from ._decisions import Outgoing, Refused, SendTask, SendWait
from ._line import best_queue, enter_line, join_line, leave_line
from ._records import QueueRecord, TaskRecord, TaskState, WorkerRecord
from ._restore import RestoredTask, exported, restored_record
from ._stats import Counters, LatencyWindow, stats_reply
from ._timers import TaskTimers

__all__ = ["Backlog", "Broker"]

SEQUENCE_BITS = 64 - TASK_ID_NODE_BITS
SEQUENCE_MASK = (1 << SEQUENCE_BITS) - 1
LOST_IDS_KEPT = 1024  # per worker, for answering lease_expired
_EMPTY = memoryview(b"")


class Backlog(NamedTuple):
    """Tasks still owed work: waiting in queues, and leased to workers."""

    queued: int
    in_flight: int


class Broker:
    """The daemon's task state; see the module docstring for the rules.

    :param config: the broker's settings.
    :param arena: where payloads live; the broker frees every block it stores.
    :param clock: monotonic time in seconds.
    :param rng: source of retry jitter; a fresh ``random.Random()`` if omitted.
    :param on_event: called with each task event, in order, as it happens.
    :param hold_submits: hold every accepted task for :meth:`commit` or
        :meth:`withdraw` (the daemon's journal sets it).
    """

    def __init__(
        self,
        config: BrokerConfig,
        arena: Arena,
        *,
        clock: Callable[[], float],
        rng: random.Random | None = None,
        on_event: Callable[[ev.TaskEvent], None] | None = None,
        hold_submits: bool = False,
    ) -> None:
        self.config = config
        self.hold_submits = hold_submits
        self._arena = arena
        self._clock = clock
        self._rng = rng if rng is not None else random.Random()
        self._emit = on_event
        self._started = clock()
        self._id_base = config.node_id << SEQUENCE_BITS
        self._seq = 0
        self._default_ttr_ms = round(config.default_ttr * 1000)
        self._queues: dict[str, QueueRecord] = {}
        self._workers: dict[int, WorkerRecord] = {}
        self._timers = TaskTimers()
        self._dead: OrderedDict[int, TaskRecord] = OrderedDict()
        self._holding: dict[int, TaskRecord] = {}  # held tasks by id
        self._outgoing: list[Outgoing] = []
        self._wait_times = LatencyWindow(config.stats_window)
        self._run_times = LatencyWindow(config.stats_window)
        self._line = itertools.count(1)
        self._draining = False
        self.counters = Counters()

    # -- what the server reads --------------------------------------------

    def take_outgoing(self) -> list[Outgoing]:
        """Return and forget the frames queued since the last call.

        Call it after every other call: a :class:`SendTask` payload view is
        only valid until the broker is called again.
        """
        outgoing, self._outgoing = self._outgoing, []
        return outgoing

    @property
    def has_outgoing(self) -> bool:
        """True when :meth:`take_outgoing` has something to return."""
        return bool(self._outgoing)

    def next_deadline(self) -> float | None:
        """When :meth:`tick` next has work, on the broker clock; None if never."""
        return self._timers.next_deadline()

    @property
    def draining(self) -> bool:
        """True once :meth:`begin_drain` was called."""
        return self._draining

    def backlog(self) -> Backlog:
        """Count the tasks still queued (ready or delayed) and in flight."""
        queues = self._queues.values()
        return Backlog(
            queued=sum(len(q.ready) + q.delayed + q.held for q in queues),
            in_flight=sum(q.in_flight for q in queues),
        )

    # -- producer calls -----------------------------------------------------

    def submit(
        self,
        *,
        queue: str,
        payload: bytes,
        priority: int = 0,
        delay_ms: int = 0,
        ttr_ms: int = 0,
        max_attempts: int = 0,
    ) -> int:
        """Accept a task and return its id; it may be dispatched at once.

        With :attr:`hold_submits`, the task waits instead, undispatched and
        uncounted, for :meth:`commit` or :meth:`withdraw`.

        :raises Refused: shutting_down, invalid_field (empty queue name),
            payload_too_large, queue_full or out_of_memory, checked in that
            order (spec/PROTOCOL.md, section 6).
        """
        record = self._check_submit(queue, len(payload))
        block = self._store(payload)
        if record is None:
            record = self._queues[queue] = QueueRecord(queue)
        self._seq += 1
        task = TaskRecord(
            task_id=self._id_base | self._seq,
            queue=record,
            priority=priority,
            ttr_ms=ttr_ms or self._default_ttr_ms,
            max_attempts=max_attempts or self.config.default_max_attempts,
            block=block,
            size=len(payload),
        )
        now = self._clock()
        ready_at = now + delay_ms / 1000
        if self._emit is not None:
            self._emit(
                ev.Submitted(
                    at=now,
                    task_id=task.id,
                    queue=queue,
                    priority=priority,
                    ready_at=ready_at,
                    ttr=task.ttr_ms / 1000,
                    max_attempts=task.max_attempts,
                    payload=self._view(task),
                )
            )
        if self.hold_submits:
            task.state = TaskState.HELD
            task.deadline = ready_at
            record.held += 1
            self._holding[task.id] = task
        else:
            self.counters.submitted += 1
            self._enqueue(task, ready_at, now)
        return task.id

    def commit(self, task_id: int) -> None:
        """Let a held task run: from now on it is an accepted task."""
        task = self._holding.pop(task_id)
        task.queue.held -= 1
        self.counters.submitted += 1
        self._enqueue(task, task.deadline, self._clock())

    def withdraw(self, task_id: int) -> None:
        """Drop a held task as if it had never been submitted."""
        task = self._holding.pop(task_id)
        task.queue.held -= 1
        self._free(task)
        if self._emit is not None:
            self._emit(ev.Withdrawn(at=self._clock(), task_id=task_id))
        self._forget_if_unused(task.queue)

    def restore(self, tasks: Iterable[RestoredTask], last_task_id: int) -> None:
        """Take back the tasks a journal recovered; call it before any other.

        Queued tasks wait for their ready time and dead letters keep their
        order. A task that was leased counts a lost lease, the daemon having
        stopped, and goes back to its queue (after a backoff from its second
        lost lease on) or, at its attempt limit, to the dead letters. New task
        ids follow ``last_task_id``'s sequence.

        :raises ValueError: the payloads do not fit in the arena.
        """
        self._seq = max(self._seq, last_task_id & SEQUENCE_MASK)
        now = self._clock()
        for restored in tasks:
            task = restored_record(restored, self._queue(restored.queue))
            try:
                task.block = self._store(restored.payload)
            except Refused:
                raise ValueError(
                    f"the payload arena is too small for the journal's tasks: "
                    f"task {task.id} does not fit; start with more --memory"
                ) from None
            if restored.state is TaskState.DEAD:
                task.state = TaskState.DEAD
                task.reason = restored.reason
                task.queue.dead += 1
                self._dead[task.id] = task
            elif restored.state is TaskState.LEASED:
                self.counters.lost_leases += 1
                task.lost_leases += 1
                self._after_lost_lease(task, now, "the daemon stopped")
            else:
                self._enqueue(task, restored.ready_at, now)
        self._evict_over_bound(now)

    def export(self) -> list[RestoredTask]:
        """Every unfinished task but the held ones, as :meth:`restore` takes
        them: dead letters first, oldest first, then the rest by id."""
        live = {t.id: t for t in self._timers.tasks()}
        for record in self._queues.values():
            live.update((task.id, task) for _, _, task in record.ready)
        ordered = [*self._dead.values(), *(live[i] for i in sorted(live))]
        return [exported(task, self._view(task)) for task in ordered]

    def begin_drain(self) -> None:
        """Refuse every later SUBMIT with shutting_down; all else goes on."""
        self._draining = True

    # -- worker calls ---------------------------------------------------------

    def ready(self, conn: int, credit: int, queues: Iterable[str]) -> None:
        """Set the worker's credit and queue list, replacing earlier ones.

        :raises Refused: invalid_field when no queue or an empty name is given.
        """
        names = tuple(dict.fromkeys(queues))
        if not names or not all(names):
            raise Refused(
                ErrorCode.INVALID_FIELD,
                "READY must name 1 to 255 queues, each 1 to 255 bytes long",
            )
        worker = self._workers.get(conn)
        if worker is None:
            worker = self._workers[conn] = WorkerRecord(conn)
        old = worker.queues
        if worker.idle:
            for record in old:
                del record.idle[conn]
        worker.queues = tuple(self._queue(name) for name in names)
        for record in worker.queues:
            record.subscribers += 1
        for record in old:
            record.subscribers -= 1
            self._forget_if_unused(record)
        worker.credit = credit
        if worker.idle:
            # A worker that keeps free credit keeps its place in the line.
            worker.idle = worker.free > 0
            if worker.idle:
                for record in worker.queues:
                    enter_line(record, worker)
        self._feed(worker, self._clock())
        if worker.free > 0 and not worker.held:
            self._outgoing.append(SendWait(conn))

    def touch(self, conn: int, task_id: int) -> None:
        """Restart the lease on a task this worker holds.

        :raises Refused: unknown_task or lease_expired.
        """
        task = self._held(conn, task_id)
        now = self._clock()
        self._timers.start_lease(task, now)
        if self._emit is not None:
            self._emit(
                ev.Touched(
                    at=now, task_id=task_id, worker=conn, lease_deadline=task.deadline
                )
            )

    def done(self, conn: int, task_id: int, result_size: int = 0) -> None:
        """Finish a task: free its payload and give the worker its credit back.

        :raises Refused: unknown_task or lease_expired (a second DONE, say).
        """
        task, worker, now = self._finish(conn, task_id)
        self._free(task)
        self.counters.completed += 1
        if self._emit is not None:
            self._emit(
                ev.Done(at=now, task_id=task_id, worker=conn, result_size=result_size)
            )
        self._forget_if_unused(task.queue)
        self._feed(worker, now)

    def failed(self, conn: int, task_id: int, retry: bool, reason: str) -> None:
        """Record a failure: retry after a backoff, or dead-letter the task.

        :raises Refused: unknown_task or lease_expired.
        """
        task, worker, now = self._finish(conn, task_id)
        self.counters.failed += 1
        if self._emit is not None:
            self._emit(
                ev.Failed(
                    at=now, task_id=task_id, worker=conn, retry=retry, reason=reason
                )
            )
        if retry and task.attempts < task.max_attempts:
            self._requeue(task, now, self._backoff(task.attempts), f"failed: {reason}")
        else:
            self._bury(task, now, reason)
        self._feed(worker, now)

    def disconnect(self, conn: int, reason: str = "worker disconnected") -> None:
        """Forget a connection; a worker's held tasks lose their leases."""
        worker = self._workers.pop(conn, None)
        if worker is None:
            return
        if worker.idle:
            leave_line(worker)
        for record in worker.queues:
            record.subscribers -= 1
            self._forget_if_unused(record)
        now = self._clock()
        for task in sorted(worker.held.values(), key=_dispatch_order):
            self._lose_lease(task, now, reason)

    # -- time -----------------------------------------------------------------

    def tick(self) -> None:
        """Act on every timer due by now: delays end, leases run out."""
        now = self._clock()
        for task in self._timers.pop_due(now):
            if task.state is TaskState.DELAYED:
                task.queue.delayed -= 1
                self._make_ready(task, now)
            else:
                worker = task.worker
                assert worker is not None
                self._lose_lease(task, now, "time-to-run passed")
                self._feed(worker, now)

    # -- STATS ------------------------------------------------------------------

    def stats(
        self, *, producers: int = 0, workers: int = 0, monitors: int = 0
    ) -> StatsReply:
        """A snapshot for STATS_REPLY; role counts come from the server."""
        return stats_reply(
            node_id=self.config.node_id,
            now=self._clock(),
            started=self._started,
            counters=self.counters,
            roles=(producers, workers, monitors),
            wait_time=self._wait_times,
            run_time=self._run_times,
            arena=self._arena.stats(),
            queues=[self._queues[name] for name in sorted(self._queues)],
        )

    # -- submit helpers ---------------------------------------------------------

    def _check_submit(self, queue: str, size: int) -> QueueRecord | None:
        if self._draining:
            raise Refused(
                ErrorCode.SHUTTING_DOWN,
                "the daemon is draining and takes no new tasks; retry later",
                retry_after_ms=self.config.drain_retry_after_ms,
            )
        if not queue:
            raise Refused(ErrorCode.INVALID_FIELD, "the queue name is empty")
        if size > self.config.max_payload:
            raise Refused(
                ErrorCode.PAYLOAD_TOO_LARGE,
                f"payload of {size} bytes is above the limit of "
                f"{self.config.max_payload} bytes",
            )
        if self._seq + 1 >= 1 << SEQUENCE_BITS:
            raise Refused(ErrorCode.INTERNAL_ERROR, "task ids are used up")
        record = self._queues.get(queue)
        limit = self.config.queue_limit
        if limit and record is not None and record.waiting() >= limit:
            raise Refused(
                ErrorCode.QUEUE_FULL,
                f"queue {queue!r} holds {limit} waiting tasks, its limit",
                retry_after_ms=self.config.retry_after_ms,
            )
        return record

    def _store(self, payload: bytes) -> Block | None:
        if not payload:
            return None
        try:
            return self._arena.store(payload)
        except ArenaFull:
            raise Refused(
                ErrorCode.OUT_OF_MEMORY,
                "the payload arena is full; retry after the hint",
                retry_after_ms=self.config.retry_after_ms,
            ) from None

    def _queue(self, name: str) -> QueueRecord:
        record = self._queues.get(name)
        if record is None:
            record = self._queues[name] = QueueRecord(name)
        return record

    def _forget_if_unused(self, record: QueueRecord) -> None:
        if record.is_unused():
            del self._queues[record.name]

    # -- moving tasks ------------------------------------------------------------

    def _enqueue(self, task: TaskRecord, ready_at: float, now: float) -> None:
        if ready_at > now:
            self._delay(task, ready_at)
        else:
            self._make_ready(task, now)

    def _delay(self, task: TaskRecord, ready_at: float) -> None:
        task.state = TaskState.DELAYED
        task.queue.delayed += 1
        self._timers.set(task, ready_at)

    def _make_ready(self, task: TaskRecord, now: float) -> None:
        task.state = TaskState.READY
        task.ready_since = now
        record = task.queue
        heapq.heappush(record.ready, (task.priority, task.seq, task))
        record.ready_order[task.id] = task
        if record.idle:
            # No worker in this queue's line had anything ready before, so
            # the first in line takes this task and nothing else.
            self._feed(next(iter(record.idle.values())), now)

    def _dispatch(self, worker: WorkerRecord, record: QueueRecord, now: float) -> None:
        task = heapq.heappop(record.ready)[2]
        del record.ready_order[task.id]
        self._wait_times.add(now - task.ready_since)
        task.attempts += 1
        task.state = TaskState.LEASED
        task.worker = worker
        task.dispatched_at = now
        self._timers.start_lease(task, now)
        record.in_flight += 1
        worker.held[task.id] = task
        self._outgoing.append(
            SendTask(
                worker.conn,
                task.id,
                task.attempts,
                task.ttr_ms,
                record.name,
                self._view(task),
            )
        )
        if self._emit is not None:
            self._emit(
                ev.Dispatched(
                    at=now,
                    task_id=task.id,
                    worker=worker.conn,
                    attempt=task.attempts,
                    lease_deadline=task.deadline,
                )
            )

    def _release(self, task: TaskRecord) -> None:
        """Take a leased task away from its worker (no credit moves yet)."""
        worker = task.worker
        assert worker is not None
        del worker.held[task.id]
        task.worker = None
        task.queue.in_flight -= 1
        self._timers.cancel(task)

    def _lose_lease(self, task: TaskRecord, now: float, reason: str) -> None:
        worker = task.worker
        assert worker is not None
        self._release(task)
        worker.lost[task.id] = None
        if len(worker.lost) > LOST_IDS_KEPT:
            worker.lost.popitem(last=False)
        self.counters.lost_leases += 1
        task.lost_leases += 1
        self._after_lost_lease(task, now, reason)

    def _after_lost_lease(self, task: TaskRecord, now: float, reason: str) -> None:
        """Put back or bury a task whose lost lease is already counted."""
        if task.attempts >= task.max_attempts:
            self._bury(
                task,
                now,
                f"lease lost ({reason}) on attempt {task.attempts} "
                f"of {task.max_attempts}",
            )
            return
        delay = 0.0 if task.lost_leases == 1 else self._backoff(task.attempts)
        self._requeue(task, now, delay, f"lease lost: {reason}")

    def _requeue(self, task: TaskRecord, now: float, delay: float, why: str) -> None:
        self.counters.retried += 1
        if self._emit is not None:
            self._emit(
                ev.Requeued(
                    at=now,
                    task_id=task.id,
                    attempts=task.attempts,
                    ready_at=now + delay,
                    reason=why,
                )
            )
        if delay > 0:
            self._delay(task, now + delay)
        else:
            self._make_ready(task, now)

    def _bury(self, task: TaskRecord, now: float, reason: str) -> None:
        task.state = TaskState.DEAD
        task.reason = reason
        task.queue.dead += 1
        self.counters.dead += 1
        self._dead[task.id] = task
        if self._emit is not None:
            self._emit(ev.DeadLettered(at=now, task_id=task.id, reason=reason))
        self._evict_over_bound(now)

    def _evict_over_bound(self, now: float) -> None:
        while len(self._dead) > self.config.max_dead:
            _, old = self._dead.popitem(last=False)
            old.queue.dead -= 1
            self._free(old)
            self.counters.evicted += 1
            if self._emit is not None:
                self._emit(ev.Evicted(at=now, task_id=old.id))
            self._forget_if_unused(old.queue)

    def _backoff(self, attempts: int) -> float:
        """Delay before the next attempt: base doubling per attempt, capped,
        times a random factor in [0.5, 1.0]."""
        config = self.config
        exponent = min(max(attempts - 1, 0), 64)
        delay = min(config.backoff_cap, config.backoff_base * 2.0**exponent)
        return delay * self._rng.uniform(0.5, 1.0)

    def _view(self, task: TaskRecord) -> memoryview:
        return _EMPTY if task.block is None else task.block.view

    def _free(self, task: TaskRecord) -> None:
        if task.block is not None:
            self._arena.free(task.block)
            task.block = None

    # -- workers ------------------------------------------------------------------

    def _finish(
        self, conn: int, task_id: int
    ) -> tuple[TaskRecord, WorkerRecord, float]:
        """End the lease of a task this worker holds, for DONE or FAILED."""
        task = self._held(conn, task_id)
        worker = self._workers[conn]
        now = self._clock()
        self._run_times.add(now - task.dispatched_at)
        self._release(task)
        return task, worker, now

    def _held(self, conn: int, task_id: int) -> TaskRecord:
        worker = self._workers.get(conn)
        task = worker.held.get(task_id) if worker is not None else None
        if task is not None:
            return task
        if worker is not None and task_id in worker.lost:
            raise Refused(
                ErrorCode.LEASE_EXPIRED,
                f"the lease on task {task_id} was lost before this message",
                task_id=task_id,
            )
        raise Refused(
            ErrorCode.UNKNOWN_TASK,
            f"this worker does not hold task {task_id}",
            task_id=task_id,
        )

    def _feed(self, worker: WorkerRecord, now: float) -> None:
        """Fill the worker's free credit; then keep it in line."""
        while worker.free > 0:
            record = best_queue(worker)
            if record is None:
                break
            if worker.idle:
                leave_line(worker)
            self._dispatch(worker, record, now)
        if worker.free <= 0:
            return
        if not worker.idle:
            join_line(worker, next(self._line))


def _dispatch_order(task: TaskRecord) -> tuple[int, int]:
    return task.priority, task.seq
