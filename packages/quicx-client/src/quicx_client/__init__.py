"""Clients for the Quicx task queue: producers, workers and monitors.

``Producer``, ``Worker`` and ``Monitor`` block; ``AsyncProducer``,
``AsyncWorker`` and ``AsyncMonitor`` are their anyio twins. Each role's
protocol logic is sans-IO (``_protocol``, ``_worker_protocol``, ``_batch``);
the classes here are thin shells over it. The ``quicx`` command lives in
``_cli`` and the live console, which needs the ``[console]`` extra, in
``_console``.
"""

from ._address import DEFAULT_ADDRESS as DEFAULT_ADDRESS
from ._async_monitor import AsyncMonitor as AsyncMonitor
from ._async_producer import AsyncProducer as AsyncProducer
from ._errors import BatchIncomplete as BatchIncomplete
from ._errors import ConnectionLost as ConnectionLost
from ._errors import InternalError as InternalError
from ._errors import InvalidField as InvalidField
from ._errors import JournalUnavailable as JournalUnavailable
from ._errors import LeaseExpired as LeaseExpired
from ._errors import OutOfMemory as OutOfMemory
from ._errors import PayloadTooLarge as PayloadTooLarge
from ._errors import PermanentError as PermanentError
from ._errors import ProtocolViolation as ProtocolViolation
from ._errors import QueueFull as QueueFull
from ._errors import QuicxError as QuicxError
from ._errors import RetryableError as RetryableError
from ._errors import ServerError as ServerError
from ._errors import ShuttingDown as ShuttingDown
from ._errors import UnknownTask as UnknownTask
from ._errors import Unreachable as Unreachable
from ._monitor import Monitor as Monitor
from ._producer import Producer as Producer
from ._retry import RetryPolicy as RetryPolicy
from ._stats import stats_dict as stats_dict
from ._task import Task as Task
from ._worker import AsyncWorker as AsyncWorker
from ._worker import Worker as Worker

__all__ = [
    "DEFAULT_ADDRESS",
    "AsyncMonitor",
    "AsyncProducer",
    "AsyncWorker",
    "BatchIncomplete",
    "ConnectionLost",
    "InternalError",
    "InvalidField",
    "JournalUnavailable",
    "LeaseExpired",
    "Monitor",
    "OutOfMemory",
    "PayloadTooLarge",
    "PermanentError",
    "Producer",
    "ProtocolViolation",
    "QueueFull",
    "QuicxError",
    "RetryPolicy",
    "RetryableError",
    "ServerError",
    "ShuttingDown",
    "Task",
    "UnknownTask",
    "Unreachable",
    "Worker",
    "stats_dict",
]

for _name in __all__:
    _obj = globals()[_name]
    if getattr(_obj, "__module__", "").startswith("quicx_client._"):
        _obj.__module__ = __name__
del _name, _obj
