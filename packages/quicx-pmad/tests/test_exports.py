"""The public surface of quicx_pmad is exactly this list."""

from __future__ import annotations

import quicx_pmad

EXPECTED = {
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
}


def test_all_is_pinned() -> None:
    assert set(quicx_pmad.__all__) == EXPECTED
    assert len(quicx_pmad.__all__) == len(EXPECTED)


def test_every_export_exists_and_reads_as_public() -> None:
    for name in quicx_pmad.__all__:
        obj = getattr(quicx_pmad, name)
        if isinstance(obj, type) or callable(obj):
            assert obj.__module__ == "quicx_pmad", name


def test_error_tree() -> None:
    assert issubclass(quicx_pmad.ArenaFull, MemoryError)
    assert issubclass(quicx_pmad.BlockSizeError, ValueError)
    assert issubclass(quicx_pmad.DoubleFree, quicx_pmad.StaleHandle)
    assert issubclass(quicx_pmad.StaleHandle, quicx_pmad.HandleError)
    assert issubclass(quicx_pmad.ForeignHandle, quicx_pmad.HandleError)
    for name in quicx_pmad.__all__:
        obj = getattr(quicx_pmad, name)
        if isinstance(obj, type) and issubclass(obj, Exception):
            assert issubclass(obj, quicx_pmad.ArenaError), name
