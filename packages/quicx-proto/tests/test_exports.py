"""The public surface of quicx_proto, pinned."""

from __future__ import annotations

import quicx_proto

PUBLIC = [
    "DEFAULT_MAX_FRAME",
    "HEADER_SIZE",
    "PROTOCOL_VERSION",
    "Done",
    "Error",
    "ErrorCode",
    "Failed",
    "FrameDecoder",
    "Heartbeat",
    "Message",
    "MsgType",
    "Ok",
    "Peers",
    "Percentiles",
    "Pong",
    "ProtocolError",
    "QueueStats",
    "Ready",
    "SizeClassStats",
    "StatsReply",
    "StatsRequest",
    "Submit",
    "Task",
    "Touch",
    "Wait",
    "encode",
    "encode_into",
    "write_ok",
    "write_submit",
    "write_task",
]


def test_all_is_pinned() -> None:
    assert quicx_proto.__all__ == PUBLIC


def test_public_names_live_in_the_package() -> None:
    for name in PUBLIC:
        value = getattr(quicx_proto, name)
        if isinstance(value, type) or (callable(value) and name != "Message"):
            assert value.__module__ == "quicx_proto", name


def test_constants() -> None:
    assert quicx_proto.HEADER_SIZE == 8
    assert quicx_proto.PROTOCOL_VERSION == 1
    assert [m.value for m in quicx_proto.MsgType] == list(range(1, 15))
    assert [m.value for m in quicx_proto.ErrorCode] == list(range(1, 16))
    assert int(quicx_proto.ErrorCode.OUT_OF_MEMORY) == 9
    assert quicx_proto.MsgType.STATS_REPLY.name == "STATS_REPLY"
