"""Make this directory's helper module (pmad_helpers) importable.

pytest runs in importlib mode, which puts no test directory on sys.path.
Processes started with multiprocessing's spawn inherit sys.path, so they can
import the helper too.
"""

from __future__ import annotations

import sys
from pathlib import Path

_HERE = str(Path(__file__).resolve().parent)
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)
