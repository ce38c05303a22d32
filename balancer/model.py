"""The validated data types everything else passes around. All frozen.

`Table` is one row of tables.csv after validation; `Catalog` is the whole file. `Run` is one
row of runs.csv. `CostEstimate` is the estimator's answer for one table. `Settings` are the
knobs of one solve; `PipelinePlan` and `Plan` are the answer (see `balancer.io.planio` for
plan.json).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field, fields
from typing import Literal, NamedTuple

import numpy as np

from balancer.errors import InputError, Location
from balancer.limits import Bound, limit, setting_problem
from balancer.table_options import IngestionControls

INGESTION_TYPES = ("snapshot", "append", "cdc", "cdc_with_deletes")
INCREMENTAL_TYPES = ("append", "cdc", "cdc_with_deletes")
GROUP_BY_MODES = ("none", "ingestion_type", "category", "category_and_ingestion_type")
DEFAULT_SCHEDULES = {
    "snapshot": "0 0 * * *",
    "append": "*/15 * * * *",
    "cdc": "*/5 * * * *",
    "cdc_with_deletes": "*/5 * * * *",
    "unknown": "0 0 * * *",
}
UNCATEGORIZED = "uncategorized"  # the category of a table that has none
MAX_TABLES_CEILING = 1000
MAX_RUN_S = 7 * 86_400  # no table's run takes a week: a larger number is a mistake in the data
DEFAULT_MAX_TABLES = 250

WheelRole = Literal["framework", "connector", "balancer"]
PlanStatus = Literal["OPTIMAL", "FEASIBLE"]  # OPTIMAL: the makespan meets the proven bound
SolveStatus = Literal["OPTIMAL", "FEASIBLE", "INFEASIBLE"]  # of one pipeline count
GroupBy = Literal["none", "ingestion_type", "category", "category_and_ingestion_type"]
Objective = Literal["balanced", "cost", "batch-window", "freshness", "makespan"]
OBJECTIVES: tuple[Objective, ...] = ("balanced", "cost", "batch-window", "freshness", "makespan")
DEFAULT_SLA_HEADROOM = 0.8  # a run may use 80% of its interval: room for a slow day
DEFAULT_BATCH_WINDOW_S = 4 * 3600  # daily and slower pipelines finish within 4 hours
DEFAULT_CONCURRENCY = 4  # flows at once when no history shows per-flow times
# Pipelines of one schedule at once (planning.stagger): they share the source's rate limit; the
# workspace cap (1,000 pipeline updates, docs: ldp/limitations) never binds at 3-8 pipelines.
DEFAULT_MAX_CONCURRENT = 2
CostSource = Literal["history", "weight", "similar", "fallback"]


@dataclass(frozen=True)
class Wheel:
    """One wheel file the pipelines or jobs install: its file name, bytes and what it carries."""

    file_name: str
    data: bytes
    role: WheelRole


@dataclass(frozen=True)
class Table:
    """One source table and the rules that bind it. `row` is its data row in tables.csv."""

    source_table: str
    destination_table: str = ""
    category: str = ""
    ingestion_type: str = "unknown"
    schedule: str = "0 0 * * *"
    schedule_is_default: bool = False  # True only where tables.csv left it empty (io.tables)
    weight: float | None = None
    primary_keys: tuple[str, ...] = ()
    cursor_field: str = ""
    table_configuration: tuple[tuple[str, str], ...] = ()  # connector options, as strings
    scd_type: str = ""
    sequence_by: tuple[str, ...] = ()
    cluster_by: tuple[str, ...] = ()
    pin: str | None = None
    together: str | None = None
    apart: tuple[str, ...] = ()
    extra: tuple[tuple[str, str], ...] = ()
    row: int = 0

    @property
    def name(self) -> str:
        return self.source_table

    @property
    def category_label(self) -> str:
        return self.category or UNCATEGORIZED

    @property
    def controls(self) -> IngestionControls:
        """Ingestion controls: the cursor field is the default `sequence_by` of cdc tables."""
        sequence = self.sequence_by
        if (
            not sequence
            and self.cursor_field
            and self.ingestion_type in ("cdc", "cdc_with_deletes")
        ):
            sequence = (self.cursor_field,)
        return IngestionControls(self.scd_type, self.primary_keys, sequence, self.cluster_by)

    def group_value(self, group_by: str) -> str:
        """The purity group this table belongs to under a --group-by mode."""
        category = self.category_label
        if group_by == "none":
            return "all"
        if group_by == "ingestion_type":
            return self.ingestion_type
        if group_by == "category":
            return category
        return f"{category}__{self.ingestion_type}"


@dataclass(frozen=True)
class Catalog:
    """All tables of a connector, in file order, plus what the reader warned about."""

    tables: tuple[Table, ...]
    path: str = ""
    digest: str = ""
    warnings: tuple[str, ...] = ()

    def by_name(self) -> dict[str, Table]:
        return {t.source_table: t for t in self.tables}


class Run(NamedTuple):
    """One table's part in one pipeline update. Times are UTC epoch seconds.

    A convenient row form; `History` keeps runs as columns (`TableRuns`).
    """

    table: str
    start: float
    duration_s: float
    status: str  # "COMPLETED", "FAILED", ... upper case; "" when not given
    run_id: str = ""
    pipeline_id: str = ""
    rows_written: float | None = None
    bytes_written: float | None = None


# The statuses a run can have (pipeline update, flow progress and job run states, and their
# usual spellings). Only a succeeded run measures a table's cost; a failed, cancelled or
# unfinished one does not, and neither does one of any status not listed (readers warn).
SUCCEEDED_STATUSES = frozenset({"", "COMPLETED", "SUCCESS", "SUCCEEDED"})
FAILED_STATUSES = frozenset(
    {
        *("FAILED", "FAILURE", "ERROR", "ERRORED", "INTERNAL_ERROR", "UPSTREAM_FAILED"),
        *("CANCELED", "CANCELLED", "UPSTREAM_CANCELED", "ABORTED", "TIMEDOUT", "TIMED_OUT"),
        *("SKIPPED", "EXCLUDED", "STOPPED", "MAXIMUM_CONCURRENT_RUNS_REACHED"),
        *("QUEUED", "CREATED", "WAITING_FOR_RESOURCES", "INITIALIZING", "RESETTING"),
        *("SETTING_UP_TABLES", "PLANNING", "STARTING", "RUNNING", "STOPPING", "IDLE"),
    }
)


@dataclass(frozen=True, eq=False)
class TableRuns:
    """One table's runs as columns, sorted by start time. NaN marks unknown rows_written."""

    table: str
    start: np.ndarray
    duration_s: np.ndarray
    ok: np.ndarray  # False for failed, cancelled, ... runs
    rows_written: np.ndarray
    run_id: tuple[str, ...]
    bytes_written: np.ndarray | None = None  # NaN where unknown; None when never given

    def __len__(self) -> int:
        return len(self.start)


@dataclass(frozen=True, eq=False)
class History:
    """Runs grouped by table."""

    runs: dict[str, TableRuns] = field(default_factory=dict)
    path: str = ""
    digest: str = ""
    warnings: tuple[str, ...] = ()

    @property
    def n_runs(self) -> int:
        return sum(len(r) for r in self.runs.values())

    @staticmethod
    def from_runs(
        runs: Iterable[Run], path: str = "", digest: str = "", warnings: tuple[str, ...] = ()
    ) -> History:
        """Group row-form runs by table (sorted by table, then start time)."""
        by_table: dict[str, list[Run]] = {}
        for r in runs:
            by_table.setdefault(r.table, []).append(r)
        out = {}
        for table in sorted(by_table):
            rs = sorted(by_table[table], key=lambda r: r.start)
            out[table] = TableRuns(
                table=table,
                start=np.array([r.start for r in rs], dtype=np.float64),
                duration_s=np.array([r.duration_s for r in rs], dtype=np.float64),
                ok=np.array([r.status in SUCCEEDED_STATUSES for r in rs], dtype=bool),
                rows_written=np.array(
                    [np.nan if r.rows_written is None else r.rows_written for r in rs],
                    dtype=np.float64,
                ),
                run_id=tuple(r.run_id for r in rs),
                bytes_written=np.array(
                    [np.nan if r.bytes_written is None else r.bytes_written for r in rs],
                    dtype=np.float64,
                ),
            )
        return History(out, path, digest, warnings)


@dataclass(frozen=True)
class CostEstimate:
    """Predicted seconds for one scheduled run of a table, and where the number came from."""

    table: str
    seconds: float
    p50: float
    p90: float
    source: CostSource
    runs_used: int = 0
    growth_per_day: float = 0.0
    note: str = ""
    # `seconds` is for runs `interval_s` apart (0: does not scale); fixed_s + per_min_s x minutes
    # of data, fitted from the history's gaps, both 0 when every run came `history_interval_s`
    # apart (the upper-bound rule of balancer.history.estimator.at_interval).
    fixed_s: float = 0.0
    per_min_s: float = 0.0
    interval_s: float = 0.0
    history_interval_s: float = 0.0


@dataclass(frozen=True)
class Settings:
    """Everything that shapes a plan besides the inputs. Stored in plan.json.

    Each field declares the values it takes (`Bound`, in its metadata); construction checks
    them all (the Python API, plan.json and the CLI alike: the CLI's options take their
    bounds and defaults from here), so a Settings that exists is valid."""

    pipelines_min: int = field(
        default=3, metadata=limit("--pipelines", low=1, high=10_000, integer=True, kind=int)
    )
    pipelines_max: int = field(
        default=8, metadata=limit("--pipelines", low=1, high=10_000, integer=True, kind=int)
    )
    group_by: GroupBy = field(
        default="ingestion_type", metadata=limit("--group-by", choices=GROUP_BY_MODES, kind=str)
    )
    max_tables_per_pipeline: int = field(
        default=DEFAULT_MAX_TABLES,
        metadata=limit(
            "--max-tables-per-pipeline", low=1, high=MAX_TABLES_CEILING, integer=True, kind=int
        ),
    )
    allow_mixed_schedules: bool = field(
        default=False, metadata=limit("--allow-mixed-schedules", kind=bool)
    )
    sla_headroom: float | None = field(
        # None: schedule fit is not checked
        default=DEFAULT_SLA_HEADROOM,
        metadata=limit("--sla-headroom", low=0, high=100, open_low=True, optional=True),
    )
    batch_window_s: int = field(
        default=DEFAULT_BATCH_WINDOW_S,
        metadata=limit("--batch-window", low=1, high=7 * 86_400, integer=True, kind=int),
    )
    objective: Objective = field(
        default="balanced", metadata=limit("--objective", choices=OBJECTIVES, kind=str)
    )
    price_per_hour: float | None = field(
        default=None, metadata=limit("--price-per-hour", low=0, high=1e6, optional=True)
    )
    time_limit_s: float = field(
        default=10.0, metadata=limit("--time-limit", low=0, high=86_400, open_low=True)
    )
    k_tolerance: float = field(default=0.05, metadata=limit("--k-tolerance", low=0, high=10))
    makespan_tolerance: float = field(default=0.0, metadata=limit("", low=0, high=10))
    spread_tolerance: float = field(default=0.01, metadata=limit("", low=0, high=10))
    overhead_s: int = field(
        default=60, metadata=limit("--overhead", low=0, high=86_400, integer=True, kind=int)
    )
    concurrency: int = field(
        # flows at once; calibrated from history when it can
        default=DEFAULT_CONCURRENCY,
        metadata=limit("--concurrency", low=1, high=1000, integer=True, kind=int),
    )
    concurrency_calibrated: bool = field(default=True, metadata=limit("--concurrency", kind=bool))
    half_life_days: float = field(default=7.0, metadata=limit("", low=0, high=3650, open_low=True))
    seed: int = field(
        default=0, metadata=limit("--seed", low=0, high=2**31 - 1, integer=True, kind=int)
    )
    name: str = field(default="lakeflow", metadata=limit("--name", kind=str))
    max_concurrent_pipelines: int = field(  # 0: no cap, every pipeline starts on its trigger
        default=DEFAULT_MAX_CONCURRENT,
        metadata=limit("--max-concurrent-pipelines", low=0, high=1000, integer=True, kind=int),
    )
    workers: int = field(default=2, metadata=limit("", low=1, high=64, integer=True, kind=int))

    def __post_init__(self) -> None:
        for f in fields(self):
            bound: Bound = f.metadata["bound"]
            problem = setting_problem(bound, getattr(self, f.name))
            if problem:
                via = f" ({bound.flag})" if bound.flag else ""
                raise InputError(
                    f"setting {f.name}{via}: {problem}.",
                    fix=f"give {bound.flag or f.name} a value it takes"
                    + (" (see `balancer solve --help`)." if bound.flag else "."),
                    where=Location(column=bound.flag or f.name),
                )
        if self.pipelines_max < self.pipelines_min:
            raise InputError(
                f"setting pipelines_max ({self.pipelines_max}) is below pipelines_min "
                f"({self.pipelines_min}).",
                fix="use MIN..MAX with MIN <= MAX.",
                where=Location(column="--pipelines"),
            )

    @staticmethod
    def bound(name: str) -> Bound:
        """The values setting `name` takes."""
        found: Bound = next(f.metadata["bound"] for f in fields(Settings) if f.name == name)
        return found


@dataclass(frozen=True)
class PipelinePlan:
    """One pipeline of a plan. `load_s` is the sum of its tables' costs."""

    key: str
    name: str
    group: str
    schedule: str
    tables: tuple[str, ...]
    load_s: int
    runtime_s: int
    pin: str | None = None
    p90_runtime_s: int = 0
    start_offset_min: int = 0  # minutes after each trigger of `schedule` (planning.stagger)


@dataclass(frozen=True)
class KResult:
    """What the solver found for one pipeline count."""

    k: int
    makespan_s: int
    lower_bound_s: int
    status: SolveStatus
    compute_s_per_day: int = 0
    batch_window_s: int = 0


@dataclass(frozen=True)
class Plan:
    """A complete, validated assignment of every table to one pipeline."""

    settings: Settings
    pipelines: tuple[PipelinePlan, ...]
    estimates: tuple[CostEstimate, ...]
    makespan_s: int
    lower_bound_s: int
    spread_s: int
    category_splits: int
    status: PlanStatus
    deterministic_time: float
    k_results: tuple[KResult, ...] = ()
    inputs: tuple[tuple[str, str], ...] = ()
    warnings: tuple[str, ...] = ()
    moves: tuple[tuple[str, str, str], ...] = ()
    tool: str = ""
    tables: tuple[Table, ...] = ()
    format: int = 1
    deployment_id: str = ""

    @property
    def gap(self) -> float:
        if self.lower_bound_s <= 0:
            return 0.0
        return (self.makespan_s - self.lower_bound_s) / self.lower_bound_s

    def pipeline_of(self) -> dict[str, str]:
        return {t: p.key for p in self.pipelines for t in p.tables}


def category_splits(pipelines: Iterable[Iterable[str]]) -> int:
    """Sum over categories of (pipelines holding it - 1); each pipeline given by its tables'
    categories."""
    touching: Counter[str] = Counter()
    for categories in pipelines:
        touching.update(set(categories))
    return sum(v - 1 for v in touching.values())
