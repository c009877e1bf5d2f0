"""Make this directory's helper modules (strategies, codec_check) importable.

pytest runs in importlib mode, which puts no test directory on sys.path.
"""

from __future__ import annotations

import sys
from pathlib import Path

_HERE = str(Path(__file__).resolve().parent)
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)
