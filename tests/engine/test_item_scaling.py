"""An item's p90 at a longer interval, as the schedule-fit advice computes it: the fixed part
stays, the rest grows with the data; a history that could not tell the parts apart is an upper
bound up to its own interval, then grows in proportion (as `estimator.at_interval`)."""

from __future__ import annotations

import pytest

from balancer.engine.instance import Item


def _item(p90: int, fixed: int = 0, flat: int = 0) -> Item:
    return Item("t", p90, ("t",), ("c",), "cdc@*/5", fit_fixed=fixed, fit_flat_until=flat)


@pytest.mark.parametrize(
    ("p90", "fixed", "flat", "interval", "now", "expected"),
    [
        (600, 0, 0, 3600, 300, 7200),  # all variable: x12
        (600, 300, 0, 3600, 300, 300 + 300 * 12),  # the fixed part stays
        (600, 600, 0, 3600, 300, 600),  # all fixed: never grows
        (600, 0, 3600, 3600, 300, 600),  # cost at the history's hourly gaps: the same hourly
        (600, 0, 3600, 7200, 300, 1200),  # beyond it, in proportion
        (600, 0, 900, 1800, 900, 1200),
    ],
)
def test_p90_at_a_longer_interval(
    p90: int, fixed: int, flat: int, interval: int, now: int, expected: int
) -> None:
    assert _item(p90, fixed, flat).p90_at(interval, now) == expected
