"""The rules, one module each, all behind one interface (`base.Rule`).

`RULES` is the one tuple every consumer loops over: the instance builder (checks), the
solver (how many pipelines a pool needs), both CP-SAT models (a pool's stages and the moves
of a rebalance) and the checker (violations). Its order is the order in which checks run
and constraints are posted.
"""

from __future__ import annotations

from balancer.engine.rules.apart import Apart
from balancer.engine.rules.base import BaseRule, Need, Rule
from balancer.engine.rules.nonempty import NonEmpty
from balancer.engine.rules.pins import Pins
from balancer.engine.rules.purity import Purity
from balancer.engine.rules.schedule import Schedule
from balancer.engine.rules.schedule_fit import ScheduleFit
from balancer.engine.rules.symmetry import Symmetry
from balancer.engine.rules.table_cap import TableCap
from balancer.engine.rules.together import Together

RULES: tuple[Rule, ...] = (
    Purity(),
    Schedule(),
    Together(),
    Pins(),
    NonEmpty(),
    TableCap(),
    Apart(),
    ScheduleFit(),
    Symmetry(),
)

__all__ = ["RULES", "BaseRule", "Need", "Rule"]
