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
