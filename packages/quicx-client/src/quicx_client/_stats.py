"""STATS replies as plain data: nested dicts and lists, ready for JSON."""

from __future__ import annotations

import dataclasses
from typing import Any

from quicx_proto import StatsReply

__all__ = ["stats_dict"]


def stats_dict(stats: StatsReply) -> dict[str, Any]:
    """Turn a STATS reply into a dict of its fields, with lists for repeats.

    Keys are the spec's field names (``total_submitted``, ``queues``...);
    ``wait_time`` and ``run_time`` are dicts, ``size_classes`` and ``queues``
    lists of dicts.
    """
    data = _plain(stats)
    assert isinstance(data, dict)
    return data


def _plain(value: object) -> object:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            field.name: _plain(getattr(value, field.name))
            for field in dataclasses.fields(value)
        }
    if isinstance(value, tuple | list):
        return [_plain(item) for item in value]
    return value
