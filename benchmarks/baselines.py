"""What the prior tools do, reimplemented from their descriptions (no code copied).

Each returns pipelines as lists of table indices, so they are scored like balancer's plans.
- seed toolkit: one pipeline per category_and_ingestion_type group; weights never used;
- lakeflow-tapworks: each group cut into 250-table chunks in CSV row order;
- LPT and Karmarkar-Karp over K pipelines, ignoring groups (hand-written splitters).
"""

from __future__ import annotations

from collections.abc import Sequence

from balancer.engine.heuristics import karmarkar_karp, lpt


def seed_toolkit(groups: Sequence[str]) -> list[list[int]]:
    out: dict[str, list[int]] = {}
    for i, g in enumerate(groups):
        out.setdefault(g, []).append(i)
    return list(out.values())


def tapworks(groups: Sequence[str], chunk: int = 250) -> list[list[int]]:
    out: list[list[int]] = []
    for members in seed_toolkit(groups):
        out.extend(members[k : k + chunk] for k in range(0, len(members), chunk))
    return out


def _bins(assign: Sequence[int], k: int) -> list[list[int]]:
    bins: list[list[int]] = [[] for _ in range(k)]
    for i, b in enumerate(assign):
        bins[b].append(i)
    return bins


def lpt_split(costs: Sequence[int], k: int) -> list[list[int]]:
    return _bins(lpt(costs, k), k)


def kk_split(costs: Sequence[int], k: int) -> list[list[int]]:
    return _bins(karmarkar_karp(costs, k), k)


def makespan(costs: Sequence[int], pipelines: Sequence[Sequence[int]]) -> int:
    return max(sum(costs[i] for i in p) for p in pipelines)


def spread(costs: Sequence[int], pipelines: Sequence[Sequence[int]]) -> int:
    loads = [sum(costs[i] for i in p) for p in pipelines]
    return max(loads) - min(loads)
