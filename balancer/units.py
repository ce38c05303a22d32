"""Durations as people read them, one format everywhere (tables, summaries, chart ticks,
notebooks): `45s`, `16m 35s`, `4h 00m`, `32h 48m`. Seconds are shown under an hour, minutes
(rounded) from an hour up; hours are never folded into days, so a day's compute reads as
hours. A negative duration (a change) takes a leading minus."""

from __future__ import annotations


def format_duration(seconds: float) -> str:
    s = round(seconds)
    if s < 0:
        return "-" + format_duration(-s)
    if s < 60:
        return f"{s}s"
    if s < 3600:
        m, sec = divmod(s, 60)
        return f"{m}m {sec:02d}s"
    h, m = divmod(round(s / 60), 60)
    return f"{h}h {m:02d}m"
