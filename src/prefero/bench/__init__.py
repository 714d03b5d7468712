"""Benchmarks: numbers measured on demand (``prefero bench``), never timed tests."""
