"""Side-by-side benchmark of Quicx against beanstalkd, rq and arq.

Run it with ``nox -s bench`` (``-- --quick`` for a smoke run, ``-- --soak``
for the daemon's RSS over a million tasks) or ``python -m benchmarks.queues``
from the repository root. benchmarks/README.md says what it measures.
"""
