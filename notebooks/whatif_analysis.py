# Databricks notebook source
# MAGIC %md
# MAGIC # What-if analysis for a load-balanced connector
# MAGIC
# MAGIC Sweep the number of pipelines, grow the tables, and compare plans side by side.
# MAGIC History comes from a runs.csv, or (on Databricks) from a pipeline's event log.
# MAGIC Open it from a Git folder of the lakeflow-balancer repository: the next cell installs
# MAGIC the package from that folder (or replace `..` with the wheel `balancer deploy` uploads
# MAGIC to a volume), and relative widget paths are taken from this notebook's folder.
# MAGIC Outside Databricks the widgets take their defaults (or `BALANCER_WIDGET_<NAME>`).

# COMMAND ----------

# MAGIC %pip install ..

# COMMAND ----------

try:
    dbutils  # type: ignore[used-before-def]  # noqa: B018
except NameError:
    from balancer.databricks.notebook import dbutils
try:
    display  # type: ignore[used-before-def]  # noqa: B018
except NameError:  # outside Databricks: print tables whole (pandas would cut columns)

    def display(obj: object) -> None:
        to_string = getattr(obj, "to_string", None)
        print(to_string() if callable(to_string) else obj)


dbutils.widgets.text("connector", "osipi", "Connector")
dbutils.widgets.text("tables_path", "../examples/osipi/tables.csv", "tables.csv")
dbutils.widgets.text(
    "history_path", "../examples/osipi/runs.csv", "runs.csv (empty: use event-log tables)"
)
dbutils.widgets.text(
    "event_log_tables", "", "Published event-log tables, comma-separated (catalog.schema.table)"
)
dbutils.widgets.text("k_range", "3..8", "Pipelines to compare (MIN..MAX)")
dbutils.widgets.text("growth", "1.5", "Growth factor of the scenario (1.5: 50% slower)")
dbutils.widgets.text(
    "growth_category", "asset_framework", "Category that grows (empty: every table)"
)
dbutils.widgets.dropdown(
    "group_by",
    "ingestion_type",
    ["none", "ingestion_type", "category", "category_and_ingestion_type"],
    "Group by",
)
dbutils.widgets.text("charts_dir", "/tmp/balancer_whatif", "Folder for the charts")

# COMMAND ----------

import dataclasses
from pathlib import Path

import balancer

connector = dbutils.widgets.get("connector")
k_low, k_high = (int(x) for x in dbutils.widgets.get("k_range").split(".."))
growth = float(dbutils.widgets.get("growth"))
charts = Path(dbutils.widgets.get("charts_dir"))
charts.mkdir(parents=True, exist_ok=True)

here = globals().get("__file__")
history_path = dbutils.widgets.get("history_path")
base = balancer.WhatIf.load(
    balancer.notebook_path(dbutils.widgets.get("tables_path"), here),
    balancer.notebook_path(history_path, here) if history_path else None,
    name=connector,
    group_by=dbutils.widgets.get("group_by"),
    time_limit_s=5.0,
)
event_logs = [t.strip() for t in dbutils.widgets.get("event_log_tables").split(",") if t.strip()]
if not history_path and event_logs:
    history = balancer.history_from_spark(spark, event_logs)  # noqa: F821
    base = dataclasses.replace(base, history=history)
print(f"{len(base.catalog.tables)} tables, {base.history.n_runs if base.history else 0} runs")

# COMMAND ----------

# MAGIC %md ## Sweep the number of pipelines

# COMMAND ----------

plans, refused = base.sweep(range(k_low, k_high + 1))
reference = list(plans)[-1]  # the most pipelines that fit
display(balancer.readable(balancer.compare(plans, base_plan=plans[reference], refused=refused)))

# COMMAND ----------

sweep_chart = balancer.makespan_vs_k(
    {int(k[2:]): p for k, p in plans.items()}, charts / "makespan_vs_k.png"
)
bars_chart = balancer.pipeline_bars(plans[reference], charts / "pipelines.png")
print(sweep_chart, bars_chart)

# COMMAND ----------

# MAGIC %md ## Scenario: a category's tables grow (or every table's)

# COMMAND ----------

grows = dbutils.widgets.get("growth_category")
scenario = (
    balancer.Scenario(f"{grows} x{growth:g}", pipelines=k_high, category_growth={grows: growth})
    if grows
    else balancer.Scenario(f"growth x{growth:g}", pipelines=k_high, growth=growth)
)
outcome = base.try_run(scenario, current=plans[reference])
images = {"Makespan against K": sweep_chart, reference: bars_chart}
if isinstance(outcome, balancer.Plan):
    plans[scenario.name] = outcome
    images["Before and after"] = balancer.before_after(
        plans[reference], outcome, charts / "before_after.png", (reference, scenario.name)
    )
else:  # an answer too: the scenario cannot keep its schedules, and why
    refused[scenario.name] = outcome.message
    print(f"{scenario.name} does not fit: {outcome.message}")
comparison = balancer.compare(plans, base_plan=plans[reference], refused=refused)
display(balancer.readable(comparison))
report = balancer.html_report(
    f"{connector} what-if", balancer.readable(comparison), images, charts / "report.html"
)
try:
    displayHTML(report.read_text())  # type: ignore[name-defined]
except NameError:
    print(f"charts and report in {charts}")

# COMMAND ----------

# MAGIC %md ## The scenario's plan

# COMMAND ----------

balancer.print_plan(plans.get(scenario.name, plans[reference]))
