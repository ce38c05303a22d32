"""`balancer discover`: read a community connector's tables and write tables.csv.

Loads the connector (a .py path or an importable module), finds its LakeflowConnect
subclass, and asks it for `list_tables()` and `read_table_metadata(table, {})`; answers of the
wrong shape (not a list, empty or repeated names, metadata that is no mapping) are refused
with exit 2. Category, first match wins: a TABLES_<CATEGORY> list on the class, or at module
level in the connector's package (the OSIPI connector keeps them in a sibling constants
module: read as source text, never imported, so no other file of the folder runs); then the
longest matching prefix of a prefix map; then the name's first `_` token. A name without `_`
joins the category of the names whose first token it is, plural or not (`tickets` with
`ticket_comments`: `ticket`), else takes the connector's name (`zendesk`).

A connector is found by path (its .py file or its folder), by source name in a connectors
checkout (`--connector-src` or $LAKEFLOW_CONNECTORS_SRC, as upstream's CLI names them), or as
an importable module. Its connector_spec.yaml, when it has one, names every connection
parameter listing the tables lacks, in one message.
"""

from __future__ import annotations

import importlib
import inspect
import sys
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from balancer.errors import InputError, Location
from balancer.io.connector_spec import listing_error, resolve
from balancer.io.files import read_bytes
from balancer.io.guard import note_input
from balancer.model import INGESTION_TYPES
from balancer.names import (
    Named,
    collision_text,
    shown,
    source_problem,
    uc_collision,
    uc_problem,
    uc_suggestion,
)


@dataclass(frozen=True)
class DiscoveredTable:
    source_table: str
    category: str
    ingestion_type: str
    primary_keys: tuple[str, ...]
    cursor_field: str
    note: str = ""


def load_module(spec: str) -> ModuleType:
    """Import a connector from a file path or a module name, writing nothing beside it (no
    __pycache__ in the user's checkout: discover's only output is tables.csv)."""
    before = sys.dont_write_bytecode
    sys.dont_write_bytecode = True
    try:
        return _load_module(spec)
    finally:
        sys.dont_write_bytecode = before


def _load_module(spec: str) -> ModuleType:
    path = Path(spec)
    try:
        if spec.endswith(".py") or path.exists():
            if not path.is_file():
                raise InputError(
                    "connector file not found.",
                    where=Location(spec),
                    fix="give a .py file or an importable module name.",
                )
            note_input(path)
            folder = path.resolve().parent
            name = path.stem
            # A file inside a package (relative imports) is imported as package.module.
            while (folder / "__init__.py").exists():
                name = f"{folder.name}.{name}"
                folder = folder.parent
            if str(folder) not in sys.path:
                sys.path.insert(0, str(folder))
            _forget_other(name, folder)
            return _noted(importlib.import_module(name))
        return _noted(importlib.import_module(spec))
    except InputError:
        raise
    except ModuleNotFoundError as exc:
        missing = (exc.name or "").split(".")[0]
        if missing in EXTRA_MODULES:
            raise InputError(
                f"cannot import connector '{spec}': it needs '{missing}', which is not installed "
                "(community connectors import pyspark and pydantic).",
                fix="install the discover extra of lakeflow-balancer: pip install '.[discover]' "
                "in its checkout (or pip install pyspark pydantic).",
            ) from exc
        raise InputError(
            f"cannot import connector '{spec}': {type(exc).__name__}: {exc}.",
            fix=f"for upstream's connector '{spec}' pass --connector-src CHECKOUT (or set "
            "LAKEFLOW_CONNECTORS_SRC to it); or give the path of its folder or .py file."
            if missing == spec
            else "install the connector's package, or pass the path of its .py file.",
        ) from exc
    except (Exception, SystemExit) as exc:  # any error of the connector's own import
        raise InputError(
            f"cannot import connector '{spec}': {type(exc).__name__}: {exc}.",
            fix="install the connector's package, or pass the path of its .py file.",
        ) from exc


# What a community connector imports that this package does not need: the discover extra.
EXTRA_MODULES = frozenset({"pyspark", "pydantic", "jwt", "requests", "py4j"})


def _forget_other(name: str, root: Path) -> None:
    """Drop modules of this dotted name (and its packages) imported from another folder, so a
    connector file is never mistaken for an earlier one of the same name."""
    parts = name.split(".")
    for depth in range(1, len(parts) + 1):
        dotted = ".".join(parts[:depth])
        cached = sys.modules.get(dotted)
        if cached is None:
            continue
        base = root.joinpath(*parts[:depth])
        expected = base / "__init__.py" if depth < len(parts) else base.with_suffix(".py")
        found = Path(getattr(cached, "__file__", "") or "")
        if found.resolve() != expected.resolve():
            for key in [k for k in sys.modules if k == dotted or k.startswith(dotted + ".")]:
                del sys.modules[key]
            importlib.invalidate_caches()
            return


def connector_class(module: ModuleType) -> type:
    """The class in the module that derives from a class named LakeflowConnect."""
    found = [
        obj
        for _, obj in sorted(vars(module).items())
        if inspect.isclass(obj)
        and obj.__module__ == module.__name__
        and any(base.__name__ == "LakeflowConnect" for base in obj.__mro__[1:])
    ]
    if not found:
        raise InputError(
            f"no LakeflowConnect subclass in module '{module.__name__}'.",
            fix="point at the connector's main module (the one defining the LakeflowConnect class).",
        )
    return found[0]


def _package_sources(module: ModuleType) -> Iterator[Path]:
    """The other .py files of the connector's package (none for a lone file)."""
    origin = Path(module.__file__ or "")
    folder = origin.parent
    if not (folder / "__init__.py").exists():
        return
    for path in sorted(folder.glob("*.py")):
        if path.resolve() != origin.resolve():
            yield path


def _noted(module: ModuleType) -> ModuleType:
    """The imported connector, its file noted as an input (discover -o never writes on it)."""
    if module.__file__:
        note_input(module.__file__)
    return module


def _literal_lists(path: Path) -> dict[str, Any]:
    """Module-level `TABLES_* = [...]` assignments of a source file, read without running it
    (through the one reader, so the file is an input: discover -o never writes on it)."""
    import ast

    try:
        tree = ast.parse(read_bytes(path, "connector source").decode("utf-8"))
    except (InputError, SyntaxError, UnicodeDecodeError, ValueError):
        return {}
    out: dict[str, Any] = {}
    for node in tree.body:
        if not isinstance(node, ast.Assign):
            continue
        for target in node.targets:
            if isinstance(target, ast.Name) and target.id.startswith("TABLES_"):
                try:
                    out[target.id] = ast.literal_eval(node.value)
                except ValueError:
                    continue
    return out


def _lists_in(namespace: Mapping[str, Any]) -> dict[str, str]:
    out: dict[str, str] = {}
    for attr, value in sorted(namespace.items()):
        if attr.startswith("TABLES_") and isinstance(value, (list, tuple, set, frozenset)):
            category = attr[len("TABLES_") :].lower()
            for table in sorted(v for v in value if isinstance(v, str)):
                out.setdefault(table, category)
    return out


def category_lists(module: ModuleType, cls: type) -> dict[str, str]:
    """table -> category from TABLES_* lists: the class, the module, then its package's files."""
    found = _lists_in({k: getattr(cls, k) for k in dir(cls) if k.startswith("TABLES_")})
    for table, category in _lists_in(vars(module)).items():
        found.setdefault(table, category)
    for path in _package_sources(module):
        for table, category in _lists_in(_literal_lists(path)).items():
            found.setdefault(table, category)
    return found


def categorize(
    table: str,
    lists: Mapping[str, str],
    prefix_map: Mapping[str, str],
    names: Iterable[str] = (),
    source: str = "unknown",
) -> str:
    if table in lists:
        return lists[table]
    matches = [p for p in prefix_map if table.startswith(p)]
    if matches:
        return prefix_map[max(matches, key=lambda p: (len(p), p))]
    if "_" in table.strip("_"):
        return _first_token(table)
    stem = table.strip("_").lower()
    tokens = {_first_token(n) for n in names if "_" in n.strip("_")}
    for candidate in (stem, stem.removesuffix("s"), stem + "s"):
        if candidate in tokens:
            return candidate
    return source.lower() or "unknown"


def _first_token(name: str) -> str:
    return name.strip("_").split("_", 1)[0].lower()


def discover(
    spec: str,
    init_options: Mapping[str, str] | None = None,
    prefix_map: Mapping[str, str] | None = None,
    best_effort: bool = False,
    connector_src: str | None = None,
) -> tuple[list[DiscoveredTable], list[str]]:
    """The connector's tables with metadata; with best_effort, failures become 'unknown'."""
    module = load_module(resolve(spec, connector_src))
    cls = connector_class(module)
    try:
        connector = cls(dict(init_options or {}))
        answer = connector.list_tables()
    except (Exception, SystemExit) as exc:
        raise listing_error(
            cls.__name__, Path(module.__file__ or "").parent, init_options or {}, exc
        ) from exc
    names = _table_names(answer, cls.__name__)
    lists = category_lists(module, cls)
    out: list[DiscoveredTable] = []
    warnings: list[str] = []
    source = module.__name__.rsplit(".", 1)[-1]
    for name in names:
        category = categorize(name, lists, prefix_map or {}, names, source)
        try:
            meta = connector.read_table_metadata(name, {})
            if not isinstance(meta, Mapping):
                raise TypeError(f"metadata is a {type(meta).__name__}, not a mapping")
            itype = str(meta.get("ingestion_type", "")).lower()
            if itype not in INGESTION_TYPES:
                raise ValueError(f"unknown ingestion_type {meta.get('ingestion_type')!r}")
            keys = meta.get("primary_keys") or []
            out.append(
                DiscoveredTable(
                    name,
                    category,
                    itype,
                    tuple(str(k) for k in keys),
                    str(meta.get("cursor_field") or ""),
                )
            )
        except (Exception, SystemExit) as exc:
            reason = f"{type(exc).__name__}: {exc}"
            if not best_effort:
                raise InputError(
                    f"metadata of table '{name}' failed: {reason}.",
                    fix="fix the connector options, or pass --best-effort to label such tables 'unknown'.",
                ) from exc
            warnings.append(f"table {name}: metadata failed ({reason}); labelled unknown.")
            out.append(DiscoveredTable(name, category, "unknown", (), "", note=reason))
    return out, warnings


def _table_names(answer: Any, connector: str) -> list[str]:
    """list_tables() must answer distinct, non-empty, printable names."""
    if isinstance(answer, (str, bytes, Mapping)) or not hasattr(answer, "__iter__"):
        raise InputError(
            f"connector {connector}.list_tables() answered a {type(answer).__name__}, not a list "
            "of table names.",
            fix="fix the connector's list_tables() to return a list of strings.",
        )
    names = list(answer)
    for name in names:
        problem = source_problem(name)
        if problem:
            raise InputError(
                f"connector {connector}.list_tables() answered {shown(str(name))}, which is not "
                f"a table name: it {problem}.",
                fix="fix the connector's list_tables() to return printable, non-empty names.",
            )
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise InputError(
            f"connector {connector}.list_tables() lists {shown(twice[0])} twice.",
            fix="fix the connector's list_tables() to list each table once.",
        )
    _check_destinations(names, connector)
    return names


def _check_destinations(names: list[str], connector: str) -> None:
    """tables.csv gets no destination_table: each name is its table's destination in Unity
    Catalog, so it must be one Unity Catalog takes, and no two may be one table to it."""
    lists = f"connector {connector}.list_tables()"
    for name in names:
        problem = uc_problem(name)
        if problem:
            raise InputError(
                f"{lists} lists {shown(name)}, which would be the table's destination in Unity "
                f"Catalog, and it {problem}.",
                fix="fix the connector's names, or write tables.csv by hand with a "
                f"destination_table for it (e.g. {shown(uc_suggestion(name))}).",
            )
    pair = uc_collision(
        Named(n, Location(column=f"{lists} item {k}"), n) for k, n in enumerate(names, 1)
    )
    if pair:
        raise InputError(
            collision_text(pair),
            fix="fix the connector's names, or write tables.csv by hand with a "
            "destination_table of its own for one of them.",
        )


def tables_csv(tables: list[DiscoveredTable], schedules: Mapping[str, str] | None = None) -> str:
    """tables.csv text for discovered tables (schedule only where one is given)."""
    import json

    from balancer.io.csvout import csv_text

    header = [
        "source_table",
        "category",
        "ingestion_type",
        "schedule",
        "primary_keys",
        "cursor_field",
    ]
    return csv_text(
        header,
        (
            [
                t.source_table,
                t.category,
                t.ingestion_type,
                (schedules or {}).get(t.ingestion_type, ""),
                json.dumps(list(t.primary_keys)) if t.primary_keys else "",
                t.cursor_field,
            ]
            for t in tables
        ),
    )


def write_tables_csv(
    path: str | Path, tables: list[DiscoveredTable], schedules: Mapping[str, str] | None = None
) -> None:
    from balancer.io.atomic import write_file

    write_file(path, tables_csv(tables, schedules))
