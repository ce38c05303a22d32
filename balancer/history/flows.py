"""From runs of flows to runs of tables.

The event log names flows, not tables: a cdc or snapshot flow is named after its
destination table, an append flow `source_<table>_append_flow`, the delete flow of a
cdc_with_deletes table `source_<table>_delete_flow`. `resolve_tables(history, tables)` maps
every name a run carries back to the source table it belongs to (a renamed destination
included) and merges the flows of one table in one update into one run: from the first
flow's start to the last flow's end, rows summed, failed if any flow failed. Runs without
an update id are kept as they are. Names that match no table are left for the caller to
report.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

from balancer.model import Catalog, History, Table, TableRuns

FLOW = re.compile(r"^source_(.+)_(?:append|delete|upsert|snapshot)_flow$")


def table_names(tables: Sequence[Table]) -> dict[str, str]:
    """Every name a run may carry -> the source table it belongs to."""
    out: dict[str, str] = {}
    for t in tables:
        dest = t.destination_table or t.source_table
        out.setdefault(dest, t.source_table)
    for t in tables:
        out[t.source_table] = t.source_table  # a source name always means itself
    return out


def _owner(name: str, names: dict[str, str]) -> str:
    if name in names:
        return names[name]
    m = FLOW.match(name)
    if m and m.group(1) in names:
        return names[m.group(1)]
    return name


def _concat(parts: list[TableRuns], table: str) -> TableRuns:
    start = np.concatenate([p.start for p in parts])
    order = np.argsort(start, kind="stable")
    with_bytes = any(p.bytes_written is not None for p in parts)
    return TableRuns(
        table=table,
        start=start[order],
        duration_s=np.concatenate([p.duration_s for p in parts])[order],
        ok=np.concatenate([p.ok for p in parts])[order],
        rows_written=np.concatenate([p.rows_written for p in parts])[order],
        run_id=tuple(np.array([r for p in parts for r in p.run_id], dtype=object)[order]),
        bytes_written=(
            np.concatenate(
                [
                    p.bytes_written if p.bytes_written is not None else np.full(len(p), np.nan)
                    for p in parts
                ]
            )[order]
            if with_bytes
            else None
        ),
    )


def _merge_updates(runs: TableRuns) -> TableRuns:
    """One run per update id: earliest start to latest end."""
    ids = runs.run_id
    if len(set(ids)) == len(ids) or not any(ids):
        return runs
    groups: dict[str, list[int]] = {}
    keep: list[list[int]] = []
    for k, rid in enumerate(ids):
        if not rid:
            keep.append([k])
        elif rid in groups:
            groups[rid].append(k)
        else:
            groups[rid] = [k]
            keep.append(groups[rid])
    end = runs.start + runs.duration_s

    def nansum(values: np.ndarray) -> float:
        return float(np.nansum(values)) if not np.all(np.isnan(values)) else float("nan")

    start = np.array([runs.start[g].min() for g in keep])
    return TableRuns(
        table=runs.table,
        start=start,
        duration_s=np.array([end[g].max() for g in keep]) - start,
        ok=np.array([bool(runs.ok[g].all()) for g in keep]),
        rows_written=np.array([nansum(runs.rows_written[g]) for g in keep]),
        run_id=tuple(ids[g[0]] for g in keep),
        bytes_written=(
            np.array([nansum(runs.bytes_written[g]) for g in keep])
            if runs.bytes_written is not None
            else None
        ),
    )


def resolve_tables(history: History, tables: Sequence[Table]) -> History:
    """The history with runs filed under their source tables, one run per table and update."""
    names = table_names(tables)
    grouped: dict[str, list[TableRuns]] = {}
    for name, runs in history.runs.items():
        grouped.setdefault(_owner(name, names), []).append(runs)
    out = {}
    for table in sorted(grouped):
        parts = grouped[table]
        merged = parts[0] if len(parts) == 1 and parts[0].table == table else _concat(parts, table)
        out[table] = _merge_updates(merged)
    return History(out, history.path, history.digest, history.warnings)


def unknown_table_warnings(history: History, catalog: Catalog) -> tuple[History, list[str]]:
    """Drop runs of tables the catalog does not list, saying which."""
    known = {t.source_table for t in catalog.tables}
    unknown = sorted(t for t in history.runs if t not in known)
    if not unknown:
        return history, []
    shown = ", ".join(unknown[:5]) + (", ..." if len(unknown) > 5 else "")
    count = sum(len(history.runs[t]) for t in unknown)
    kept = {t: r for t, r in history.runs.items() if t in known}
    message = (
        f"{history.path}: {count} run(s) of {len(unknown)} table(s) not in {catalog.path or 'the catalog'} "
        f"are ignored: {shown}."
    )
    return History(kept, history.path, history.digest, history.warnings), [message]
