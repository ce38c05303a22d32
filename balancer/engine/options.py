"""What a solve may spend and how it decides: the solver's options, derived from a plan's
settings field by field (a renamed setting breaks the type check, never drops silently), and
the budget of deterministic seconds its stages draw from."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from balancer.model import Settings


@dataclass(frozen=True)
class SolveOptions:
    time_limit_s: float = 10.0
    k_tolerance: float = 0.05
    makespan_tolerance: float = 0.0
    spread_tolerance: float = 0.01
    seed: int = 0
    workers: int = 2
    objective: str = "makespan"
    stages: int = 3
    dive_nodes: int = 100_000
    # The edges (the CLI, benchmarks) pass a clock (time.monotonic) to also stop at
    # time_limit_s of wall time: a safety net. The deterministic budget stays the primary
    # limit; a plan that the wall deadline stopped says so (`Solution.stopped_by_wall_clock`)
    # and may differ between runs.
    clock: Callable[[], float] | None = None

    @classmethod
    def of(
        cls, settings: Settings, clock: Callable[[], float] | None = None, stages: int = 3
    ) -> SolveOptions:
        """The solver's share of a plan's settings (and the wall clock, if the edge gives one;
        fewer stages for a reference solve)."""
        return cls(
            time_limit_s=settings.time_limit_s,
            k_tolerance=settings.k_tolerance,
            makespan_tolerance=settings.makespan_tolerance,
            spread_tolerance=settings.spread_tolerance,
            seed=settings.seed,
            workers=settings.workers,
            objective=settings.objective,
            stages=stages,
            clock=clock,
        )


class Budget:
    """Deterministic seconds to spend; with a clock, also a wall deadline (a safety net).
    The one mutable thing a solve shares between its stages: what they spent, and whether
    the wall deadline cut one short (`stopped_by_wall`)."""

    def __init__(self, total: float, clock: Callable[[], float] | None = None) -> None:
        self.total = total
        self.used = 0.0
        self.clock = clock
        self.deadline = clock() + total if clock is not None else None
        self.stopped_by_wall = False

    def take(self, share: float) -> float:
        return max(0.0, min(self.total - self.used, self.total * share))

    def wall_left(self) -> float | None:
        if self.clock is None or self.deadline is None:
            return None
        return max(0.0, self.deadline - self.clock())

    def spend(self, dt: float) -> None:
        self.used += dt

    def out_of_time(self) -> bool:
        """Whether the wall deadline has passed; the first True marks the solve as stopped
        by it (what it returns next is no longer reproducible)."""
        left = self.wall_left()
        if left is not None and left <= 0:
            self.stopped_by_wall = True
        return self.stopped_by_wall
