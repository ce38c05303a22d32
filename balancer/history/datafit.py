"""A run's cost as a fixed part plus a part that grows with the data since the previous run.

The data a run of an incremental table reads is what arrived since the table's previous
successful run (a failed run commits nothing, so the next one reads its data too): its gap.
Gaps vary in any real history (skipped triggers, outages), and that variation separates the
two parts: duration = fixed + per_s x gap, fitted here by weighted least squares with the
recency weights, after a robust (least absolute deviations) start that the estimator uses to
drop outliers. Where every run has its rows written, the rows measure the data better than
the gap does (a busy hour brings more rows than a quiet one, and rows vary even when every gap
is the same): the data a run read is then its rows over the history's rows per second of data
(`data_seconds`), and the same fit runs on that. Pure numpy; the estimator
(`balancer.history.estimator`) owns the rest.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

# Gaps within this share of the median gap count as the same gap (start-time jitter).
SAME_GAP = 0.10
# Runs off the median gap needed before the parts are told apart.
MIN_OFF_GAP_RUNS = 3
_LAD_ITERATIONS = 30


@dataclass(frozen=True)
class Parts:
    """duration = fixed_s + per_s x gap (seconds of run, seconds of data); `gap_s` is the
    median gap of the history (the interval it ran at). Not `separable`: every gap about the
    same, so only the cost at `gap_s` is known (fixed_s is then that cost, per_s 0)."""

    fixed_s: float
    per_s: float
    gap_s: float
    separable: bool
    fixed_se: float = 0.0
    per_se: float = 0.0

    def at(self, gap_s: np.ndarray | float) -> np.ndarray:
        return np.asarray(self.fixed_s + self.per_s * np.asarray(gap_s, dtype=float))


def gaps(starts: np.ndarray) -> np.ndarray:
    """Seconds since the previous run (the runs given: the successful ones); the first run,
    which has none, takes the median of the others (or 0 when it is the only run)."""
    out = np.empty(len(starts), dtype=float)
    if len(starts) == 0:
        return out
    out[1:] = np.diff(starts)
    out[0] = float(np.median(out[1:])) if len(starts) > 1 else 0.0
    return out


def data_seconds(gap: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, float]:
    """Seconds of data each run read, and the rows a second of data brings (0: not known).
    From the rows written where every run has them (> 0) and they vary enough to tell the
    parts apart: rows / (total rows / total gap); else the gaps themselves."""
    if len(rows) and bool(np.all(np.isfinite(rows) & (rows > 0))):
        total_gap = float(gap.sum())
        rate = float(rows.sum()) / total_gap if total_gap > 0 else 0.0
        if rate > 0 and separable(rows / rate):
            return rows / rate, rate
    return gap, 0.0


def separable(x: np.ndarray) -> bool:
    """Do the gaps vary enough to tell a fixed part from a variable one?"""
    if len(x) < MIN_OFF_GAP_RUNS + 2:
        return False
    median = float(np.median(x))
    if median <= 0:
        return False
    return int((np.abs(x - median) > SAME_GAP * median).sum()) >= MIN_OFF_GAP_RUNS


def robust_start(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Fitted values of a least-absolute-deviations line (iteratively reweighted), or the
    median when the gaps cannot separate the parts: what outliers are measured against."""
    if not separable(x):
        return np.full(len(y), float(np.median(y)))
    w = np.ones(len(y))
    a, b = _weighted_line(x, y, w)
    for _ in range(_LAD_ITERATIONS):
        resid = np.abs(y - a - b * x)
        w = 1.0 / np.maximum(resid, 1e-6 * max(float(np.median(y)), 1e-9))
        a, b = _weighted_line(x, y, w)
    fitted = a + b * x
    floor = 0.05 * float(np.median(y))
    return np.maximum(fitted, max(floor, 1e-9))


def fit_parts(x: np.ndarray, y: np.ndarray, w: np.ndarray) -> Parts:
    """Weighted least squares of y on x, both parts kept >= 0, with their standard errors."""
    gap = float(np.median(x)) if len(x) else 0.0
    mean = float((w * y).sum() / w.sum())
    if not separable(x):
        return Parts(mean, 0.0, gap, False)
    a, b = _weighted_line(x, y, w)
    if b < 0:
        a, b = mean, 0.0
    elif a < 0:
        a, b = 0.0, float((w * x * y).sum() / (w * x * x).sum())
    se_a, se_b = _standard_errors(x, y, w, a, b)
    return Parts(a, b, gap, True, se_a, se_b)


def _weighted_line(x: np.ndarray, y: np.ndarray, w: np.ndarray) -> tuple[float, float]:
    sw = float(w.sum())
    mx, my = float((w * x).sum()) / sw, float((w * y).sum()) / sw
    sxx = float((w * (x - mx) ** 2).sum())
    if sxx <= 0:
        return my, 0.0
    b = float((w * (x - mx) * (y - my)).sum()) / sxx
    return my - b * mx, b


def _standard_errors(
    x: np.ndarray, y: np.ndarray, w: np.ndarray, a: float, b: float
) -> tuple[float, float]:
    """Standard errors of the intercept and slope (weights as frequencies, scaled to the
    effective number of runs)."""
    sw = float(w.sum())
    n_eff = sw**2 / float((w * w).sum())
    if n_eff <= 2:
        return 0.0, 0.0
    resid = y - a - b * x
    sigma2 = float((w * resid**2).sum()) / sw * n_eff / (n_eff - 2)
    mx = float((w * x).sum()) / sw
    sxx = float((w * (x - mx) ** 2).sum()) / sw * n_eff
    if sxx <= 0:
        return 0.0, 0.0
    se_b = math.sqrt(sigma2 / sxx)
    se_a = math.sqrt(sigma2 * (1.0 / n_eff + mx * mx / sxx))
    return se_a, se_b
