"""Reproducible benchmarks: `python -m benchmarks.run` (see RESULTS.md)."""
