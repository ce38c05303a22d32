"""Test helpers: tables and plans built in code (every plan checked without the solver),
rendered folders (schema validation, running an ingest file), CLI shortcuts."""

from __future__ import annotations

import itertools
import json
import sys
import types
from collections import Counter
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import jsonschema
import yaml
from click.testing import CliRunner, Result
from hypothesis import strategies as st

from balancer.cli import main
from balancer.engine.checker import check_plan
from balancer.engine.pool import PoolProblem
from balancer.model import Catalog, Plan, Settings, Table
from balancer.planning.planner import make_plan
from tests.fakes.wheels import fake_wheels

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def table(name: str, weight: float, **kw: Any) -> Table:
    """A table whose cost is its weight (no history)."""
    kw.setdefault("ingestion_type", "snapshot")
    kw.setdefault("schedule", "0 0 * * *")
    return Table(source_table=name, destination_table=name, weight=weight, **kw)


def tables_of(rows: Sequence[dict[str, Any]]) -> list[Table]:
    """Tables t0, t1, ... from rows of `table` keyword arguments (weight included)."""
    return [table(f"t{i}", **row) for i, row in enumerate(rows)]


def catalog(tables: Sequence[Table]) -> Catalog:
    return Catalog(tables=tuple(tables), path="tables.csv", digest="sha256:test")


def plan_of(tables: Sequence[Table], **settings: Any) -> Plan:
    """Solve with small, fast defaults and check the plan without the solver.

    One flow at a time, the makespan objective and no schedule fit unless asked: these plans
    test one rule or one solver stage in isolation (`test_objectives` tests the defaults)."""
    settings.setdefault("overhead_s", 0)
    settings.setdefault("concurrency", 1)
    settings.setdefault("objective", "makespan")
    settings.setdefault("sla_headroom", None)
    settings.setdefault("time_limit_s", 5.0)
    settings.setdefault("workers", 1)
    explicit = settings.pop(
        "explicit", settings.get("pipelines_min") == settings.get("pipelines_max")
    )
    plan = make_plan(catalog(tables), None, Settings(**settings), k_explicit=explicit)
    assert check_plan(plan, tables) == []
    return plan


def where(plan: Plan) -> dict[str, str]:
    return plan.pipeline_of()


SCHEMA = Path(__file__).resolve().parent / "data" / "databricks-bundle-schema" / "jsonschema.json"


@lru_cache(maxsize=1)
def validator() -> Any:
    schema = json.loads(SCHEMA.read_text())
    return jsonschema.validators.validator_for(schema)(schema)


def text_files(folder: Path) -> dict[str, str]:
    """Every text file of a rendered folder (wheels left out), by relative path."""
    return {
        p.relative_to(folder).as_posix(): p.read_text()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.suffix != ".whl"
    }


def merged(files: dict[str, Any]) -> dict[str, Any]:
    """databricks.yml with every included resources file merged in, as the CLI sees it."""
    root = yaml.safe_load(files["databricks.yml"])
    resources: dict[str, dict[str, Any]] = {}
    for path, text in files.items():
        if path.startswith("resources/"):
            assert root["include"] == ["resources/*.yml"]
            for kind, items in yaml.safe_load(text)["resources"].items():
                for key, value in items.items():
                    assert key not in resources.setdefault(kind, {}), f"{kind}.{key} defined twice"
                    resources[kind][key] = value
    if resources:
        root["resources"] = resources
    return root


def schema_errors(files: dict[str, Any]) -> list[str]:
    return [f"{list(e.path)}: {e.message}" for e in validator().iter_errors(merged(files))]


def wheel_args(folder: Path, source: str) -> list[str]:
    framework, connector = fake_wheels(folder, source)
    return ["--connector-wheel", str(framework), "--connector-wheel", str(connector)]


def solve_tables(folder: Path, tables_csv: str, *args: str) -> Path:
    """Write `tables_csv` as folder/tables.csv, solve it (exit 0 asserted): the plan's path."""
    (folder / "tables.csv").write_text(tables_csv, encoding="utf-8")
    out = folder / "plan.json"
    result = CliRunner().invoke(
        main, ["solve", "--tables", str(folder / "tables.csv"), "-o", str(out), "-q", *args]
    )
    assert result.exit_code == 0, result.output
    return out


def render_cli(plan: Path, out: Path, *args: str) -> Result:
    return CliRunner().invoke(main, ["render", str(plan), "-o", str(out), *args])


def run_ingest_file(text: str, conf: dict[str, str]) -> dict[str, Any]:
    """Execute a rendered ingest file with stand-ins for spark and the connector framework;
    return the spec it hands to `ingest` (and check it registers its source first)."""
    calls: list[tuple[str, Any]] = []
    framework = {
        "databricks.labs.community_connector": {
            "register": lambda s, n: calls.append(("register", n))
        },
        "databricks.labs.community_connector.pipeline": {
            "ingest": lambda s, spec: calls.append(("ingest", spec))
        },
        "libs.source_loader": {
            "get_register_function": lambda n: lambda s: calls.append(("register", n))
        },
        "pipeline.ingestion_pipeline": {"ingest": lambda s, spec: calls.append(("ingest", spec))},
    }
    saved = {name: sys.modules.get(name) for name in framework}
    for name, attrs in framework.items():
        module = types.ModuleType(name)
        module.__dict__.update(attrs)
        sys.modules[name] = module
    settings: dict[str, str] = {}

    class Conf:
        def get(self, key: str) -> str:
            return conf[key]

        def set(self, key: str, value: str) -> None:
            settings[key] = value

    spark = types.SimpleNamespace(conf=Conf())
    try:
        exec(compile(text, "ingest.py", "exec"), {"spark": spark, "__name__": "__main__"})
    finally:
        for name, module in saved.items():
            if module is None:
                sys.modules.pop(name, None)
            else:
                sys.modules[name] = module
    assert [c[0] for c in calls] == ["register", "ingest"], calls
    assert settings == {"spark.databricks.unityCatalog.connectionDfOptionInjection.enabled": "true"}
    spec = calls[1][1]
    assert isinstance(spec, dict)
    return spec


def bin_loads(costs: Sequence[int], assignment: Sequence[int], m: int) -> list[int]:
    """The load of each of m bins under an assignment (bin per item)."""
    out = [0] * m
    for cost, b in zip(costs, assignment, strict=True):
        out[b] += cost
    return out


def optimal_makespan(costs: list[int], m: int) -> int:
    """The optimum of P||Cmax by trying every assignment (small inputs only)."""
    return min(
        max(bin_loads(costs, assign, m))
        for assign in itertools.product(range(m), repeat=len(costs))
    )


def drift_scenario(tmp_path: Path) -> tuple[Path, Path]:
    """README's drift scenario: OSIPI solved with every default, and a history in which its
    runtimes drifted (sigma 0.8): README's command for OSIPI's history plus --drift."""
    runner = CliRunner()
    osipi = EXAMPLES / "osipi"
    plan_path, drift = tmp_path / "plan.json", tmp_path / "drift.csv"
    solved = runner.invoke(
        main, ["solve", "--history", str(osipi / "runs.csv"), "-o", str(plan_path), "-q"]
    )
    assert solved.exit_code == 0, solved.output
    made = runner.invoke(
        main,
        [
            "synth-history",
            "--tables",
            str(osipi / "tables.csv"),
            "-o",
            str(drift),
            "--max-runs-per-table",
            "720",
            "--prior",
            "append=20,0.7,1.5,0.8",
            "--drift",
            "0.8",
            "--drift-seed",
            "1",
        ],
    )
    assert made.exit_code == 0, made.output
    return plan_path, drift


@st.composite
def pools_with_a_start(draw: st.DrawFn) -> tuple[PoolProblem, list[int], int, int]:
    """A pool with every rule in play, a start that keeps them all, and a load window
    (low, high) around the start's loads: what the swap searches begin from."""
    n_bins = draw(st.integers(2, 4))
    n = draw(st.integers(n_bins, 14))
    start = list(range(n_bins)) + [draw(st.integers(0, n_bins - 1)) for _ in range(n - n_bins)]
    costs = [draw(st.integers(1, 60)) for _ in range(n)]
    fit = [c + draw(st.integers(0, 20)) for c in costs]
    sizes = [draw(st.integers(1, 3)) for _ in range(n)]
    categories = [(draw(st.sampled_from("abcd")),) for _ in range(n)]
    pinned = [draw(st.booleans()) and draw(st.integers(0, 4)) == 0 for _ in range(n)]
    labeled = [i for i in range(n) if pinned[i]]
    # one 'x' per bin at most in the start, so apart holds there
    apart: list[frozenset[str]] = []
    seen: set[int] = set()
    for i in range(n):
        give = draw(st.booleans()) and start[i] not in seen
        seen |= {start[i]} if give else set()
        apart.append(frozenset({"x"}) if give else frozenset())
    loads = bin_loads(costs, start, n_bins)
    fits = bin_loads(fit, start, n_bins)
    table_counts = bin_loads(sizes, start, n_bins)
    problem = PoolProblem(
        costs=tuple(costs),
        n_bins=n_bins,
        sizes=tuple(sizes),
        pins=tuple(start[i] if pinned[i] else None for i in range(n)),
        apart=tuple(apart),
        categories=tuple(categories),
        n_labeled=n_bins if labeled else 0,
        max_tables=max(table_counts) + draw(st.integers(0, 2)),
        cap=max(fits) + draw(st.integers(0, 30)),
        fit_costs=tuple(fit),
    )
    low = min(loads) - draw(st.integers(0, 30))
    high = max(loads) + draw(st.integers(0, 30))
    return problem, start, low, high


def keeps_pool_rules(problem: PoolProblem, assignment: list[int]) -> None:
    """Assert every rule of a pool holds: complete, no bin empty, pins, apart, table cap and
    p90 cap (the strategy above always sets both caps)."""
    m = problem.n_bins
    assert sorted(set(assignment)) == list(range(m))
    assert max(bin_loads(list(problem.fit_costs), assignment, m)) <= (problem.cap or 0)
    assert max(bin_loads(list(problem.sizes), assignment, m)) <= (problem.max_tables or 0)
    assert all(pin is None or assignment[i] == pin for i, pin in enumerate(problem.pins))
    labels = Counter(assignment[i] for i, a in enumerate(problem.apart) if a)
    assert max(labels.values(), default=0) <= 1
