"""HAProxy for the cluster run: the shipped config on loopback, and its stats.

The run uses ``examples/haproxy.cfg`` itself, so what is tested is what is
shipped: only the listening address and the server lines are replaced, and
an admin socket is added to read each server's health.
"""

from __future__ import annotations

import csv
import io
import socket
from collections.abc import Sequence
from pathlib import Path

__all__ = ["EXAMPLE", "render_config", "server_states"]

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "haproxy.cfg"
BACKEND = "quicx_daemons"


def render_config(
    template: str, *, port: int, servers: Sequence[str], stats_socket: Path
) -> str:
    """The example config listening on 127.0.0.1:``port`` in front of ``servers``.

    :param servers: the daemons' ``host:port``, named quicx1, quicx2, ... in order.
    :raises ValueError: when the template lacks a global section, a bind line
        or server lines.
    """
    out: list[str] = []
    found = set()
    for line in template.splitlines(keepends=True):
        indent = line[: len(line) - len(line.lstrip())]
        word = line.split(maxsplit=1)[0] if line.strip() else ""
        if word == "server":
            if "server" not in found:
                out += [
                    f"{indent}server quicx{n} {address} check\n"
                    for n, address in enumerate(servers, 1)
                ]
        elif word == "bind":
            out.append(f"{indent}bind 127.0.0.1:{port}\n")
        elif line.rstrip() == "global":
            out += [line, f"    stats socket {stats_socket} mode 600 level admin\n"]
        else:
            out.append(line)
        found.add(word if word in ("server", "bind") else line.rstrip())
    if not {"global", "bind", "server"} <= found:
        raise ValueError("the HAProxy template needs global, bind and server lines")
    return "".join(out)


def server_states(stats_socket: Path, timeout: float = 2.0) -> dict[str, str]:
    """Each backend server's health, ``UP`` or ``DOWN`` (with HAProxy's detail)."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(timeout)
        sock.connect(str(stats_socket))
        sock.sendall(b"show stat\n")
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    text = b"".join(chunks).decode().lstrip("# ")
    return {
        row["svname"]: row["status"]
        for row in csv.DictReader(io.StringIO(text))
        if row["pxname"] == BACKEND and row["svname"] not in ("BACKEND", "FRONTEND")
    }
