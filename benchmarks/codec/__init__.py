"""Codec micro-benchmark; run with ``python -m benchmarks.codec``."""
