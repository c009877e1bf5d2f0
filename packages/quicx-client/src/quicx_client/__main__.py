"""``python -m quicx_client`` runs the ``quicx`` command."""

import sys

from ._cli import main

sys.exit(main())
