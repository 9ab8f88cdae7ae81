"""Benchmarks (``./run bench``)."""
