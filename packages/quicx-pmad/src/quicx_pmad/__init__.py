"""quicx-pmad: a fixed-size slab allocator with O(1) alloc and free.

An :class:`Arena` reserves its memory once and never grows; blocks come from
slabs of fixed size classes, free lists live inside the freed blocks, and a
block's integer handle is valid in every process attached to a shared arena.

Layout: ``_arena`` holds the allocator, ``_layout`` the byte layout and its
geometry, ``_memory`` the anonymous or shared mapping, ``_block`` the Block
handle object, ``_stats`` the snapshot dataclasses, ``_errors`` the errors.
"""

from ._arena import Arena as Arena
from ._block import Block as Block
from ._errors import ArenaClosed as ArenaClosed
from ._errors import ArenaError as ArenaError
from ._errors import ArenaFull as ArenaFull
from ._errors import BlockSizeError as BlockSizeError
from ._errors import DoubleFree as DoubleFree
from ._errors import ForeignHandle as ForeignHandle
from ._errors import HandleError as HandleError
from ._errors import NotOwner as NotOwner
from ._errors import StaleHandle as StaleHandle
from ._layout import DEFAULT_SLAB_SIZE as DEFAULT_SLAB_SIZE
from ._layout import default_size_classes as default_size_classes
from ._stats import ArenaStats as ArenaStats
from ._stats import ClassStats as ClassStats

__all__ = [
    "DEFAULT_SLAB_SIZE",
    "Arena",
    "ArenaClosed",
    "ArenaError",
    "ArenaFull",
    "ArenaStats",
    "Block",
    "BlockSizeError",
    "ClassStats",
    "DoubleFree",
    "ForeignHandle",
    "HandleError",
    "NotOwner",
    "StaleHandle",
    "default_size_classes",
]

for _name in __all__:
    _obj = globals()[_name]
    if hasattr(_obj, "__module__"):
        _obj.__module__ = __name__
del _name, _obj
__version__ = "0.1.0"
