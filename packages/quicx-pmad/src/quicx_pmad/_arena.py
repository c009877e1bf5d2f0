"""The arena: a fixed region carved into slabs, each slab serving one size class.

How it works, in the order the code meets it:

- ``alloc(n)`` maps ``n`` to the smallest class that holds it with one table
  look-up, takes the first slab on that class's *partial list* (slabs with a
  free block), and pops a block from that slab: from the slab's free list if
  it has one, else the next never-used block (a bump index, so a fresh slab
  costs nothing to set up). A class with no partial slab gets an empty one
  from the slab table (``_slabs``, which also holds the policy); none left
  means :class:`ArenaFull`.
- ``free`` pushes the block on its slab's free list. The link is the first 4
  bytes of the freed block itself (next slot + 1, 0 ends the list), so free
  lists cost no Python objects. A slab that becomes empty goes back to the
  slab table, for any class to take.
- Each block position has a 16-bit generation in its slab's metadata, odd
  while the block is live. A handle carries the arena id, the generation and
  the block position (``_handles`` has the format), so a stale, double-freed
  or foreign handle fails a comparison instead of corrupting anything.

Every operation runs under one lock, so an arena may be shared by threads
(unless it was made with ``threadsafe=False``, which drops the lock). The hot
paths are written out inline: in CPython each function call would add several
percent to an alloc or a free.
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Callable
from types import TracebackType
from typing import Self

from ._block import Block
from ._errors import (
    ArenaClosed,
    ArenaFull,
    BlockSizeError,
    NotOwner,
)
from ._handles import GEN, LOCATION, explain
from ._layout import (
    Geometry,
    class_table,
    default_size_classes,
    fitting_slab_size,
    plan,
    read_header,
    write_header,
)
from ._memory import Memory
from ._slabs import Slabs
from ._stats import ArenaStats, snapshot

__all__ = ["Arena"]


class _NoLock:
    """Stands in for the lock of an arena made with ``threadsafe=False``.

    ``acquire`` and ``release`` are builtins that take no argument and do
    nothing that matters, so the hot paths pay almost nothing for them.
    """

    __slots__ = ()
    acquire = release = staticmethod(().__len__)

    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc_info: object) -> None:
        return None


class Arena:
    """A fixed-size arena of memory blocks with O(1) alloc and free.

    :param capacity: bytes reserved up front, metadata included; the arena
        never uses more.
    :param size_classes: increasing block sizes, multiples of 8; by default
        64 bytes to 1 MiB, four classes per doubling.
    :param slab_size: bytes per slab, a multiple of 64 large enough to hold
        one block of the largest class plus metadata; by default
        ``DEFAULT_SLAB_SIZE`` (1 MiB + 64 KiB), or the smallest multiple of
        64 KiB that holds the largest class if that is larger.
    :param shared: a name to create the arena as a named shared-memory
        segment that other processes can :meth:`attach`; None for private
        anonymous memory.
    :param populate: commit every page now (Linux), so the memory is really
        there and no alloc pays for a page fault later; costs start-up time
        (about 0.1 s per GiB on bare metal, seconds per GiB in some VMs).
        False leaves pages to commit on first use.
    :param threadsafe: take a lock around every operation (the default), so
        threads may share the arena. False saves that lock, about 0.25 us of
        each alloc+free pair, for programs that use the arena from one
        thread only.
    :raises ValueError: the parameters cannot make an arena; the message
        names the limit.
    :raises FileExistsError: a shared segment of that name exists already.
    """

    _lock: threading.Lock | _NoLock

    def __init__(
        self,
        capacity: int,
        *,
        size_classes: tuple[int, ...] | list[int] | None = None,
        slab_size: int | None = None,
        shared: str | None = None,
        populate: bool = True,
        threadsafe: bool = True,
    ) -> None:
        if size_classes is None:
            classes = default_size_classes()
        else:
            classes = tuple(size_classes)
        if slab_size is None:
            slab_size = fitting_slab_size(classes)
        geometry = plan(capacity, classes, slab_size)
        if shared is None:
            memory = Memory.anonymous(capacity, populate=populate)
        else:
            memory = Memory.create_shared(shared, capacity, populate=populate)
        arena_id = secrets.randbits(16)
        try:
            write_header(memory.view, geometry, arena_id)
            self._setup(memory, geometry, arena_id, owner=True)
            if not threadsafe:
                self._lock = _NoLock()
        except BaseException:
            memory.close()
            raise

    @classmethod
    def attach(cls, name: str) -> Arena:
        """Return the shared arena ``name`` created by another process.

        The attached arena reads and writes blocks with :meth:`view`; only
        the creator allocates, frees and reports stats. Closing it unmaps
        the memory and leaves the segment in place.

        :raises FileNotFoundError: no segment has that name.
        :raises ValueError: the segment does not hold an arena.
        """
        memory = Memory.attach_shared(name)
        try:
            geometry, arena_id = read_header(memory.view)
        except BaseException:
            memory.close()
            raise
        arena = cls.__new__(cls)
        arena._setup(memory, geometry, arena_id, owner=False)
        return arena

    # Sets every field; the per-slab lists are the only Python state that
    # grows with the arena, and they are sized once here.
    def _setup(
        self, memory: Memory, geometry: Geometry, arena_id: int, *, owner: bool
    ) -> None:
        g = geometry
        view = memory.view
        slabs = range(g.slabs)
        self._hook: Callable[[int], bool] | None = None
        self._memory = memory
        self._geometry = g
        self._view = view
        self._id = arena_id
        self._owner = owner
        self._closed = False
        self._lock = threading.Lock()
        self._tag = arena_id << 48
        self._id_gen = arena_id << 16
        self._limit = g.sizes[-1] if owner else -1
        self._class_of = class_table(g.sizes)
        self._sizes = g.sizes
        self._per_slab = g.per_slab
        self._slabs = g.slabs
        self._slot_bits = g.slot_bits
        self._slot_mask = (1 << g.slot_bits) - 1
        self._gens = view.cast("H")
        self._words = view.cast("I")
        mapped = view[g.slabmap_offset : g.slabmap_offset + 2 * g.slabs]
        self._slabmap = mapped.cast("H")
        self._gen_index = [g.slab_base(s) >> 1 for s in slabs]
        self._size_index = [(g.slab_base(s) + g.sizes_start) >> 2 for s in slabs]
        # Owner-only state: the slab table, whose lists the hot paths use
        # directly, and the bytes asked for by live blocks.
        table = Slabs(g, self._slabmap)
        self._table = table
        self._slab_class = table.slab_class if owner else []
        self._first = table.first
        self._free_head = table.free_head
        self._bump = table.bump
        self._room = table.room
        self._partial = table.partial
        self._unlink = table.unlink
        self._push_partial = table.push_partial
        self._give_back = table.give_back
        self._requested = 0

    def alloc(self, n: int) -> Block:
        """Return a new block of ``n`` bytes (contents unspecified).

        :raises BlockSizeError: ``n <= 0`` or ``n`` above the largest class.
        :raises ArenaFull: no block of ``n``'s class is free and the slab pool
            is empty; the arena is unchanged.
        """
        if not 0 < n <= self._limit:
            self._admit(n)
        code = self._class_of[(n + 7) >> 3]
        size = self._sizes[code]
        lock = self._lock
        lock.acquire()
        try:
            slab = self._partial[code]
            if slab < 0:
                slab = self._table.take(code)
                if slab < 0:
                    raise self._full(n, size)

            # A block from the slab's free list, else its next unused block.
            slot = self._free_head[slab]
            if slot >= 0:
                link = (self._first[slab] + slot * size) >> 2
                self._free_head[slab] = self._words[link] - 1
            else:
                slot = self._bump[slab]
                self._bump[slab] = slot + 1
            room = self._room[slab] - 1
            self._room[slab] = room
            if room == 0:
                self._unlink(code, slab)

            # Mark the block live (odd generation) and count its bytes.
            index = self._gen_index[slab] + slot
            gen = self._gens[index] + 1
            self._gens[index] = gen
            self._words[self._size_index[slab] + slot] = n
            self._requested += n
        finally:
            lock.release()
        handle = self._tag | gen << 32 | slab << self._slot_bits | slot
        return Block(handle, n, size, self)

    def store(self, data: bytes | bytearray | memoryview) -> Block:
        """Return a new block holding a copy of ``data``.

        :raises BlockSizeError: ``data`` is empty or larger than the largest
            class.
        :raises ArenaFull: as for :meth:`alloc`.
        """
        if type(data) is not bytes:
            data = memoryview(data).cast("B")
        n = len(data)
        block = self.alloc(n)
        start = self._offset_of(block.handle, block.capacity)
        self._view[start : start + n] = data
        return block

    def free(self, block: Block | int) -> None:
        """Give a block back to the arena, by Block or by handle.

        :raises DoubleFree: the block was freed already.
        :raises StaleHandle: the block was freed and its memory reused.
        :raises ForeignHandle: the handle is not one of this arena's.
        """
        handle = block.handle if type(block) is Block else block
        try:
            slab = (handle & LOCATION) >> self._slot_bits
            slot = handle & self._slot_mask
        except TypeError:
            raise self._handle_error(handle, freeing=True) from None
        lock = self._lock
        lock.acquire()
        try:
            # The block must be live (odd generation) and carry the handle's
            # arena id and generation. Closed and attached arenas have no slab
            # list, so every handle fails the first look-up there.
            try:
                code = self._slab_class[slab]
            except IndexError:
                raise self._handle_error(handle, freeing=True) from None
            if slot >= self._per_slab[code]:
                raise self._handle_error(handle, freeing=True)
            index = self._gen_index[slab] + slot
            gen = self._gens[index]
            if handle >> 32 != self._id_gen | gen or not gen & 1:
                raise self._handle_error(handle, freeing=True)

            # Mark the block free (even generation) and link it in its slab.
            self._gens[index] = gen + 1 & GEN
            link = (self._first[slab] + slot * self._sizes[code]) >> 2
            self._words[link] = self._free_head[slab] + 1
            self._free_head[slab] = slot
            self._requested -= self._words[self._size_index[slab] + slot]
            room = self._room[slab] + 1
            self._room[slab] = room
            if room == self._per_slab[code]:
                self._give_back(code, slab)
            elif room == 1:
                self._push_partial(code, slab)
        finally:
            lock.release()

    def view(self, handle: int, n: int) -> memoryview:
        """Return a writable view of the first ``n`` bytes of a live block.

        Works in the creating process and in attached ones.

        :raises HandleError: the handle names no live block of this arena.
        :raises BlockSizeError: ``n`` is negative or above the block's class.
        """
        with self._lock:
            slab, slot, code = self._locate(handle)
            size = self._sizes[code]
            if not 0 <= n <= size:
                raise BlockSizeError(f"view size must be 0..{size}, got {n}")
            g = self._geometry
            offset = g.slab_base(slab) + g.block_start[code] + slot * size
            return self._view[offset : offset + n]

    def stats(self) -> ArenaStats:
        """Return a snapshot of the arena's use; O(slabs + classes).

        :raises NotOwner: on an attached arena.
        """
        if not self._owner:
            raise NotOwner("only the process that created the arena has its stats")
        if self._closed:
            raise ArenaClosed("arena is closed")
        with self._lock:
            slabs, live = self._table.census()
            requested, high = self._requested, self._table.high_water
        return snapshot(self._geometry, slabs, live, requested, high)

    def close(self) -> None:
        """Release the memory; unlink the segment if this process created it.

        Block views still alive keep the mapping until they are released.
        Every later call on the arena raises :class:`ArenaClosed`; calling
        close again does nothing.
        """
        with self._lock:
            if self._closed:
                return
            self._closed = True
            self._slab_class = []
            self._limit = -1
            for cast in (self._gens, self._words, self._slabmap):
                cast.release()
            self._memory.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        where = f"shared={self.name!r}" if self.name else "anonymous"
        state = "closed" if self._closed else f"{self._slabs} slabs"
        return f"<Arena {self._id:#06x} {self.capacity} bytes, {where}, {state}>"

    @property
    def capacity(self) -> int:
        """Bytes reserved for the arena, metadata included."""
        return self._geometry.capacity

    @property
    def slab_size(self) -> int:
        """Bytes per slab."""
        return self._geometry.slab_size

    @property
    def size_classes(self) -> tuple[int, ...]:
        """The block sizes, smallest first."""
        return self._geometry.sizes[1:]

    @property
    def max_size(self) -> int:
        """The largest ``n`` that :meth:`alloc` accepts."""
        return self._geometry.sizes[-1]

    @property
    def name(self) -> str | None:
        """The shared segment's name, or None for a private arena."""
        return self._memory.name

    @property
    def arena_id(self) -> int:
        """The 16-bit id carried by every handle of this arena."""
        return self._id

    @property
    def owner(self) -> bool:
        """True in the process that created the arena, False when attached."""
        return self._owner

    @property
    def failure_hook(self) -> Callable[[int], bool] | None:
        """A test hook: called with ``n`` before each allocation while set.

        When it returns True the allocation raises :class:`ArenaFull` and the
        arena is unchanged, as if it were full. None (the default) turns it
        off.
        """
        return self._hook

    @failure_hook.setter
    def failure_hook(self, hook: Callable[[int], bool] | None) -> None:
        with self._lock:
            self._hook = hook
            if not self._closed and self._owner:
                self._limit = self.max_size if hook is None else -1

    @property
    def closed(self) -> bool:
        """True once :meth:`close` has run."""
        return self._closed

    # --- handles and errors ----------------------------------------------------

    # Returns (slab, slot, class code) of the live block `handle` names, reading
    # the shared slab map so that attached processes see the creator's changes;
    # raises a HandleError (or ArenaClosed) otherwise. Changes nothing.
    def _locate(self, handle: int) -> tuple[int, int, int]:
        if self._closed:
            raise ArenaClosed("arena is closed")
        if type(handle) is not int or handle >> 48 != self._id:
            raise self._handle_error(handle, freeing=False)
        slab = (handle & LOCATION) >> self._slot_bits
        slot = handle & self._slot_mask
        if slab >= self._slabs:
            raise self._handle_error(handle, freeing=False)
        code = self._slabmap[slab]
        if slot >= self._per_slab[code]:
            raise self._handle_error(handle, freeing=False)
        gen = self._gens[self._gen_index[slab] + slot]
        if handle >> 32 & GEN != gen or not gen & 1:
            raise self._handle_error(handle, freeing=False)
        return slab, slot, code

    # Returns the byte offset in the arena of the block `handle` names, taking
    # the handle as valid and its class size as `size`. Owner only.
    def _offset_of(self, handle: int, size: int) -> int:
        slab = (handle & LOCATION) >> self._slot_bits
        return self._first[slab] + (handle & self._slot_mask) * size

    # Returns the exception that explains why `handle` was refused.
    def _handle_error(self, handle: object, *, freeing: bool) -> Exception:
        if self._closed:
            return ArenaClosed("arena is closed")
        if freeing and not self._owner:
            return NotOwner("only the process that created the arena frees blocks")
        return explain(
            handle,
            arena_id=self._id,
            geometry=self._geometry,
            generation=lambda slab, slot: self._gens[self._gen_index[slab] + slot],
            freeing=freeing,
        )

    # Returns when alloc(n) may go on, else raises the error that explains
    # why not. The hot path comes here only when n is outside 1..limit; the
    # limit is -1 on closed and attached arenas and while a failure hook is
    # set, so those checks cost the hot path nothing.
    def _admit(self, n: object) -> None:
        if self._closed:
            raise ArenaClosed("arena is closed")
        if not self._owner:
            raise NotOwner("only the process that created the arena allocates")
        if type(n) is not int:
            raise TypeError(f"block size must be an int, got {n!r}")
        if not 0 < n <= self.max_size:
            raise BlockSizeError(
                f"block size must be 1..{self.max_size} bytes"
                f" (the largest size class), got {n}"
            )
        if self._hook is not None and self._hook(n):
            size = self._sizes[self._class_of[(n + 7) >> 3]]
            raise ArenaFull(
                f"arena full for {n} bytes (injected by failure_hook)",
                size=n,
                class_size=size,
            )

    # Returns the ArenaFull error for `n` bytes of class `size`.
    def _full(self, n: int, size: int) -> ArenaFull:
        return ArenaFull(
            f"arena full: no free {size}-byte block for {n} bytes and all"
            f" {self._slabs} slabs of {self.slab_size} bytes are in use",
            size=n,
            class_size=size,
        )
