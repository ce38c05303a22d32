# Databricks notebook source
# MAGIC %md
# MAGIC # Deploy load-balanced pipelines for a community connector
# MAGIC
# MAGIC Discover the tables (or load a preset CSV), solve with run history, render the pipelines
# MAGIC (managed ingestion pipelines by default, or ingest files in workspace mode), deploy them
# MAGIC with databricks-sdk, verify, and clean up if asked.
# MAGIC
# MAGIC Open it from a Git folder of the lakeflow-balancer repository: the next cell installs
# MAGIC the package from that folder, and relative widget paths are taken from this notebook's
# MAGIC folder. To install the wheel that `balancer deploy` uploads to a volume instead, replace
# MAGIC `..` with its path, e.g.
# MAGIC `/Volumes/main/default/community_connector/packages/lakeflow_balancer-0.1.0-py3-none-any.whl`.
# MAGIC Outside Databricks the widgets take their defaults (or `BALANCER_WIDGET_<NAME>`).
# MAGIC
# MAGIC `dry_run` is on by default: the notebook plans, renders and shows what deploy would
# MAGIC change, and changes nothing until you set it to false. The connectors checkout is the
# MAGIC `connector_src` widget, else `/Workspace/Users/<you>/lakeflow-community-connectors`
# MAGIC (a Git folder of databrickslabs/lakeflow-community-connectors).

# COMMAND ----------

# MAGIC %pip install ..

# COMMAND ----------

try:
    dbutils  # type: ignore[used-before-def]  # noqa: B018
except NameError:
    from balancer.databricks.notebook import dbutils

dbutils.widgets.text("connector_name", "osipi", "Connector name")
dbutils.widgets.text("connection_name", "osipi_connection", "UC connection name")
dbutils.widgets.dropdown("table_source", "preset", ["preset", "discovery"], "Tables from")
dbutils.widgets.text("preset_csv", "../examples/osipi/tables.csv", "Preset CSV")
dbutils.widgets.text("connector_module", "", "Connector module or .py (discovery)")
dbutils.widgets.text("history_path", "../examples/osipi/runs.csv", "runs.csv")
dbutils.widgets.dropdown(
    "plan_without_history", "false", ["true", "false"], "Plan without history (weights only)"
)
dbutils.widgets.text("destination_catalog", "main", "Destination catalog")
dbutils.widgets.text("destination_schema", "bronze", "Destination schema")
dbutils.widgets.dropdown("mode", "managed", ["managed", "workspace"], "Delivery mode")
dbutils.widgets.text(
    "connector_src",
    "",
    "Connectors checkout (default: /Workspace/Users/<you>/lakeflow-community-connectors)",
)
dbutils.widgets.text("connector_wheels", "", "Or: framework and connector wheels, comma-separated")
dbutils.widgets.text("connector_root", "", "Workspace mode: connectors repo in the workspace")
dbutils.widgets.dropdown(
    "group_by",
    "ingestion_type",
    ["none", "ingestion_type", "category", "category_and_ingestion_type"],
    "Group by",
)
dbutils.widgets.text("pipelines", "3..8", "Pipelines (K or MIN..MAX)")
dbutils.widgets.dropdown("emit_jobs", "true", ["true", "false"], "Emit scheduled jobs")
dbutils.widgets.dropdown("pause_jobs", "true", ["true", "false"], "Pause jobs")
dbutils.widgets.dropdown("target", "dev", ["dev", "prod"], "Target")
dbutils.widgets.text("warehouse_id", "", "SQL warehouse (hands over tables that move)")
dbutils.widgets.text("work_dir", "/tmp/balancer_deploy", "Local working folder")
dbutils.widgets.dropdown(
    "cleanup", "false", ["true", "false"], "Delete what this notebook deployed"
)
dbutils.widgets.dropdown(
    "dry_run", "true", ["true", "false"], "Dry run: show what deploy would change, change nothing"
)

# COMMAND ----------

from pathlib import Path

import balancer


def widget_path(name: str) -> Path:
    return balancer.notebook_path(dbutils.widgets.get(name), globals().get("__file__"))


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
    tables_path.write_bytes(widget_path("preset_csv").read_bytes())
catalog = balancer.read_tables(tables_path)
print(f"{len(catalog.tables)} tables from {dbutils.widgets.get('table_source')}")

# COMMAND ----------

if dbutils.widgets.get("history_path"):
    history = balancer.read_history(widget_path("history_path"))  # a missing file is an error
elif dbutils.widgets.get("plan_without_history") == "true":
    history = None
    print("no run history: every table costs its weight, or the median of its type")
else:
    raise ValueError(
        "history_path is empty. Give a runs.csv (balancer history pull), or set "
        "plan_without_history to true to plan from table weights alone."
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
balancer.print_plan(plan)  # per pipeline: schedule fit, runs and compute a day, data age

# COMMAND ----------

dry_run = dbutils.widgets.get("dry_run") == "true"
user = balancer.current_user(dbutils)
# workspace mode reads the connector from connector_root: it builds no wheels unless asked
checkout = (
    balancer.connector_checkout(
        dbutils.widgets.get("connector_src"), user, globals().get("__file__")
    )
    if dbutils.widgets.get("connector_src") or dbutils.widgets.get("mode") == "managed"
    else None
)
wheels = ()
if checkout is not None and not dbutils.widgets.get("connector_wheels"):
    wheels = balancer.connector_wheels(checkout, connector)
elif dbutils.widgets.get("connector_wheels"):
    paths = [p.strip() for p in dbutils.widgets.get("connector_wheels").split(",") if p.strip()]
    wheels = balancer.given_wheels(
        tuple(str(balancer.notebook_path(p, globals().get("__file__"))) for p in paths), connector
    )
options = balancer.RenderOptions(
    source_name=connector,
    connection_name=dbutils.widgets.get("connection_name"),
    catalog=dbutils.widgets.get("destination_catalog"),
    schema=dbutils.widgets.get("destination_schema"),
    mode=dbutils.widgets.get("mode"),
    connector_root=dbutils.widgets.get("connector_root") or None,
    wheels=wheels,
    emit_jobs=dbutils.widgets.get("emit_jobs") == "true",
    pause_jobs=dbutils.widgets.get("pause_jobs") == "true",
)
render_dir = work / "render"
rendered = None
missing = options.mode == "managed" and not wheels
if missing:
    where = balancer.CHECKOUT_IN_WORKSPACE.format(user=user)
    message = (
        f"no connectors checkout found (the connector_src widget is empty and {where} has "
        "none): clone databrickslabs/lakeflow-community-connectors there as a Git folder, or "
        "set connector_src or connector_wheels, or choose mode workspace."
    )
    if not dry_run:
        raise ValueError(message)
    print(f"dry run: the plan is above; nothing rendered: {message}")
else:
    balancer.write_tree(render_dir, balancer.render_files(plan, options))
    print(sorted(str(p.relative_to(render_dir)) for p in render_dir.rglob("*") if p.is_file()))
    rendered = balancer.load_rendered(render_dir)

# COMMAND ----------

from balancer.errors import InputError

target = dbutils.widgets.get("target")
client = None
if rendered is not None:
    try:
        client = balancer.workspace_client()
    except InputError as exc:
        if not dry_run:
            raise
        print(f"dry run: rendered in {render_dir}; no workspace to compare it with: {exc}")
if client is not None and rendered is not None:
    report = balancer.deploy(
        client,
        rendered,
        target=target,
        warehouse_id=dbutils.widgets.get("warehouse_id") or None,
        dry_run=dry_run,
        echo=print,
    )
    done = "would be" if dry_run else "were"
    print(
        f"{report.created} created, {report.updated} updated, {report.unchanged} unchanged "
        f"({done}; dry_run={str(dry_run).lower()}: set it to false to deploy)"
    )

# COMMAND ----------

# MAGIC %md ## Verify

# COMMAND ----------

if client is not None and rendered is not None and not dry_run:
    check = balancer.deploy(client, rendered, target=target, dry_run=True)
    pending = [step.describe() for step in check.steps]
    assert not pending, f"not deployed as rendered: {pending}"
    print(f"verified {check.unchanged} pipelines and jobs")

# COMMAND ----------

# MAGIC %md ## Clean up (only when the `cleanup` widget is true)

# COMMAND ----------

if dbutils.widgets.get("cleanup") == "true" and client is not None and rendered is not None:
    removed = balancer.undeploy(client, rendered, target=target, echo=print)
    print(f"cleaned up: {removed.deleted} pipelines and jobs deleted, every table kept")
