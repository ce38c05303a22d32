"""Pipeline keys and display names: predictable, free of table counts, valid bundle keys."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace

from balancer.model import PipelinePlan
from balancer.schedules import describe

_SLUG = re.compile(r"[^a-z0-9]+")


def slug(text: str) -> str:
    """Lower-case letters, digits and single underscores."""
    return _SLUG.sub("_", text.lower()).strip("_") or "x"


def schedule_slug(cron: str) -> str:
    """A short readable tag for a cron: every_15m, hourly, every_2h, daily_0600, weekly_sun,
    else the cron's fields spelled out."""
    words = describe(cron)
    if words != cron:
        words = words.replace(" min", "m").replace(" h", "h").replace(":", "")
        return slug(words.replace("daily 0000", "daily"))
    table = {"*": "x", "/": "s", ",": "c", "-": "to"}
    return slug("_".join("".join(table.get(ch, ch) for ch in part) for part in cron.split()))


def pipeline_key(prefix: str, group: str, schedule_tag: str | None, number: int) -> str:
    parts = [slug(prefix), slug(group)]
    if schedule_tag:
        parts.append(schedule_tag)
    return "_".join(parts) + f"_{number:02d}"


def keep_keys(new: Sequence[PipelinePlan], old: Sequence[PipelinePlan]) -> list[PipelinePlan]:
    """Give new pipelines the keys of the old ones they share most tables with.

    Only pipelines of the same group and schedule are matched; pinned pipelines keep their
    pin. Pairs are taken by overlap, largest first (ties by key), so the result does not
    depend on the order of the inputs. Unmatched new pipelines get keys no old pipeline used.
    """
    free_old = {p.key: p for p in old if not p.pin}
    candidates = []
    for n in new:
        if n.pin:
            continue
        for o in free_old.values():
            if (o.group, o.schedule) == (n.group, n.schedule):
                overlap = len(set(n.tables) & set(o.tables))
                candidates.append((-overlap, o.key, n.key))
    candidates.sort()
    renamed: dict[str, str] = {}
    used_old: set[str] = set()
    for _, old_key, new_key in candidates:
        if new_key in renamed or old_key in used_old:
            continue
        renamed[new_key] = old_key
        used_old.add(old_key)
    taken = {p.key for p in old} | {p.key for p in new if p.pin} | set(renamed.values())
    out = []
    for n in new:
        key = renamed.get(n.key)
        if key is None and not n.pin:
            key = n.key
            stem, _, number = key.rpartition("_")
            k = int(number) if number.isdigit() else 0
            while key in taken:
                k += 1
                key = f"{stem}_{k:02d}"
            taken.add(key)
        if key is not None and key != n.key:
            n = replace(n, key=key, name=key)
        out.append(n)
    return sorted(out, key=lambda p: p.key)
