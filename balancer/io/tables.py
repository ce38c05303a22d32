"""tables.csv: the table catalog, including the seed toolkit's CSVs.

Accepted columns: source_table (required), destination_table, category, ingestion_type,
schedule, weight, primary_keys, cursor_field, table_configuration_json, pin, together, apart;
and the seed's connection_name, destination_catalog, destination_schema, pipeline_group,
table_options_json (an alias of table_configuration_json). Other columns are reported and
ignored. `weight` is a table's cost in seconds (how long one run of it takes), used when the
run history has none of its runs.
"""

from __future__ import annotations

import math
from pathlib import Path

from balancer.errors import InputError, Location
from balancer.io.files import csv_rows, digest, read_bytes
from balancer.jsondoc import MAX_VALUE_BYTES, load_json
from balancer.model import INGESTION_TYPES, MAX_RUN_S, Catalog, Table
from balancer.names import collision_text, plain_name_problem, table_collision, table_name_problem
from balancer.schedules import cron_problem, default_schedule, normalize
from balancer.table_options import options_from_json

KNOWN = (
    "source_table",
    "destination_table",
    "category",
    "ingestion_type",
    "schedule",
    "weight",
    "primary_keys",
    "cursor_field",
    "table_configuration_json",
    "pin",
    "together",
    "apart",
)
SEED = (
    "connection_name",
    "destination_catalog",
    "destination_schema",
    "pipeline_group",
    "table_options_json",
)


def read_tables(path: str | Path, schedules: dict[str, str] | None = None) -> Catalog:
    """Read and validate tables.csv. `schedules` overrides the per-ingestion-type defaults."""
    path = str(path)
    data = read_bytes(path, "tables")
    header, rows = csv_rows(data, path, "tables")
    warnings = _check_header(header, path)
    col = {h: k for k, h in enumerate(header) if h}
    tables: list[Table] = []
    first_row: dict[str, int] = {}
    for number, cells in rows:
        t = _table(cells, col, Location(path, number), schedules or {})
        if t.source_table in first_row:
            raise InputError(
                f"table '{t.source_table}' is listed twice (first in row {first_row[t.source_table]}).",
                fix="keep one row per table.",
                where=Location(path, number, "source_table"),
            )
        first_row[t.source_table] = number
        tables.append(t)
    pair = table_collision(tables, lambda t, column: Location(path, t.row, column))
    if pair:
        raise InputError(
            collision_text(pair),
            fix="give one of the two rows another destination_table (tables Unity Catalog "
            "cannot tell apart would be one table, written by two flows).",
            where=pair[1].where,
        )
    if not tables:
        raise InputError(
            "the tables file has a header but no tables.",
            fix="add one row per source table.",
            where=Location(path),
        )
    unknown_types = [t.source_table for t in tables if t.ingestion_type == "unknown"]
    if unknown_types:
        shown = ", ".join(unknown_types[:5]) + (", ..." if len(unknown_types) > 5 else "")
        warnings.append(
            f"{path}: {len(unknown_types)} table(s) have no ingestion_type ({shown}); they are "
            "grouped as 'unknown' with a daily schedule."
        )
    return Catalog(tables=tuple(tables), path=path, digest=digest(data), warnings=tuple(warnings))


def _check_header(header: list[str], path: str) -> list[str]:
    """Refuse a header the file cannot be read with; warn about what it ignores."""
    if "source_table" not in header:
        raise InputError(
            f"required column 'source_table' is missing (found: {', '.join(h for h in header if h)}).",
            fix="add a source_table column with one table name per row.",
            where=Location(path, 1, "source_table"),
        )
    warnings: list[str] = []
    unknown = [h for h in header if h and h not in KNOWN and h not in SEED]
    if unknown:
        warnings.append(f"{path}: ignoring unknown columns {', '.join(unknown)}.")
    if "table_configuration_json" in header and "table_options_json" in header:
        raise InputError(
            "both table_configuration_json and table_options_json are present; they mean the same.",
            fix="keep one of them.",
            where=Location(path, 1, "table_options_json"),
        )
    if "pipeline_group" in header:
        warnings.append(
            f"{path}: column pipeline_group (the seed toolkit's fixed grouping) is kept for "
            "reference but not used: lakeflow-balancer chooses pipelines itself; use 'together' "
            "to keep tables in one pipeline."
        )
    return warnings


def _table(
    cells: list[str], col: dict[str, int], row: Location, overrides: dict[str, str]
) -> Table:
    """One data row as a Table; `row` is the file and row number."""

    def cell(name: str) -> str:
        k = col.get(name)
        return cells[k].strip() if k is not None else ""

    def at(column: str) -> Location:
        return Location(row.file, row.row, column)

    name = cell("source_table")
    if not name:
        raise InputError(
            "source_table is empty.",
            fix="name the table or delete the row.",
            where=at("source_table"),
        )
    extra = tuple((k, cell(k)) for k in SEED if k in col and k != "table_options_json" and cell(k))
    named = table_name_problem(Table(name, cell("destination_table") or name, extra=extra))
    if named:
        raise InputError(named.problem, fix=named.fix, where=at(named.column))
    itype = cell("ingestion_type").lower() or "unknown"
    if itype not in INGESTION_TYPES and itype != "unknown":
        raise InputError(
            f"ingestion_type '{cell('ingestion_type')}' is not one of "
            f"{', '.join(INGESTION_TYPES)} (or unknown).",
            fix="use one of those values, or leave it empty.",
            where=at("ingestion_type"),
        )
    schedule = normalize(cell("schedule"))
    is_default = not schedule
    if is_default:
        schedule = overrides.get(itype) or default_schedule(itype)
    problem = cron_problem(schedule)
    if problem:
        raise InputError(
            problem, fix="write a 5-field cron such as '*/15 * * * *'.", where=at("schedule")
        )
    options_col = (
        "table_options_json" if "table_options_json" in col else "table_configuration_json"
    )
    controls, options = options_from_json(cell(options_col), at(options_col))
    keys = _keys(cell("primary_keys"), at("primary_keys"))
    if keys and controls.primary_keys and keys != controls.primary_keys:
        raise InputError(
            f"primary_keys {list(keys)} and the primary_keys in {options_col} "
            f"{list(controls.primary_keys)} differ.",
            fix="give the keys in one place.",
            where=at(options_col),
        )
    return Table(
        source_table=name,
        destination_table=cell("destination_table") or name,
        category=cell("category"),
        ingestion_type=itype,
        schedule=schedule,
        schedule_is_default=is_default,
        weight=_weight(cell("weight"), at("weight")),
        primary_keys=keys or controls.primary_keys,
        cursor_field=cell("cursor_field"),
        table_configuration=options,
        scd_type=controls.scd_type,
        sequence_by=controls.sequence_by,
        cluster_by=controls.cluster_by,
        pin=_pin(cell("pin"), at("pin")),
        together=cell("together") or None,
        apart=tuple(sorted({a.strip() for a in cell("apart").split(";") if a.strip()})),
        extra=extra,
        row=row.row or 0,
    )


def _weight(text: str, where: Location) -> float | None:
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        raise InputError(
            f"weight '{text}' is not a number.",
            fix="give the cost in seconds, e.g. 120, or leave it empty.",
            where=where,
        ) from None
    if not math.isfinite(value) or not 0 <= value <= MAX_RUN_S:
        raise InputError(
            f"weight {text} must be a number of seconds from 0 to {MAX_RUN_S} (a week).",
            fix="give the cost of one run in seconds, e.g. 120.",
            where=where,
        )
    return value


def _keys(text: str, where: Location) -> tuple[str, ...]:
    if not text:
        return ()
    if text.startswith("["):
        value = load_json(text, where, what="primary_keys list", max_bytes=MAX_VALUE_BYTES)
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise InputError(
                "primary_keys must be a JSON list of column names.",
                fix='write a JSON list such as ["id"].',
                where=where,
            )
        return tuple(value)
    return tuple(k.strip() for k in text.split(",") if k.strip())


def _pin(text: str, where: Location) -> str | None:
    if not text:
        return None
    problem = plain_name_problem(text, dots=False)
    if problem:
        raise InputError(
            f"pin '{text}' cannot name a pipeline: it {problem} "
            "(it becomes the pipeline's key in the bundle).",
            fix="rename the pin, e.g. 'timeseries_hot'.",
            where=where,
        )
    return text
