"""5-field Unix cron to Databricks job (Quartz) cron.

Unix fields: minute hour day-of-month month day-of-week (0-7, 0 and 7 Sunday, names).
Quartz fields: second minute hour day-of-month month day-of-week (1-7, 1 Sunday), and
exactly one of the two day fields is `?`. Unix runs a job when either restricted day field
matches; Quartz cannot say that, so a cron restricting both is rejected with the reason.
Each field is expanded to its set of values and written back compactly, so names, ranges,
lists and steps all convert the same way. The grammar of a field is balancer.schedules'
(`expand`), the one the validator of crons (`cron_problem`) uses too: a cron it accepts
converts here.
"""

from __future__ import annotations

from balancer.schedules import (
    DAY_OF_MONTH,
    DAY_OF_WEEK,
    DAYS,
    HOUR,
    MINUTE,
    MONTH,
    MONTHS,
    CronError,
    expand,
    ranges_list,
    shift_cron,
)

__all__ = ["DAYS", "MONTHS", "CronError", "expand", "to_quartz"]
_MINUTE, _HOUR, _DOM, _MONTH, _DOW = MINUTE, HOUR, DAY_OF_MONTH, MONTH, DAY_OF_WEEK


def _compact(values: set[int], lo: int, hi: int) -> str:
    """Shortest of '*', 'start/step' (to the end of the range) and a list of ranges."""
    vals = sorted(values)
    if vals == list(range(lo, hi + 1)):
        return "*"
    if len(vals) > 2:
        step = vals[1] - vals[0]
        if step > 1 and vals == list(range(vals[0], hi + 1, step)) and vals[0] < step + lo:
            return f"{vals[0]}/{step}"
    return ranges_list(vals)


def to_quartz(cron: str, offset_min: int = 0) -> str:
    """Quartz form of a 5-field Unix cron, fired `offset_min` minutes after each of its times
    (a staggered start, balancer.schedules.shift_cron); raises CronError with the reason."""
    if offset_min:
        cron = shift_cron(cron, offset_min)
    fields = cron.split()
    if len(fields) != 5:
        raise CronError(f"cron '{cron}' has {len(fields)} fields; it needs 5")
    minute, hour, dom, month, dow = fields
    try:
        m = _compact(expand(minute, _MINUTE), 0, 59)
        h = _compact(expand(hour, _HOUR), 0, 23)
        dom_set = expand(dom, _DOM)
        mon = _compact(expand(month, _MONTH), 1, 12)
        dow_set = expand(dow, _DOW)
    except CronError as exc:
        raise CronError(f"cron '{cron}': {exc}") from None
    dom_restricted = dom != "*" and dom_set != set(range(1, 32))
    dow_restricted = dow != "*" and dow_set != set(range(7))
    if dom_restricted and dow_restricted:
        raise CronError(
            f"cron '{cron}' restricts both day-of-month and day-of-week; cron runs when either "
            "matches, which a Databricks (Quartz) schedule cannot express"
        )
    if dow_restricted:
        return f"0 {m} {h} ? {mon} {_compact({d + 1 for d in dow_set}, 1, 7)}"
    return f"0 {m} {h} {_compact(dom_set, 1, 31)} {mon} ?"
