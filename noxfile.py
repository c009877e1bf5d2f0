"""Every Quicx workflow, one nox session each.

`nox -t ci` runs what CI runs: the staleness check of generated code, lint,
the test suite and the conformance suite. `nox -s demo` shows Quicx at work.
"""

from __future__ import annotations

import nox

nox.options.default_venv_backend = "venv"
nox.options.reuse_venv = "yes"
nox.options.error_on_external_run = True

PYTHON = "3.11"
PROTO = "packages/quicx-proto"
PMAD = "packages/quicx-pmad"
CLIENT = "packages/quicx-client"
DAEMON = "packages/quicx-daemon"
ALL_PACKAGES = [PROTO, PMAD, f"{CLIENT}[console]", DAEMON]
TEST_DEPS = [
    "pytest>=8",
    "pytest-timeout>=2.3",
    "hypothesis>=6.100",
    "trio>=0.25",
    "kaitaistruct==0.11",
    "pyyaml>=6",
]
GENERATOR_DEPS = ["pyyaml>=6"]


def _generate(session: nox.Session, *, check: bool) -> None:
    session.install(*GENERATOR_DEPS)
    flags = ["--check"] if check else []
    session.run("python", "spec/codegen/generate.py", *flags)
    session.run("npm", "ci", "--silent", "--prefix", "spec/kaitai", external=True)
    session.run("node", "spec/kaitai/compile.mjs", *flags, external=True)


@nox.session(python=PYTHON)
def generate(session: nox.Session) -> None:
    """Regenerate the codecs from spec/quicx.ksy; `-- --check` only verifies."""
    _generate(session, check="--check" in session.posargs)


@nox.session(python=PYTHON, tags=["ci"])
def stale(session: nox.Session) -> None:
    """Fail when a committed generated file differs from what the spec gives."""
    _generate(session, check=True)


@nox.session(python=PYTHON, tags=["ci"])
def lint(session: nox.Session) -> None:
    """ruff check, ruff format --check, and mypy --strict on the packages."""
    session.install("ruff==0.17.6", "mypy==2.4.1", *ALL_PACKAGES, *TEST_DEPS)
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")
    for package in ("quicx_proto", "quicx_pmad", "quicx_client", "quicx_daemon"):
        session.run("mypy", "-p", package)


@nox.session(python=PYTHON, tags=["ci"])
def tests(session: nox.Session) -> None:
    """Unit tests of every package and the cross-package tests."""
    session.install(*ALL_PACKAGES, *TEST_DEPS)
    paths = session.posargs or [
        f"{PROTO}/tests",
        f"{PMAD}/tests",
        f"{CLIENT}/tests",
        f"{DAEMON}/tests",
        "tests",
    ]
    session.run("pytest", *paths)


@nox.session(python=PYTHON)
def demo(session: nox.Session) -> None:
    """A daemon, workers, producers and the live console for about 20 seconds.

    `-- --duration 60` runs longer. Without a terminal the console is left
    out and a line of figures is printed every few seconds instead.
    """
    session.install(*ALL_PACKAGES)
    session.run("python", "examples/demo.py", *session.posargs)


@nox.session(python=PYTHON)
def bench(session: nox.Session) -> None:
    """Quicx side by side with beanstalkd, rq and arq on loopback.

    `-- --quick` is a smoke run of under two minutes, `-- --soak` samples the
    daemon's RSS over a million tasks, `-- --help` lists the other options.
    beanstalkd and redis-server are installed with apt-get when missing and
    nox runs as root. benchmarks/README.md says what is measured.
    """
    import os
    import shutil

    servers = ("beanstalkd", "redis-server")
    missing = [name for name in servers if shutil.which(name) is None]
    if missing and os.geteuid() != 0:
        session.error(f"install the Debian packages {' '.join(missing)} first")
    if missing:
        session.run("apt-get", "update", "-q", external=True)
        session.run("apt-get", "install", "-y", "-q", *missing, external=True)
    # The daemon with uvloop, as it would be deployed for speed; the echo
    # limit then runs on uvloop too.
    session.install(
        *ALL_PACKAGES,
        f"{DAEMON}[uvloop]",
        "greenstalk>=2.1,<3",
        "rq>=3.0,<4",
        "arq>=0.28,<0.29",
        "redis>=5.0.1,<6",
        "anyio>=4.4,<5",
        "hdrhistogram>=0.10,<0.11",
        "matplotlib>=3.8,<4",
    )
    session.run("python", "-m", "benchmarks.queues", *session.posargs)
