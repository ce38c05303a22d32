"""The migration runbook for moved streaming tables, with correctly quoted SQL.

Names reach Markdown only as code spans and fenced blocks (`balancer.quoting`), so no name
can add a heading or a step. Moving streaming tables between pipelines is an operation, done
once per pair of pipelines: stop the source pipeline, take the tables out of its definition, hand the table to the destination pipeline with
`ALTER STREAMING TABLE ... SET TBLPROPERTIES ("pipelines.pipelineId" = ...)`, deploy the
destination, restart. Identifiers are backtick-quoted (a backtick inside is doubled) and the
id is a single-quoted SQL string, so any table name is safe.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from balancer.quoting import md_code, md_fence, quote_identifier, quote_string


@dataclass(frozen=True)
class Move:
    """One table leaving one pipeline for another."""

    table: str
    source: str
    destination: str
    cost_s: int
    weight: float


def qualified(catalog: str, schema: str, table: str) -> str:
    return ".".join(quote_identifier(p) for p in (catalog, schema, table))


def alter_statement(catalog: str, schema: str, table: str, pipeline_id: str) -> str:
    return (
        f"ALTER STREAMING TABLE {qualified(catalog, schema, table)} "
        f"SET TBLPROPERTIES ({quote_string('pipelines.pipelineId')} = {quote_string(pipeline_id)});"
    )


def pipeline_id_of(key: str, ids: Mapping[str, str]) -> str:
    return ids.get(key, f"<id of pipeline {key}>")


def by_pair(moves: Sequence[Move]) -> list[tuple[tuple[str, str], list[Move]]]:
    """Moves grouped by (source, destination) pipeline, in order of first appearance."""
    groups: dict[tuple[str, str], list[Move]] = {}
    for m in moves:
        groups.setdefault((m.source, m.destination), []).append(m)
    return list(groups.items())


def runbook(
    moves: Sequence[Move],
    destinations: Mapping[str, tuple[str, str, str]],
    ids: Mapping[str, str],
) -> str:
    """Markdown runbook, one section per pair of pipelines: stop the source once, deploy it
    without all its leaving tables, hand them over in one SQL batch, deploy the destination
    once, restart both.

    `destinations[table]` is (catalog, schema, destination table name); `ids` maps
    pipeline keys to pipeline ids where known (placeholders otherwise).
    """
    lines = ["# Rebalance runbook", ""]
    if not moves:
        return "\n".join([*lines, "No table moves.", ""])
    if any(m.source not in ids or m.destination not in ids for m in moves):
        lines += [
            "Pipeline ids are shown as `<id of pipeline KEY>` where unknown: find them with",
            "`databricks pipelines list-pipelines` (match the name exactly) and substitute.",
            "",
        ]
    for n, ((source, destination), group) in enumerate(by_pair(moves), start=1):
        statements = []
        for m in group:
            catalog, schema, name = destinations[m.table]
            statements.append(
                alter_statement(catalog, schema, name, pipeline_id_of(destination, ids))
            )
        sql = md_fence("\n".join(statements), "sql")
        names = ", ".join(md_code(m.table) for m in group)
        lines += [
            f"## {n}. {md_code(source)} -> {md_code(destination)}: {len(group)} table(s)",
            "",
            f"Tables: {names}.",
            "",
            f"1. Stop pipeline `{source}` (`databricks pipelines stop {pipeline_id_of(source, ids)}`) "
            "and wait until it is idle.",
            f"2. Deploy `{source}` without these tables: its new definition no longer lists them.",
            "3. Hand the tables to the destination pipeline:",
            "",
            *("   " + line if line else "" for line in sql.split("\n")),
            f"4. Deploy `{destination}` with the tables in its definition.",
            f"5. Restart `{source}` and `{destination}`; check that `{destination}` updates the tables.",
            "",
        ]
    return "\n".join(lines)


def sql_script(
    moves: Sequence[Move], destinations: Mapping[str, tuple[str, str, str]], ids: Mapping[str, str]
) -> str:
    out = ["-- lakeflow-balancer: run after the source pipelines are stopped and redeployed."]
    for m in moves:
        catalog, schema, name = destinations[m.table]
        out.append(alter_statement(catalog, schema, name, pipeline_id_of(m.destination, ids)))
    return "\n".join(out) + "\n"
