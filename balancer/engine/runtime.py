"""A pipeline's runtime from its tables' costs: start-up plus the flows run `concurrency` at a
time, never shorter than its largest table."""

from __future__ import annotations

from collections.abc import Sequence


def runtime_from_load(load: int, largest: int, overhead_s: int, concurrency: int) -> int:
    """Start-up overhead plus `load` seconds of tables run `concurrency` at a time, never less
    than the largest table."""
    return overhead_s + max(-(-load // concurrency), largest)


def pipeline_runtime(costs: Sequence[int], overhead_s: int, concurrency: int) -> int:
    """Runtime of a pipeline holding tables of these costs."""
    if not costs:
        return overhead_s
    return runtime_from_load(sum(costs), max(costs), overhead_s, concurrency)
