"""Benchmark workloads: P||Cmax instances from the literature's generators and table catalogs.

Literature classes (as described by França et al. 1994 and Frangioni et al. 2004):
- uniform: processing times uniform in [1,100], [20,100], [50,100], [100,200], [100,800],
  and the widest ranges of the published sets, [1,1000] and [1,10000];
- non-uniform: 98% of the times uniform in [0.9 (b - a), b] and 2% in [a, 0.2 (b - a)],
  for (a, b) = (1, 100), (1, 1000) and (1, 10000): nearly equal sizes.
Sizes n in {10, 50, 100, 500, 1000} and m in {5, 10, 25}, keeping n > m. All seeded.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path

UNIFORM = [(1, 100), (20, 100), (50, 100), (100, 200), (100, 800), (1, 1000), (1, 10000)]
NON_UNIFORM = [(1, 100), (1, 1000), (1, 10000)]
# The widest ranges of the published sets, regenerated since the published instances of
# these classes were where the engine stopped above the optimum.
WIDEST = {"uniform [1,1000]", "uniform [1,10000]", "non-uniform [1,10000]"}
SIZES = [10, 50, 100, 500, 1000]
MACHINES = [5, 10, 25]


@dataclass(frozen=True)
class PInstance:
    name: str
    family: str
    costs: tuple[int, ...]
    m: int


def uniform(n: int, lo: int, hi: int, rng: random.Random) -> list[int]:
    return [rng.randint(lo, hi) for _ in range(n)]


def non_uniform(n: int, a: int, b: int, rng: random.Random) -> list[int]:
    big_lo = int(0.9 * (b - a))
    small_hi = max(a, int(0.2 * (b - a)))
    return [
        rng.randint(big_lo, b) if rng.random() < 0.98 else rng.randint(a, small_hi)
        for _ in range(n)
    ]


def literature(seeds: int = 2) -> list[PInstance]:
    out = []
    for n in SIZES:
        for m in MACHINES:
            if n <= m:
                continue
            for seed in range(seeds):
                for lo, hi in UNIFORM:
                    rng = random.Random(f"u-{lo}-{hi}-{n}-{m}-{seed}")
                    out.append(
                        PInstance(
                            f"U[{lo},{hi}] n={n} m={m} #{seed}",
                            f"uniform [{lo},{hi}]",
                            tuple(uniform(n, lo, hi, rng)),
                            m,
                        )
                    )
                for a, b in NON_UNIFORM:
                    rng = random.Random(f"nu-{a}-{b}-{n}-{m}-{seed}")
                    out.append(
                        PInstance(
                            f"NU[{a},{b}] n={n} m={m} #{seed}",
                            f"non-uniform [{a},{b}]",
                            tuple(non_uniform(n, a, b, rng)),
                            m,
                        )
                    )
    return out


def lognormal_costs(n: int, seed: int, median: float = 120.0, sigma: float = 1.2) -> list[int]:
    """Heavy-tailed table costs in seconds, like real connector tables."""
    rng = random.Random(seed)
    return [max(1, int(rng.lognormvariate(0, sigma) * median)) for _ in range(n)]


def read_instance(path: Path) -> PInstance:
    """A published P||Cmax instance file: two header numbers (n and m in either order, on one
    line or two), then the n processing times. n is the header number that matches the count
    of times that follow."""
    numbers = [int(v) for v in path.read_text().split()]
    if len(numbers) < 3:
        raise ValueError(f"{path}: fewer than three numbers")
    a, b, times = numbers[0], numbers[1], numbers[2:]
    if len(times) == a:
        n, m = a, b
    elif len(times) == b:
        n, m = b, a
    else:
        raise ValueError(f"{path}: header says {a} and {b}, but {len(times)} times follow")
    if m < 1 or any(t < 0 for t in times):
        raise ValueError(f"{path}: {m} machines or a negative time")
    family = path.stem.rsplit("_", 1)[0] if "_" in path.stem else path.stem
    return PInstance(path.stem, f"{family} (n={n}, m={m})", tuple(times), m)


def read_instances(folder: Path) -> list[PInstance]:
    """Every instance file (*.txt, *.dat, *.in) in a folder, by name."""
    files = sorted(p for p in folder.iterdir() if p.suffix in (".txt", ".dat", ".in"))
    return [read_instance(p) for p in files]
