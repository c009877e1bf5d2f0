"""The slab table of an owning arena: which class each slab serves, each
class's partial list, the shared pool and the spares.

The policy, in one place:

- A class allocates from the first slab on its *partial list* (slabs with a
  free or never-used block). A slab that fills up leaves the list; a full
  slab that gets a block back rejoins it at the head.
- A slab whose last block is freed becomes its class's *spare* if the class
  has none, and goes back to the shared *pool* otherwise. The spare spares a
  class whose use hovers at a slab boundary from trading a slab with the pool
  on every call.
- A class that needs a slab takes its own spare, else one from the pool, else
  another class's spare. So no class holds more than one empty slab, and an
  empty slab is never out of reach of any class: a class cannot starve
  another, whatever the order of allocations was.

Everything here is O(1): lists indexed by slab or class code, a list used as
a stack for the pool, and a dict used as an ordered set for the spares. The
arena's hot paths read and write the per-slab lists directly.

Nothing compacts: a slab goes back only when its last block is freed, so one
long-lived block keeps its whole slab from the other classes meanwhile.
"""

from __future__ import annotations

from ._layout import Geometry

__all__ = ["Slabs"]


class Slabs:
    """Per-slab state, indexed by slab number; per-class state by class code.

    :ivar slab_class: the class code each slab serves, 0 for the pool (the
        shared slab map in the arena holds the same, for attached processes).
    :ivar first: byte offset in the arena of each slab's first block.
    :ivar free_head: first slot of each slab's free list, -1 when empty; the
        rest of the list is linked through the free blocks themselves.
    :ivar bump: each slab's next never-used slot.
    :ivar room: free plus never-used blocks of each slab; 0 in the pool.
    """

    def __init__(self, geometry: Geometry, slabmap: memoryview) -> None:
        count = geometry.slabs
        self.geometry = geometry
        self.slabmap = slabmap
        self.slab_class = [0] * count
        self.first = [0] * count
        self.free_head = [-1] * count
        self.bump = [0] * count
        self.room = [0] * count
        self.prev = [-1] * count
        self.next = [-1] * count
        self.partial = [-1] * len(geometry.sizes)
        self.pool = list(reversed(range(count)))
        self.spares: dict[int, int] = {}  # spare slab -> its class code
        self.spare_of = [-1] * len(geometry.sizes)
        self.high_water = 0

    # Returns an empty slab for class `code`, at the head of the class's
    # partial list, or -1 (changing nothing) when no slab is to be had.
    # Keeps: high_water is the most slabs ever holding blocks, in bytes.
    def take(self, code: int) -> int:
        slab = self.spare_of[code]
        if slab >= 0:
            self.spare_of[code] = -1
            del self.spares[slab]
            self.push_partial(code, slab)
        elif self.pool:
            slab = self.pool.pop()
            self._assign(code, slab)
        elif self.spares:
            slab, other = self.spares.popitem()
            self.spare_of[other] = -1
            self._assign(code, slab)
        else:
            return -1
        g = self.geometry
        taken = g.slabs - len(self.pool) - len(self.spares)
        self.high_water = max(self.high_water, taken * g.slab_size)
        return slab

    # Returns nothing; gives `slab` (empty, on no list) to class `code` with
    # no free list and a bump index of 0, so this costs the same whatever
    # the slab's block count.
    def _assign(self, code: int, slab: int) -> None:
        g = self.geometry
        self.slab_class[slab] = code
        self.slabmap[slab] = code
        self.first[slab] = g.slab_base(slab) + g.block_start[code]
        self.free_head[slab] = -1
        self.bump[slab] = 0
        self.room[slab] = g.per_slab[code]
        self.push_partial(code, slab)

    # Returns nothing; puts `slab` at the head of class `code`'s partial list.
    # Keeps: a slab serving a class is on that class's list iff it has room
    # and is not the class's spare.
    def push_partial(self, code: int, slab: int) -> None:
        head = self.partial[code]
        self.prev[slab] = -1
        self.next[slab] = head
        if head >= 0:
            self.prev[head] = slab
        self.partial[code] = slab

    # Returns nothing; unlinks `slab` from class `code`'s partial list,
    # wherever it sits in it.
    def unlink(self, code: int, slab: int) -> None:
        prev, after = self.prev[slab], self.next[slab]
        if prev >= 0:
            self.next[prev] = after
        else:
            self.partial[code] = after
        if after >= 0:
            self.prev[after] = prev
        self.prev[slab] = self.next[slab] = -1

    # Returns nothing; retires a slab whose last block was just freed, as its
    # class's spare or into the pool. A slab of one block was full, hence on
    # no list. Keeps: a class has at most one spare, empty and on no list.
    def give_back(self, code: int, slab: int) -> None:
        if self.geometry.per_slab[code] > 1:
            self.unlink(code, slab)
        self.free_head[slab] = -1
        self.bump[slab] = 0
        if self.spare_of[code] < 0:
            self.spare_of[code] = slab
            self.spares[slab] = code
            return
        self.slab_class[slab] = 0
        self.slabmap[slab] = 0
        self.room[slab] = 0
        self.pool.append(slab)

    # Returns (slabs, live blocks) per class code; code 0 counts the empty
    # slabs, pool and spares alike. O(slabs).
    def census(self) -> tuple[list[int], list[int]]:
        per_slab = self.geometry.per_slab
        slabs = [0] * len(per_slab)
        live = [0] * len(per_slab)
        for slab, code in enumerate(self.slab_class):
            if code == 0 or slab in self.spares:
                slabs[0] += 1
            else:
                slabs[code] += 1
                live[code] += per_slab[code] - self.room[slab]
        return slabs, live
