"""quicx-pmad allocator micro-benchmarks; run ``python -m benchmarks.pmad``."""
