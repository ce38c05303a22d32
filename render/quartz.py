"""5-field Unix cron to Databricks job (Quartz) cron.

Unix fields: minute hour day-of-month month day-of-week (0-7, 0 and 7 Sunday, names).
Quartz fields: second minute hour day-of-month month day-of-week (1-7, 1 Sunday), and
exactly one of the two day fields is `?`. Unix runs a job when either restricted day field
matches; Quartz cannot say that, so a cron restricting both is rejected with the reason.
Each field is expanded to its set of values and written back compactly, so names, ranges,
lists and steps all convert the same way.
"""

from __future__ import annotations

from dataclasses import dataclass

MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]
DAYS = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"]


class CronError(ValueError):
    """The cron cannot be converted; the message says why."""


@dataclass(frozen=True)
class _Field:
    name: str
    lo: int
    hi: int
    names: tuple[str, ...] = ()
    names_start: int = 0


_MINUTE = _Field("minute", 0, 59)
_HOUR = _Field("hour", 0, 23)
_DOM = _Field("day-of-month", 1, 31)
_MONTH = _Field("month", 1, 12, tuple(MONTHS), 1)
_DOW = _Field("day-of-week", 0, 7, tuple(DAYS), 0)


def _value(text: str, f: _Field) -> int:
    upper = text.upper()
    if f.names and upper in f.names:
        return f.names.index(upper) + f.names_start
    if not text.isdigit():
        raise CronError(f"'{text}' is not a valid {f.name} value")
    v = int(text)
    if not f.lo <= v <= f.hi:
        raise CronError(f"{f.name} value {v} is outside {f.lo}-{f.hi}")
    return v


def expand(text: str, f: _Field) -> set[int]:
    """All values a Unix cron field selects (day-of-week 7 folded onto 0)."""
    out: set[int] = set()
    for part in text.split(","):
        if not part:
            raise CronError(f"empty item in {f.name} field '{text}'")
        base, _, step_text = part.partition("/")
        step = 1
        if step_text:
            if not step_text.isdigit() or int(step_text) == 0:
                raise CronError(f"step '{step_text}' in {f.name} field must be a whole number >= 1")
            step = int(step_text)
        if base == "*":
            lo, hi = f.lo, (6 if f is _DOW else f.hi)
        elif "-" in base:
            a, _, b = base.partition("-")
            lo, hi = _value(a, f), _value(b, f)
            if lo > hi:
                raise CronError(f"range {base} in {f.name} field runs backwards")
        else:
            lo = _value(base, f)
            hi = (6 if f is _DOW else f.hi) if step_text else lo
        out.update(range(lo, hi + 1, step))
    if f is _DOW:
        out = {v % 7 for v in out}
    return out


def _compact(values: set[int], lo: int, hi: int) -> str:
    """Shortest of '*', 'start/step' (to the end of the range) and a list of ranges."""
    vals = sorted(values)
    if vals == list(range(lo, hi + 1)):
        return "*"
    if len(vals) > 2:
        step = vals[1] - vals[0]
        if step > 1 and vals == list(range(vals[0], hi + 1, step)) and vals[0] < step + lo:
            return f"{vals[0]}/{step}"
    runs: list[list[int]] = []
    for v in vals:
        if runs and v == runs[-1][-1] + 1:
            runs[-1].append(v)
        else:
            runs.append([v])
    return ",".join(str(r[0]) if len(r) == 1 else f"{r[0]}-{r[-1]}" for r in runs)


def to_quartz(cron: str) -> str:
    """Quartz form of a 5-field Unix cron; raises CronError with the reason."""
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
