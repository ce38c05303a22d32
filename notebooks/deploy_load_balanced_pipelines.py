# Databricks notebook source
# MAGIC %md
# MAGIC # Deploy load-balanced pipelines for a community connector
# MAGIC
# MAGIC The seed toolkit's guided deployment on top of lakeflow-balancer: discover the tables
# MAGIC (or load a preset CSV), solve with run history when there is one, render the ingest
# MAGIC files and the bundle, deploy with databricks-sdk, verify, and clean up if asked.
# MAGIC Outside Databricks the widgets take their defaults (or `BALANCER_WIDGET_<NAME>`).

# COMMAND ----------

# MAGIC %pip install lakeflow-balancer

# COMMAND ----------

try:
    dbutils  # type: ignore[used-before-def]  # noqa: B018
except NameError:
    from balancer.notebook import dbutils

dbutils.widgets.text("connector_name", "osipi", "Connector name")
dbutils.widgets.text("connection_name", "osipi_connection", "UC connection name")
dbutils.widgets.dropdown("table_source", "preset", ["preset", "discovery"], "Tables from")
dbutils.widgets.text("preset_csv", "examples/osipi/tables.csv", "Preset CSV")
dbutils.widgets.text("connector_module", "", "Connector module or .py (discovery)")
dbutils.widgets.text("history_path", "examples/osipi/runs.csv", "runs.csv (optional)")
dbutils.widgets.text("destination_catalog", "main", "Destination catalog")
dbutils.widgets.text("destination_schema", "bronze", "Destination schema")
dbutils.widgets.dropdown(
    "group_by",
    "ingestion_type",
    ["none", "ingestion_type", "category", "category_and_ingestion_type"],
    "Group by",
)
dbutils.widgets.text("pipelines", "3..8", "Pipelines (K or MIN..MAX)")
dbutils.widgets.dropdown("emit_jobs", "true", ["true", "false"], "Emit scheduled jobs")
dbutils.widgets.dropdown("pause_jobs", "true", ["true", "false"], "Pause jobs")
dbutils.widgets.text("work_dir", "/tmp/balancer_deploy", "Local working folder")
dbutils.widgets.text(
    "workspace_path", "/Workspace/Shared/lakeflow_balancer", "Workspace folder for ingest files"
)
dbutils.widgets.dropdown(
    "cleanup", "false", ["true", "false"], "Delete what this notebook deployed"
)

# COMMAND ----------

from pathlib import Path

import balancer

connector = dbutils.widgets.get("connector_name")
work = Path(dbutils.widgets.get("work_dir"))
work.mkdir(parents=True, exist_ok=True)
tables_path = work / "tables.csv"
if dbutils.widgets.get("table_source") == "discovery":
    found, warnings = balancer.discover(dbutils.widgets.get("connector_module"), best_effort=True)
    balancer.write_tables_csv(tables_path, found)
    for w in warnings:
        print("warning:", w)
else:
    tables_path.write_text(Path(dbutils.widgets.get("preset_csv")).read_text())
catalog = balancer.read_tables(tables_path)
print(f"{len(catalog.tables)} tables from {dbutils.widgets.get('table_source')}")

# COMMAND ----------

history_path = dbutils.widgets.get("history_path")
history = (
    balancer.read_history(history_path) if history_path and Path(history_path).exists() else None
)
k = dbutils.widgets.get("pipelines")
k_low, _, k_high = k.partition("..")
settings = balancer.Settings(
    pipelines_min=int(k_low),
    pipelines_max=int(k_high or k_low),
    group_by=dbutils.widgets.get("group_by"),
    name=connector,
    time_limit_s=5.0,
)
plan = balancer.make_plan(catalog, history, settings, k_explicit=not k_high)
balancer.write_plan(plan, work / "plan.json")
for p in plan.pipelines:
    print(f"{p.key:40} {p.schedule:14} {len(p.tables):4} tables  {p.runtime_s:7} s")
print(f"makespan {plan.makespan_s} s (lower bound {plan.lower_bound_s} s, {plan.status})")

# COMMAND ----------

options = balancer.RenderOptions(
    source_name=connector,
    connection_name=dbutils.widgets.get("connection_name"),
    catalog=dbutils.widgets.get("destination_catalog"),
    schema=dbutils.widgets.get("destination_schema"),
    emit_jobs=dbutils.widgets.get("emit_jobs") == "true",
    pause_jobs=dbutils.widgets.get("pause_jobs") == "true",
)
bundle_dir = work / "bundle"
balancer.write_tree(bundle_dir, balancer.render_files(plan, options))
print(sorted(str(p.relative_to(bundle_dir)) for p in bundle_dir.rglob("*") if p.is_file()))

# COMMAND ----------

from databricks.sdk import WorkspaceClient

client = WorkspaceClient()
bundle = balancer.load_bundle(bundle_dir)
workspace_path = f"{dbutils.widgets.get('workspace_path').rstrip('/')}/{bundle.name}"
report = balancer.deploy_bundle(client, bundle, workspace_path, echo=print)
print(f"deployed: {report.created} created, {report.updated} updated")

# COMMAND ----------

# MAGIC %md ## Verify

# COMMAND ----------

expected = {spec["name"] for spec in bundle.pipelines.values()}
found = {p.name for p in client.pipelines.list_pipelines() if p.name in expected}
missing = sorted(expected - found)
assert not missing, f"pipelines missing after deploy: {missing}"
jobs = {j.settings.name for j in client.jobs.list() if j.settings is not None}
assert {spec["name"] for spec in bundle.jobs.values()} <= jobs
print(f"verified {len(found)} pipelines and {len(bundle.jobs)} jobs")

# COMMAND ----------

# MAGIC %md ## Clean up (only when the `cleanup` widget is true)

# COMMAND ----------

if dbutils.widgets.get("cleanup") == "true":
    for p in list(client.pipelines.list_pipelines()):
        if p.name in expected:
            client.pipelines.delete(p.pipeline_id)
    for j in list(client.jobs.list()):
        if j.settings is not None and j.settings.name in {
            spec["name"] for spec in bundle.jobs.values()
        }:
            client.jobs.delete(j.job_id)
    print("cleaned up")
