"""quicx-daemon: the Quicx task queue daemon.

Three layers: a pure broker (:class:`Broker`, driven by calls and a clock),
an anyio server that turns frames into broker calls, and the
``quicx-daemon`` command.
"""

from ._broker import Backlog as Backlog
from ._broker import Broker as Broker
from ._config import BrokerConfig as BrokerConfig
from ._config import DaemonConfig as DaemonConfig
from ._config import parse_size as parse_size
from ._decisions import Outgoing as Outgoing
from ._decisions import Refused as Refused
from ._decisions import SendTask as SendTask
from ._decisions import SendWait as SendWait
from ._events import DeadLettered as DeadLettered
from ._events import Dispatched as Dispatched
from ._events import Done as Done
from ._events import Evicted as Evicted
from ._events import Failed as Failed
from ._events import Requeued as Requeued
from ._events import Submitted as Submitted
from ._events import TaskEvent as TaskEvent
from ._events import Touched as Touched
from ._events import Withdrawn as Withdrawn
from ._memory import make_arena as make_arena
from ._stats import LatencyWindow as LatencyWindow

__all__ = [
    "Backlog",
    "Broker",
    "BrokerConfig",
    "DaemonConfig",
    "DeadLettered",
    "Dispatched",
    "Done",
    "Evicted",
    "Failed",
    "LatencyWindow",
    "Outgoing",
    "Refused",
    "Requeued",
    "SendTask",
    "SendWait",
    "Submitted",
    "TaskEvent",
    "Touched",
    "Withdrawn",
    "make_arena",
    "parse_size",
]
