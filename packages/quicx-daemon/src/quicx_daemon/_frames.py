"""The frames on the daemon's hot path.

OK, WAIT and TASK go out for every task. OK and TASK are written by
quicx-proto's generated writers straight from their fields, so a TASK's
payload is copied once, from its arena block into the connection's send
buffer, with no message object in between; WAIT never changes.
"""

from __future__ import annotations

from quicx_proto import Wait, encode, write_ok, write_task

__all__ = ["WAIT_FRAME", "write_ok", "write_task"]

WAIT_FRAME = encode(Wait())
