"""Every Quicx workflow, one nox session each.

`nox -t ci` runs what CI runs: the staleness check of generated code, lint,
the test suite, the conformance suite and the three-daemon cluster run.
`nox -s demo` shows Quicx at work.
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
    """ruff check, ruff format --check, and mypy --strict on the packages and
    on every test tree."""
    session.install("ruff==0.17.6", "mypy==2.4.1", *ALL_PACKAGES, *TEST_DEPS)
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")
    for package in ("quicx_proto", "quicx_pmad", "quicx_client", "quicx_daemon"):
        session.run("mypy", "-p", package)
    # One run per tree: the trees share module names (conftest, strategies),
    # and each imports tests/'s helpers the way pytest's pythonpath does.
    for tree in (
        f"{PROTO}/tests",
        f"{PMAD}/tests",
        f"{CLIENT}/tests",
        f"{DAEMON}/tests",
        "tests",
    ):
        session.run("mypy", tree, env={"MYPYPATH": "tests"})


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
        "--ignore=tests/conformance",  # the conformance session runs it
    ]
    session.run("pytest", *paths)


CONFORMANCE_DEPS = [*TEST_DEPS, "dpkt>=1.9.8,<2"]
CONFORMANCE = "tests/conformance"


@nox.session(python=PYTHON, tags=["ci"])
def conformance(session: nox.Session) -> None:
    """The conformance suite: the committed captures through both decoders,
    their replay against a fresh daemon, the broken-frame corpus and a short
    fuzz. Needs no capture tool; tests/conformance/README.md says more."""
    session.install(*ALL_PACKAGES, *CONFORMANCE_DEPS)
    session.run("pytest", *(session.posargs or [CONFORMANCE]))


@nox.session(python=PYTHON)
def capture(session: nox.Session) -> None:
    """Capture every conformance scenario again with dumpcap, into
    tests/conformance/captures; `-- NAME ...` captures only those.

    dumpcap comes from Debian's tshark package, installed with apt-get when
    missing and nox runs as root. Capturing on the loopback interface needs
    root, or a dumpcap that the wireshark group may run.
    """
    import os
    import shutil

    if shutil.which("dumpcap") is None:
        if os.geteuid() != 0:
            session.error(
                "dumpcap is missing: install Debian's tshark package "
                "(apt-get install tshark) or run this session as root"
            )
        env = {"DEBIAN_FRONTEND": "noninteractive"}
        session.run("apt-get", "update", "-q", external=True, env=env)
        session.run("apt-get", "install", "-y", "-q", "tshark", external=True, env=env)
    if os.geteuid() != 0:
        session.log("not root: the capture works only if dumpcap may capture on lo")
    session.install(*ALL_PACKAGES, *CONFORMANCE_DEPS)
    session.run(
        "python",
        "-m",
        "conformance.capture",
        *session.posargs,
        env={"PYTHONPATH": "tests"},
    )


@nox.session(python=PYTHON)
def fuzz(session: nox.Session) -> None:
    """The conformance fuzz with a long budget: 100,000 inputs against
    FrameDecoder and 10,000 against a live daemon; `-- DECODER DAEMON` sets
    other counts. CI runs a short budget inside `conformance`."""
    decoder, daemon = [*session.posargs, "100000", "10000"][:2]
    session.install(*ALL_PACKAGES, *CONFORMANCE_DEPS)
    session.run(
        "pytest",
        f"{CONFORMANCE}/test_fuzz.py",
        "--timeout=7200",
        env={
            "QUICX_FUZZ_DECODER_INPUTS": decoder,
            "QUICX_FUZZ_DAEMON_INPUTS": daemon,
        },
    )


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


@nox.session(python=PYTHON, tags=["ci"])
def cluster(session: nox.Session) -> None:
    """Three daemons behind HAProxy, workers that know only HAProxy's address.

    Checks 30,000 tasks run exactly once and spread over the daemons, one
    daemon killed mid-run (what it took is counted as lost), and the same
    workers serving it again once it is back; about 15 s. `-- --quick` runs a
    tenth of the tasks; `-- --bench` measures throughput with one, two and
    three daemons instead (docs/scaling.md). HAProxy is installed with
    apt-get when missing and nox runs as root.
    """
    import os
    import shutil

    if not (shutil.which("haproxy") or os.path.exists("/usr/sbin/haproxy")):
        if os.geteuid() != 0:
            session.error("install the Debian package haproxy first")
        session.run("apt-get", "update", "-q", external=True)
        session.run("apt-get", "install", "-y", "-q", "haproxy", external=True)
    session.install(*ALL_PACKAGES)
    session.run(
        "python", "-m", "cluster", *session.posargs, env={"PYTHONPATH": "tests"}
    )
