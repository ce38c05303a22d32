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

from balancer.engine.instance import integer_cost
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
    fig.tight_layout()
    out = Path(path)
    fig.savefig(out, dpi=110)
    plt.close(fig)
    return out


@_plain_text
def pipeline_bars(
    plan: Plan, path: str | Path, label_top: int = 2, title: str | None = None
) -> Path:
    """Per-pipeline predicted runtime as stacked bars by table; the largest tables labelled."""
    plt = _plt()
    cost = {e.table: integer_cost(e.seconds) for e in plan.estimates}
    pipelines = sorted(plan.pipelines, key=lambda p: p.key)
    fig, ax = plt.subplots(figsize=(10, 0.55 * len(pipelines) + 1.8))
    cmap = plt.get_cmap("tab20")
    overhead = plan.settings.overhead_s
    for y, p in enumerate(pipelines):
        left = 0.0
        if overhead:
            ax.barh(y, overhead, left=0, color="#bbbbbb", edgecolor="white", linewidth=0.5)
            left = float(overhead)
        share = (p.runtime_s - overhead) / max(1, p.load_s)
        tables = sorted(p.tables, key=lambda t: (-cost[t], t))
        for k, t in enumerate(tables):
            width = cost[t] * share
            ax.barh(y, width, left=left, color=cmap(k % 20), edgecolor="white", linewidth=0.5)
            room = int(width / (plan.makespan_s * 1.25) / 0.007)  # characters that fit at size 7
            if k < label_top and room >= 4:
                text = t if len(t) <= room else t[: room - 1] + "…"
                ax.text(
                    left + width / 2, y, text, ha="center", va="center", fontsize=7, clip_on=True
                )
            left += width
        ax.text(
            p.runtime_s,
            y,
            f"  {format_duration(p.runtime_s)} ({len(p.tables)})",
            va="center",
            fontsize=8,
        )
    ax.axvline(
        plan.lower_bound_s,
        color="black",
        linestyle="--",
        linewidth=1,
        label=f"lower bound {format_duration(plan.lower_bound_s)}",
    )
    ax.set_yticks(range(len(pipelines)), [p.key for p in pipelines], fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel("predicted runtime per run (s); grey = start-up overhead")
    ax.set_xlim(0, plan.makespan_s * 1.25)
    ax.set_title(
        title
        or f"{len(pipelines)} pipelines, makespan {format_duration(plan.makespan_s)}, status {plan.status}"
    )
    ax.legend(loc="lower right", fontsize=8)
    return _save(plt, fig, path)


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
    ax.set_ylabel("longest pipeline runtime (s)")
    ax.set_xticks(ks)
    ax.set_ylim(0, max(p.makespan_s for p in plans.values()) * 1.15)
    ax.set_title("Makespan against the number of pipelines")
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
    ax.set_xlabel("predicted runtime per run (s)")
    ax.set_title(f"{labels[0]} vs {labels[1]}")
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8)
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
    out = Path(path)
    out.write_text("\n".join(parts) + "\n", encoding="utf-8")
    return out
