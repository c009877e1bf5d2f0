"""``pip install quicx-client`` stays small: no rich, no daemon, no allocator.

A fresh virtual environment gets quicx-proto and quicx-client from this
checkout (their other dependencies come from the package index), and a
script run there uses the client against a daemon running from the
development environment.
"""

from __future__ import annotations

import json
import subprocess
import venv
from pathlib import Path

import pytest
from support.daemon_process import DaemonProcess

ROOT = Path(__file__).resolve().parent.parent

SCRIPT = """
import importlib.util, json, sys, threading
from quicx_client import Monitor, Producer, Worker

address = sys.argv[1]
importable = [
    name for name in ("rich", "quicx_daemon", "quicx_pmad")
    if importlib.util.find_spec(name) is not None
]
with Producer(address) as producer:
    ids = producer.submit_many([b"a", b"b", b"c"]) + [producer.submit(b"d")]
seen, done = [], threading.Event()

def handle(task):
    seen.append(task.payload)
    if len(seen) == 4:
        done.set()

worker = Worker(address, handle)
thread = threading.Thread(target=worker.run)
thread.start()
finished = done.wait(30)
worker.stop()
thread.join(30)
with Monitor(address) as monitor:
    completed = monitor.stats()["total_completed"]
print(json.dumps({
    "importable": importable,
    "ids": len(set(ids)),
    "seen": sorted(payload.decode() for payload in seen),
    "finished": finished and not thread.is_alive(),
    "completed": completed,
}))
"""


@pytest.mark.slow
def test_client_alone_in_a_fresh_venv(daemon: DaemonProcess, tmp_path: Path) -> None:
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    python = env_dir / "bin" / "python"
    install = subprocess.run(
        [
            python,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            ROOT / "packages" / "quicx-proto",
            ROOT / "packages" / "quicx-client",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert install.returncode == 0, install.stderr[-2000:]

    run = subprocess.run(
        [python, "-c", SCRIPT, daemon.address],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    assert json.loads(run.stdout) == {
        "importable": [],
        "ids": 4,
        "seen": ["a", "b", "c", "d"],
        "finished": True,
        "completed": 4,
    }

    top = subprocess.run(
        [env_dir / "bin" / "quicx", "top", "--addr", daemon.address],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert top.returncode == 1
    assert "pip install 'quicx-client[console]'" in top.stderr
