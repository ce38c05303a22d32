"""Pipeline keys and display names: predictable, free of table counts, valid bundle keys."""

from __future__ import annotations

import re

_SLUG = re.compile(r"[^a-z0-9]+")


def slug(text: str) -> str:
    """Lower-case letters, digits and single underscores."""
    return _SLUG.sub("_", text.lower()).strip("_") or "x"


def schedule_slug(cron: str) -> str:
    """A short readable tag for a cron: every_15m, every_2h, daily_0600, else the fields."""
    f = cron.split()
    if len(f) == 5:
        minute, hour, dom, month, dow = f
        if minute.startswith("*/") and hour == dom == month == dow == "*":
            return f"every_{minute[2:]}m"
        if minute.isdigit() and hour.startswith("*/") and dom == month == dow == "*":
            return f"every_{hour[2:]}h"
        if minute.isdigit() and hour.isdigit() and dom == month == dow == "*":
            return f"daily_{int(hour):02d}{int(minute):02d}"
    table = {"*": "x", "/": "s", ",": "c", "-": "to"}
    return slug("_".join("".join(table.get(ch, ch) for ch in part) for part in f))


def pipeline_key(prefix: str, group: str, schedule_tag: str | None, number: int) -> str:
    parts = [slug(prefix), slug(group)]
    if schedule_tag:
        parts.append(schedule_tag)
    return "_".join(parts) + f"_{number:02d}"
