"""`balancer discover`: read a community connector's tables and write tables.csv.

Loads the connector (a .py path or an importable module), finds its LakeflowConnect
subclass, and asks it for `list_tables()` and `read_table_metadata(table, {})`. Category,
first match wins: a TABLES_<CATEGORY> list on the class, or at module level anywhere in the
connector's folder/package (the OSIPI connector keeps them in a sibling constants module);
then the longest matching prefix of a prefix map; then the name's first `_` token; else
'unknown'.
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import pkgutil
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from balancer.errors import InputError, Location
from balancer.model import INGESTION_TYPES


@dataclass(frozen=True)
class DiscoveredTable:
    source_table: str
    category: str
    ingestion_type: str
    primary_keys: tuple[str, ...]
    cursor_field: str
    note: str = ""


def load_module(spec: str) -> ModuleType:
    """Import a connector from a file path or a module name."""
    path = Path(spec)
    try:
        if spec.endswith(".py") or path.exists():
            if not path.is_file():
                raise InputError(
                    "connector file not found.",
                    where=Location(spec),
                    fix="give a .py file or an importable module name.",
                )
            folder = path.resolve().parent
            name = path.stem
            # A file inside a package (relative imports) is imported as package.module.
            while (folder / "__init__.py").exists():
                name = f"{folder.name}.{name}"
                folder = folder.parent
            if str(folder) not in sys.path:
                sys.path.insert(0, str(folder))
            return importlib.import_module(name)
        return importlib.import_module(spec)
    except InputError:
        raise
    except Exception as exc:  # any error of the connector's own import
        raise InputError(
            f"cannot import connector '{spec}': {type(exc).__name__}: {exc}.",
            fix="install the connector's package, or pass the path of its .py file.",
        ) from exc


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


def _sibling_modules(module: ModuleType) -> Iterator[ModuleType]:
    yield module
    if module.__spec__ is not None and module.__spec__.parent:
        package = importlib.import_module(module.__spec__.parent)
        prefix = package.__name__ + "."
        paths = getattr(package, "__path__", [])
    else:
        prefix = ""
        paths = [str(Path(module.__file__ or ".").parent)]
    for info in sorted(pkgutil.iter_modules(paths), key=lambda i: i.name):
        name = prefix + info.name
        if name == module.__name__ or info.ispkg:
            continue
        try:
            yield importlib.import_module(name)
        except Exception:  # a sibling that does not import is no source of categories
            continue


def _lists_in(namespace: Mapping[str, Any]) -> dict[str, str]:
    out: dict[str, str] = {}
    for attr, value in sorted(namespace.items()):
        if attr.startswith("TABLES_") and isinstance(value, (list, tuple, set, frozenset)):
            category = attr[len("TABLES_") :].lower()
            for table in sorted(v for v in value if isinstance(v, str)):
                out.setdefault(table, category)
    return out


def category_lists(module: ModuleType, cls: type) -> dict[str, str]:
    """table -> category from TABLES_* lists: class first, then the package's modules."""
    found = _lists_in({k: getattr(cls, k) for k in dir(cls) if k.startswith("TABLES_")})
    for mod in _sibling_modules(module):
        for table, category in _lists_in(vars(mod)).items():
            found.setdefault(table, category)
    return found


def categorize(table: str, lists: Mapping[str, str], prefix_map: Mapping[str, str]) -> str:
    if table in lists:
        return lists[table]
    matches = [p for p in prefix_map if table.startswith(p)]
    if matches:
        return prefix_map[max(matches, key=lambda p: (len(p), p))]
    if "_" in table.strip("_"):
        return table.strip("_").split("_", 1)[0].lower()
    return "unknown"


def discover(
    spec: str,
    init_options: Mapping[str, str] | None = None,
    prefix_map: Mapping[str, str] | None = None,
    best_effort: bool = False,
) -> tuple[list[DiscoveredTable], list[str]]:
    """The connector's tables with metadata; with best_effort, failures become 'unknown'."""
    module = load_module(spec)
    cls = connector_class(module)
    try:
        connector = cls(dict(init_options or {}))
        names = list(connector.list_tables())
    except Exception as exc:
        raise InputError(
            f"connector {cls.__name__} failed to list its tables: {type(exc).__name__}: {exc}.",
            fix="pass the options it needs with --init-options-json.",
        ) from exc
    lists = category_lists(module, cls)
    out: list[DiscoveredTable] = []
    warnings: list[str] = []
    for name in names:
        category = categorize(name, lists, prefix_map or {})
        try:
            meta = connector.read_table_metadata(name, {})
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
        except Exception as exc:
            reason = f"{type(exc).__name__}: {exc}"
            if not best_effort:
                raise InputError(
                    f"metadata of table '{name}' failed: {reason}.",
                    fix="fix the connector options, or pass --best-effort to label such tables 'unknown'.",
                ) from exc
            warnings.append(f"table {name}: metadata failed ({reason}); labelled unknown.")
            out.append(DiscoveredTable(name, category, "unknown", (), "", note=reason))
    return out, warnings


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
