"""Charts of plans (matplotlib, headless): load bars, makespan against K, before/after.

Each function writes a PNG and returns its path; `html_report` puts a comparison table and
the charts into one self-contained HTML file.
"""

from __future__ import annotations

import base64
import functools
import html
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar, cast

from balancer.analysis.chart_layout import STEP, STEPS, declutter
from balancer.costs import integer_cost
from balancer.model import Plan
from balancer.units import format_duration

if TYPE_CHECKING:
    import pandas as pd


def _plt() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


F = TypeVar("F", bound=Callable[..., Path])


def _plain_text(chart: F) -> F:
    """Draw with mathtext off: a table named `$x$` is a name, not a formula to typeset."""

    @functools.wraps(chart)
    def draw(*args: Any, **kwargs: Any) -> Path:
        import matplotlib

        with matplotlib.rc_context({"text.parse_math": False}):
            return chart(*args, **kwargs)

    return cast(F, draw)


def _save(plt: Any, fig: Any, path: str | Path) -> Path:
    """The figure as PNG, written through the one output layer (whole file or nothing), its
    labels first moved apart (`chart_layout.declutter`)."""
    import io

    from balancer.io.atomic import write_file

    fig.tight_layout()
    declutter(fig)
    png = io.BytesIO()
    fig.savefig(png, format="png", dpi=_DPI)
    plt.close(fig)
    write_file(path, png.getvalue())
    return Path(path)


_DPI = 110


TYPE_COLOURS = {
    "snapshot": "#4c72b0",
    "append": "#55a868",
    "cdc": "#dd8452",
    "cdc_with_deletes": "#c44e52",
    "unknown": "#8172b3",
}


def _durations(ax: Any, axis: str = "x") -> None:
    """Ticks on whole minutes or hours, labelled in the one duration format (`balancer.units`): the one time unit of every
    label on the charts."""
    from matplotlib.ticker import FuncFormatter, MultipleLocator

    which = ax.xaxis if axis == "x" else ax.yaxis
    low, high = ax.get_xlim() if axis == "x" else ax.get_ylim()
    step = next((s for s in STEPS if (high - low) / s <= 8), STEPS[-1])
    which.set_major_locator(MultipleLocator(step))
    setattr(which, STEP, step)
    which.set_major_formatter(FuncFormatter(lambda v, _pos: format_duration(max(0.0, v))))


@_plain_text
def pipeline_bars(
    plan: Plan, path: str | Path, label_top: int = 2, title: str | None = None
) -> Path:
    """Per-pipeline predicted runtime as stacked bars by table, coloured by ingestion type;
    the largest tables labelled where they fit; each bar's p90 run and the runtime its
    schedule allows marked on it."""
    from balancer.plan_metrics import plan_metrics

    plt = _plt()
    cost = {e.table: integer_cost(e.seconds) for e in plan.estimates}
    itype = {t.source_table: t.ingestion_type for t in plan.tables}
    metrics = {m.key: m for m in plan_metrics(plan).pipelines}
    pipelines = sorted(plan.pipelines, key=lambda p: p.key)
    fig, ax = plt.subplots(figsize=(12, 0.6 * len(pipelines) + 2.0))
    overhead = plan.settings.overhead_s
    reach = max(max(m.p90_runtime_s for m in metrics.values()), plan.makespan_s)
    caps = [m.cap_s for m in metrics.values() if m.cap_s is not None and m.cap_s <= 2 * reach]
    right = max([reach, *caps]) * 1.3
    for y, p in enumerate(pipelines):
        left = 0.0
        if overhead:
            ax.barh(y, overhead, left=0, color="#bbbbbb", edgecolor="white", linewidth=0.5)
            left = float(overhead)
        share = (p.runtime_s - overhead) / max(1, p.load_s)
        tables = sorted(p.tables, key=lambda t: (-cost[t], t))
        for k, t in enumerate(tables):
            width = cost[t] * share
            colour = TYPE_COLOURS.get(itype.get(t, "unknown"), TYPE_COLOURS["unknown"])
            edge = 0.4 if len(tables) < 40 else 0.1  # many thin tables stay their colour
            ax.barh(y, width, left=left, color=colour, edgecolor="white", linewidth=edge)
            room = int(width / right / 0.0075)  # characters that fit at size 7
            if k < label_top and room >= 4:
                text = t if len(t) <= room else t[: room - 1] + "…"
                ax.text(
                    left + width / 2,
                    y,
                    text,
                    ha="center",
                    va="center",
                    fontsize=7,
                    color="white",
                    clip_on=True,
                )
            left += width
        _marks(ax, y, metrics[p.key], right)
        ax.text(
            min(p.runtime_s, right * 0.8),
            y - 0.42,
            f"{format_duration(p.runtime_s)}, {len(p.tables)} tables",
            va="bottom",
            fontsize=7,
        )
    handles = [plt.Rectangle((0, 0), 1, 1, color=c) for c in TYPE_COLOURS.values()]
    used = {itype.get(t, "unknown") for p in pipelines for t in p.tables}
    shown = [(h, n) for h, n in zip(handles, TYPE_COLOURS, strict=True) if n in used]
    shown.append((plt.Line2D([], [], color="black", marker="|", linestyle=""), "p90 run"))
    shown.append((plt.Line2D([], [], color="#d62728", linewidth=2), "allowed by its schedule"))
    if overhead:
        shown.append((plt.Rectangle((0, 0), 1, 1, color="#bbbbbb"), "start-up"))
    ax.legend(
        [h for h, _ in shown],
        [n for _, n in shown],
        loc="upper left",
        bbox_to_anchor=(1.0, 1.0),
        fontsize=7,
    )
    ax.set_yticks(range(len(pipelines)), [p.key for p in pipelines], fontsize=8)
    ax.invert_yaxis()
    ax.set_xlim(0, right)
    _durations(ax)
    ax.set_xlabel("predicted runtime per run")
    ax.set_title(
        title
        or f"{len(pipelines)} pipelines, longest run {format_duration(plan.makespan_s)}, "
        f"status {plan.status}"
    )
    return _save(plt, fig, path)


def _marks(ax: Any, y: int, m: Any, right: float) -> None:
    """A pipeline's p90 run (whisker) and the runtime its schedule allows (red bar), or an
    arrow with the allowance when it lies beyond the chart."""
    ax.plot([m.runtime_s, m.p90_runtime_s], [y, y], color="black", linewidth=0.8)
    ax.plot([m.p90_runtime_s], [y], marker="|", color="black", markersize=10)
    if m.cap_s is None:
        return
    if m.cap_s <= right:
        ax.plot([m.cap_s, m.cap_s], [y - 0.4, y + 0.4], color="#d62728", linewidth=2)
    else:
        ax.text(
            right * 0.995,
            y,
            f"allowed {format_duration(m.cap_s)} →",
            ha="right",
            va="center",
            fontsize=7,
            color="#d62728",
        )


@_plain_text
def makespan_vs_k(plans: Mapping[int, Plan], path: str | Path) -> Path:
    """Makespan and proven lower bound for each pipeline count."""
    plt = _plt()
    ks = sorted(plans)
    fig, ax = plt.subplots(figsize=(7, 4))
    ax.plot(ks, [plans[k].makespan_s for k in ks], marker="o", label="makespan")
    ax.plot(
        ks, [plans[k].lower_bound_s for k in ks], linestyle="--", marker="x", label="lower bound"
    )
    for k in ks:
        ax.annotate(
            format_duration(plans[k].makespan_s),
            (k, plans[k].makespan_s),
            textcoords="offset points",
            xytext=(0, 7),
            ha="center",
            fontsize=8,
        )
    ax.set_xlabel("pipelines (K)")
    ax.set_ylabel("longest pipeline runtime")
    _durations(ax, "y")
    ax.set_xticks(ks)
    ax.set_ylim(0, max(p.makespan_s for p in plans.values()) * 1.15)
    ax.set_title("Longest pipeline runtime (makespan) against the number of pipelines")
    ax.legend()
    return _save(plt, fig, path)


@_plain_text
def before_after(
    before: Plan, after: Plan, path: str | Path, labels: tuple[str, str] = ("before", "after")
) -> Path:
    """Runtime per pipeline key in two plans side by side."""
    plt = _plt()
    keys = sorted({p.key for p in before.pipelines} | {p.key for p in after.pipelines})
    a = {p.key: p.runtime_s for p in before.pipelines}
    b = {p.key: p.runtime_s for p in after.pipelines}
    fig, ax = plt.subplots(figsize=(10, 0.5 * len(keys) + 1.8))
    ys = range(len(keys))
    ax.barh(
        [y - 0.2 for y in ys],
        [a.get(k, 0) for k in keys],
        height=0.4,
        label=f"{labels[0]} ({format_duration(before.makespan_s)})",
    )
    ax.barh(
        [y + 0.2 for y in ys],
        [b.get(k, 0) for k in keys],
        height=0.4,
        label=f"{labels[1]} ({format_duration(after.makespan_s)})",
    )
    ax.set_yticks(list(ys), keys, fontsize=8)
    ax.invert_yaxis()
    _durations(ax)
    ax.set_xlabel("predicted runtime per run")
    ax.set_title(f"{labels[0]} vs {labels[1]}")
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8)
    return _save(plt, fig, path)


@_plain_text
def tradeoff(plans: Mapping[str, Plan], path: str | Path) -> Path:
    """Compute a day against worst data age (pipelines running more than daily) and the batch
    window, one point per plan; plans that no other beats on all three are red: the
    trade-off to choose from."""
    from balancer.analysis.whatif import pareto_best
    from balancer.plan_metrics import plan_metrics

    plt = _plt()
    points: dict[str, tuple[float, float, float]] = {}
    for name, plan in plans.items():
        m = plan_metrics(plan)
        points[name] = (m.compute_s_per_day, float(m.worst_age_intraday_s), float(m.batch_window_s))
    best = pareto_best(points)
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.5))
    for ax, index, label in (
        (axes[0], 1, "worst data age, pipelines running more than daily"),
        (axes[1], 2, "batch window (daily and slower)"),
    ):
        for name, p in points.items():
            ax.scatter([p[0]], [p[index]], color="#d62728" if name in best else "#4c72b0")
            ax.annotate(
                name, (p[0], p[index]), textcoords="offset points", xytext=(4, 4), fontsize=8
            )
        ax.margins(0.15)
        _durations(ax, "x")
        _durations(ax, "y")
        ax.set_xlabel("compute a day (pipeline time)")
        ax.set_ylabel(f"{label}")
    fig.suptitle("Cost against freshness and batch window (red: no other plan is better on all)")
    return _save(plt, fig, path)


def html_report(
    title: str, table: pd.DataFrame, images: Mapping[str, Path], path: str | Path
) -> Path:
    """A single HTML file: the comparison table and the charts, embedded."""
    parts = [
        f"<!doctype html><meta charset='utf-8'><title>{html.escape(title)}</title>",
        "<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}"
        "td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}</style>",
        f"<h1>{html.escape(title)}</h1>",
        table.to_html(escape=True),
    ]
    for caption, image in images.items():
        data = base64.b64encode(Path(image).read_bytes()).decode("ascii")
        parts.append(f"<h2>{html.escape(caption)}</h2><img src='data:image/png;base64,{data}'>")
    from balancer.io.atomic import write_file

    write_file(path, "\n".join(parts) + "\n")
    return Path(path)
