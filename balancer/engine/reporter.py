"""Progress hooks of the solver. Every hook does nothing by default; the CLI subclasses it."""

from __future__ import annotations


class Reporter:
    """Subclass and override what you want to show. The solver calls these in order."""

    def starting(self, n_items: int, n_pools: int, k_values: list[int]) -> None:
        """Before anything is solved."""

    def k_done(self, k: int, makespan: int, lower_bound: int) -> None:
        """After the makespan stage for one pipeline count."""

    def stage_done(self, stage: str, pool: str, status: str) -> None:
        """After a CP-SAT stage of one pool (makespan, spread, categories)."""

    def proved(self, pool: str, n: int, method: str) -> None:
        """A pool's split over n pipelines met its lower bound; `method` says what closed the
        gap: "bounds" (a heuristic met the counting bounds), "dive", "LP bound" or "CP-SAT"."""

    def finished(self, k: int, makespan: int, lower_bound: int, status: str) -> None:
        """Once, with the chosen pipeline count."""
