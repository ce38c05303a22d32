"""How many examples each fuzz test runs: its own small count in the default run, or
`FUZZ_EXAMPLES` for every test (release checks). The loaded hypothesis profile (tests/
conftest.py: `ci` is derandomized) is the parent of these settings."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any, TypeVar

from hypothesis import HealthCheck, Phase, settings

T = TypeVar("T", bound=Callable[..., Any])


def examples(default: int) -> int:
    value = os.environ.get("FUZZ_EXAMPLES", "")
    return int(value) if value.strip().isdigit() and int(value) > 0 else default


def shrinking() -> bool:
    """Shrink failing examples only in long runs (FUZZ_EXAMPLES) or when FUZZ_SHRINK=1: in the
    default run a failure is reported as found, so a red run stays within its budget."""
    return bool(os.environ.get("FUZZ_EXAMPLES")) or os.environ.get("FUZZ_SHRINK") == "1"


def fuzz(default: int) -> Callable[[T], T]:
    """Settings of one fuzz test: `default` examples unless FUZZ_EXAMPLES says otherwise."""
    phases = tuple(p for p in Phase if shrinking() or p not in (Phase.shrink, Phase.explain))
    return settings(
        max_examples=examples(default),
        phases=phases,
        deadline=None,
        suppress_health_check=[
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
            HealthCheck.large_base_example,
            HealthCheck.function_scoped_fixture,
            HealthCheck.filter_too_much,
        ],
    )
