"""Which journal bytes recovery still needs: the accounting behind deleting
segments and deciding to compact. Pure; the journal calls it as it writes.

A record is *live* while recovery needs it. Every record of a task is live
while the task is (submitted, dispatched, failed, requeued, dead_lettered);
touched records never are; a done or evicted record ends the task, and with
it every record of the task, itself included.

A segment can be deleted when none of its records is live, with one catch:
a done record is what tells recovery that the submitted record in an older
segment is finished. So the segment holding a task's last record *pins* the
older segments that hold its other records, and is kept until they are
gone. Deletion therefore never brings a finished task back.

A compaction of the segments up to N replaces them with a snapshot segment
N, built in the background from those segments. Tasks that end while it is
being built have their done record in a segment after N; it pins N. Once
the snapshot is in place, a task's entries for segments up to N are stale
and skipped, and its bytes in the snapshot are counted instead.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

__all__ = ["Liveness"]


class _Usage:
    """Bytes in one segment, and the older segments it must outlive."""

    __slots__ = ("live", "pins", "total")

    def __init__(self, total: int, live: int = 0) -> None:
        self.total = total
        self.live = live
        self.pins: set[int] = set()


class Liveness:
    """Live and total bytes per segment, per task, and overall."""

    def __init__(self) -> None:
        self._segments: dict[int, _Usage] = {}
        # Per task, flat pairs of (segment id, bytes of its records there).
        self._tasks: dict[int, list[int]] = {}
        self._snapshot_id = 0
        self._snapshot: dict[int, int] = {}  # task -> bytes in the snapshot
        self._compacting: int | None = None
        self._ended: dict[int, int] = {}  # ended while compacting -> segment
        self.total = 0
        """Bytes in every segment, as written or about to be."""
        self.live = 0
        """Bytes of live records."""

    # -- writing ---------------------------------------------------------------

    def open_segment(self, segment_id: int, header_size: int) -> None:
        """Start counting a new segment, whose header is ``header_size`` bytes."""
        self._segments[segment_id] = _Usage(header_size)
        self.total += header_size

    def keep(self, task_id: int, segment_id: int, size: int) -> None:
        """Count a record that recovery needs while the task lives."""
        entries = self._tasks.get(task_id)
        if entries is None:
            self._tasks[task_id] = [segment_id, size]
        elif entries[-2] == segment_id:
            entries[-1] += size
        else:
            entries += (segment_id, size)
        usage = self._segments[segment_id]
        usage.live += size
        usage.total += size
        self.live += size
        self.total += size

    def waste(self, segment_id: int, size: int) -> None:
        """Count a record that recovery never needs."""
        self._segments[segment_id].total += size
        self.total += size

    def end(self, task_id: int, segment_id: int, size: int) -> None:
        """Count the record that ends a task; all its records die with it."""
        self.waste(segment_id, size)
        tomb = self._segments[segment_id]
        entries = self._tasks.pop(task_id, ())
        for index in range(0, len(entries), 2):
            older, bytes_there = entries[index], entries[index + 1]
            if older <= self._snapshot_id:
                continue  # a segment the snapshot replaced
            self._segments[older].live -= bytes_there
            self.live -= bytes_there
            if older != segment_id:
                tomb.pins.add(older)
        in_snapshot = self._snapshot.pop(task_id, None)
        if in_snapshot is not None:
            self._segments[self._snapshot_id].live -= in_snapshot
            self.live -= in_snapshot
            tomb.pins.add(self._snapshot_id)
        if self._compacting is not None:
            self._ended[task_id] = segment_id

    # -- deleting --------------------------------------------------------------

    def deletable(self, current: int) -> list[int]:
        """Segments that may be deleted now, oldest first; never ``current``
        (the one being written) nor one a running compaction reads."""
        existing = self._segments.keys()
        bound = -1 if self._compacting is None else self._compacting
        return [
            segment_id
            for segment_id, usage in sorted(self._segments.items())
            if segment_id != current
            and segment_id > bound
            and usage.live == 0
            and not usage.pins & existing
        ]

    def deleted(self, segment_ids: Iterable[int]) -> None:
        """Forget segments whose files are gone."""
        gone = set(segment_ids)
        for segment_id in gone:
            usage = self._segments.pop(segment_id, None)
            if usage is not None:
                self.total -= usage.total
                self.live -= usage.live
        for usage in self._segments.values():
            usage.pins -= gone

    # -- compacting ------------------------------------------------------------

    def should_compact(self, min_bytes: int, below: float) -> bool:
        """True when the journal is big and mostly dead, and no compaction runs."""
        return (
            self._compacting is None
            and self.total >= min_bytes
            and self.live < below * self.total
        )

    def start_compaction(self, upto: int) -> frozenset[int]:
        """Note that segments up to ``upto`` are being compacted; return the
        ids of the live tasks, the only ones the snapshot needs."""
        self._compacting = upto
        self._ended = {}
        return frozenset(self._tasks.keys() | self._snapshot.keys())

    def abort_compaction(self) -> None:
        """The compaction failed; the segments it read stay as they are."""
        self._compacting = None
        self._ended = {}

    def install_snapshot(
        self, segment_id: int, sizes: Mapping[int, int], file_size: int
    ) -> None:
        """Put snapshot segment ``segment_id`` in place of every segment up to
        it; ``sizes`` gives each task's bytes in it."""
        replaced = [s for s in self._segments if s <= segment_id]
        self.deleted(replaced)
        self._snapshot = {t: n for t, n in sizes.items() if t not in self._ended}
        live = sum(self._snapshot.values())
        usage = self._segments[segment_id] = _Usage(file_size, live)
        for task_id, tomb in self._ended.items():
            if task_id in sizes and tomb in self._segments:
                self._segments[tomb].pins.add(segment_id)
        self.total += usage.total
        self.live += usage.live
        self._snapshot_id = segment_id
        self._compacting = None
        self._ended = {}

    @property
    def compacting(self) -> bool:
        """True between :meth:`start_compaction` and its end."""
        return self._compacting is not None

    def segment_ids(self) -> list[int]:
        """Every segment counted, oldest first."""
        return sorted(self._segments)
