"""Every plan read is checked as the solver's own plans are: plan.json is a file anyone can
edit, so render, deploy, rebalance and the history commands run the solver-free checker
(`balancer.engine.checker`) on the plan they read, with the plan's own settings (which
validated themselves when the plan was read).

A rule a plan breaks (a table out of its pin, a snapshot table in a 15-minute append
pipeline, 1,099 tables in one pipeline, a pipeline over its schedule with schedule fit on)
is named first; figures that no longer add up (a table moved by hand changes two loads)
come after. A plan that carries no tables (they are what the rules read) cannot be checked
and is refused as well.
"""

from __future__ import annotations

from pathlib import Path

from balancer.engine.checker import figure_problems, rule_violations
from balancer.errors import InputError, Location
from balancer.io import planio
from balancer.model import Plan

SHOWN = 3


def read_plan(path: str | Path) -> Plan:
    """plan.json, parsed (`planio`: JSON, fields, names, the tables' checksum) and checked."""
    return checked(planio.parse_plan_file(path), str(path))


def checked(plan: Plan, path: str) -> Plan:
    """`plan` when it keeps every rule and its figures add up; else exit 2 naming the first
    problems (rule violations first) and how many there are."""
    where = Location(path)
    if not plan.tables:
        raise InputError(
            "the plan carries no tables, so its rules cannot be checked.",
            fix="solve it again with `balancer solve` (plans embed their tables since format 1).",
            where=where,
        )
    rules = rule_violations(plan, plan.tables)
    # planio's plan_problem already put every table in exactly one pipeline
    problems = rules or figure_problems(plan, plan.tables)
    if not problems:
        return plan
    more = f" (and {len(problems) - SHOWN} more)" if len(problems) > SHOWN else ""
    what = "breaks its rules" if rules else "does not add up"
    raise InputError(
        f"the plan {what}: {'; '.join(problems[:SHOWN])}{more}.",
        fix=(
            "plan.json is the solver's output: change tables.csv (schedule, pin, together, apart) "
            "or the settings and run `balancer solve` again, or move tables with `balancer "
            "rebalance`."
        ),
        where=where,
    )
