"""quicx-proto: the Quicx wire protocol as typed Python messages.

The package is three hand-written names over generated code:

- :func:`encode` turns a message into the bytes of one frame
  (:func:`encode_into` appends them to a bytearray instead);
- :class:`FrameDecoder` turns received bytes, in any chunking, into messages;
- :class:`ProtocolError` is raised for any bad input and carries the spec's
  error code.

The message classes, :class:`MsgType`, :class:`ErrorCode` and the codecs
behind them are generated from ``spec/quicx.ksy`` by
``spec/codegen/generate.py`` (``_generated_*.py``): construct codecs, the
reference, and ``struct`` codecs for the hot path, of which
:func:`write_ok`, :func:`write_task` and :func:`write_submit` are public for a
sender that has the fields but no message object: the daemon, whose payloads
sit in its arena, and a producer sending many payloads with one set of checked
settings. They append a whole frame and check nothing: the caller has.
The rest is small: ``_constructs`` (construct classes the codecs need),
``_validation`` (field checks run by every message class), ``_codec``
(compiled and interpreted construct codecs), ``_structs`` (helpers of the
struct readers), ``_wire`` (struct codecs first, construct when they do not
fit), ``_framing`` (the decoder) and ``_errors``.
"""

from __future__ import annotations

from quicx_proto._errors import ProtocolError as ProtocolError
from quicx_proto._framing import DEFAULT_MAX_FRAME as DEFAULT_MAX_FRAME
from quicx_proto._framing import FrameDecoder as FrameDecoder
from quicx_proto._generated_messages import HEADER_SIZE as HEADER_SIZE
from quicx_proto._generated_messages import PROTOCOL_VERSION as PROTOCOL_VERSION
from quicx_proto._generated_messages import Done as Done
from quicx_proto._generated_messages import Error as Error
from quicx_proto._generated_messages import ErrorCode as ErrorCode
from quicx_proto._generated_messages import Failed as Failed
from quicx_proto._generated_messages import Heartbeat as Heartbeat
from quicx_proto._generated_messages import Message as Message
from quicx_proto._generated_messages import MsgType as MsgType
from quicx_proto._generated_messages import Ok as Ok
from quicx_proto._generated_messages import Peers as Peers
from quicx_proto._generated_messages import Percentiles as Percentiles
from quicx_proto._generated_messages import Pong as Pong
from quicx_proto._generated_messages import QueueStats as QueueStats
from quicx_proto._generated_messages import Ready as Ready
from quicx_proto._generated_messages import SizeClassStats as SizeClassStats
from quicx_proto._generated_messages import StatsReply as StatsReply
from quicx_proto._generated_messages import StatsRequest as StatsRequest
from quicx_proto._generated_messages import Submit as Submit
from quicx_proto._generated_messages import Task as Task
from quicx_proto._generated_messages import Touch as Touch
from quicx_proto._generated_messages import Wait as Wait
from quicx_proto._generated_structs import write_ok as write_ok
from quicx_proto._generated_structs import write_submit as write_submit
from quicx_proto._generated_structs import write_task as write_task
from quicx_proto._wire import encode as encode
from quicx_proto._wire import encode_into as encode_into

__all__ = [
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


# Tracebacks and reprs name the public path, quicx_proto.Submit, not the module
# the class happens to be defined in.
for _name in __all__:
    _value = globals()[_name]
    if getattr(_value, "__module__", "").startswith("quicx_proto."):
        _value.__module__ = __name__
del _name, _value
