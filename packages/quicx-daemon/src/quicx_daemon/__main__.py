"""``python -m quicx_daemon``: the same as the ``quicx-daemon`` command."""

import sys

from ._cli import main

sys.exit(main())
