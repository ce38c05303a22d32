"""Charts whose labels read: every text the figure draws is found, checked for overlaps and for
leaving the figure (`layout_problems`, which the tests run on every chart), and moved apart
before a chart is saved (`declutter`: fewer duration ticks, annotations lifted off what they
cover). Deterministic: the same figure gives the same moves."""

from __future__ import annotations

from typing import Any

STEP = "_balancer_duration_step"  # the step a duration axis took, raised by `_thin_ticks`
STEPS = (10, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 14_400, 21_600, 43_200, 86_400)


def _texts(fig: Any) -> list[Any]:
    """Every text the figure draws: its title, and per axes the titles, axis labels, the
    tick labels in view, annotations and the legend's texts."""
    found = list(fig.texts)
    for ax in fig.axes:
        found += [ax.title, ax._left_title, ax._right_title, ax.xaxis.label, ax.yaxis.label]
        found += _tick_labels(ax.xaxis, 0) + _tick_labels(ax.yaxis, 1)
        found += list(ax.texts)
        legend = ax.get_legend()
        if legend is not None:
            found += list(legend.get_texts())
    return [t for t in found if t.get_visible() and t.get_text().strip()]


def _tick_labels(axis: Any, coordinate: int) -> list[Any]:
    """The axis's major tick labels that are drawn (ticks inside its view)."""
    low, high = sorted(axis.get_view_interval())
    slack = (high - low) * 1e-6
    return [
        t
        for t in axis.get_majorticklabels()
        if low - slack <= t.get_position()[coordinate] <= high + slack
    ]


def _renderer(fig: Any) -> Any:
    """The figure drawn by Agg (also after pyplot closed it), and its renderer."""
    if not hasattr(fig.canvas, "get_renderer"):
        from matplotlib.backends.backend_agg import FigureCanvasAgg

        FigureCanvasAgg(fig)
    fig.canvas.draw()
    return fig.canvas.get_renderer()


def layout_problems(fig: Any) -> list[str]:
    """Texts that overlap one another or leave the figure, as drawn: empty when every label
    reads. Used by `_save` to move labels apart and by the tests to check every chart."""
    renderer = _renderer(fig)
    boxes = [(t.get_text(), t.get_window_extent(renderer)) for t in _texts(fig)]
    frame = fig.bbox
    problems = []
    for i, (text, box) in enumerate(boxes):
        inside = frame.x0 - 1 <= box.x0 and box.x1 <= frame.x1 + 1
        if not (inside and frame.y0 - 1 <= box.y0 and box.y1 <= frame.y1 + 1):
            problems.append(f"{text!r} leaves the figure")
        for other, obox in boxes[i + 1 :]:
            if box.overlaps(obox):
                problems.append(f"{text!r} overlaps {other!r}")
    return problems


def declutter(fig: Any) -> None:
    """Fewer ticks where tick labels touch; annotations moved up, step by step, off any text
    they cover. Deterministic: the same figure gives the same moves."""
    renderer = _renderer(fig)
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            _thin_ticks(fig, axis, renderer)
    for ax in fig.axes:
        notes = [t for t in ax.texts if t.get_visible() and t.get_text().strip()]
        for note in notes:
            for _ in range(12):
                fig.canvas.draw()
                box = note.get_window_extent(renderer)
                others = [t for t in _texts(fig) if t is not note]
                if not any(box.overlaps(o.get_window_extent(renderer)) for o in others):
                    break
                if not hasattr(note, "xyann"):
                    break
                x, y = note.xyann
                note.xyann = (x, y + 9)


def _thin_ticks(fig: Any, axis: Any, renderer: Any) -> None:
    """Raise a duration axis's tick step until its labels have room (a gap between them)."""
    from matplotlib.ticker import MultipleLocator

    for _ in range(len(STEPS)):
        fig.canvas.draw()
        coordinate = 0 if axis.axis_name == "x" else 1
        labels = [t for t in _tick_labels(axis, coordinate) if t.get_text()]
        boxes = [t.get_window_extent(renderer).expanded(1.15, 1.3) for t in labels]
        crowded = any(a.overlaps(b) for i, a in enumerate(boxes) for b in boxes[i + 1 :])
        current = getattr(axis, STEP, None)
        if not crowded or current is None:
            return
        bigger = next((s for s in STEPS if s > current), None)
        if bigger is None:
            return
        axis.set_major_locator(MultipleLocator(bigger))
        setattr(axis, STEP, bigger)
