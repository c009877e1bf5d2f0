"""The cluster run of ``nox -s cluster``: daemons behind HAProxy, end to end.

``__main__`` holds the checks and the throughput runs, ``processes`` starts
and stops every process, ``roles`` is the worker and producer processes,
``ledger`` the accounting of tasks acknowledged and run, and ``haproxy`` the
shipped HAProxy config made to run on loopback.
"""
