"""A community connector's `connector_spec.yaml`, read once, and what its code requires.

Upstream's format (its CLI validator reads the same keys): `connection.parameters` (each a
`name`, `required`, `secret`), or `connection.auth_methods` (each a `name` and its own
`parameters`; one method is chosen) with `connection.parameters` shared by all;
`external_options_allowlist`, a comma-separated string of the table options the Unity
Catalog connection passes to the connector. Upstream's CLI always adds CONSTANT_ALLOWLIST
to it (its default_config.yaml), so those count as allowed too.

The spec states no per-table required options; the connector's code does. `table_requirements`
reads the package's source text (never runs it): a module-level function that raises and
reads `options.get("k")` / `options["k"]` of its first parameter is a requirement check, and a
call of it with a table name as a string literal (`require_owner_repo(table_options,
"issues")`) makes those keys required for that table.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from balancer.errors import InputError, Location
from balancer.io.files import read_bytes

SPEC_FILE = "connector_spec.yaml"
SOURCES = Path("src/databricks/labs/community_connector/sources")
CONSTANT_ALLOWLIST = ("isDeleteFlow", "tableConfigs", "tableName", "tableNameList")


@dataclass(frozen=True)
class Parameter:
    name: str
    required: bool = False
    secret: bool = False


@dataclass(frozen=True)
class AuthMethod:
    name: str
    parameters: tuple[Parameter, ...]


@dataclass(frozen=True)
class ConnectorSpec:
    """What a connector's spec says, and the per-table options its code requires."""

    path: str
    parameters: tuple[Parameter, ...] = ()  # shared by every auth method
    auth_methods: tuple[AuthMethod, ...] = ()
    allowlist: tuple[str, ...] = ()  # as the spec states it (sorted, distinct)
    table_requirements: tuple[tuple[str, tuple[str, ...]], ...] = ()  # table -> keys

    @property
    def allowed(self) -> frozenset[str]:
        return frozenset(self.allowlist) | frozenset(CONSTANT_ALLOWLIST)

    def required_for(self, table: str) -> tuple[str, ...]:
        return dict(self.table_requirements).get(table, ())

    def missing(self, given: Iterable[str]) -> str | None:
        """The connection parameters `given` lacks, in one sentence (secrets marked), or None."""
        have = set(given)
        shared = [p for p in self.parameters if p.required and p.name not in have]
        methods = [
            (m, [p for p in m.parameters if p.required and p.name not in have])
            for m in self.auth_methods
        ]
        if methods and not any(not lacking for _, lacking in methods):
            choice = "; or ".join(f"{m.name}: {_names(lacking)}" for m, lacking in methods)
            text = f"one auth method ({choice})"
            return f"{_names(shared)} and {text}" if shared else text
        return _names(shared) if shared else None

    def example(self, given: Iterable[str]) -> str:
        """A JSON object of the required parameters `given` lacks (the first auth method's)."""
        have = set(given)
        params = self.parameters + (self.auth_methods[0].parameters if self.auth_methods else ())
        keys = [p.name for p in params if p.required and p.name not in have]
        return "{" + ", ".join(f'"{k}": "..."' for k in keys) + "}"


def _names(params: Iterable[Parameter]) -> str:
    return ", ".join(f"{p.name} (secret)" if p.secret else p.name for p in params)


def spec_beside(folder: Path) -> Path | None:
    """The connector_spec.yaml in a connector's folder, if there is one."""
    path = folder / SPEC_FILE
    return path if path.is_file() else None


def source_folder(checkout: str | Path, name: str) -> Path:
    """NAME's folder in a connectors checkout (its root or its src/), as upstream's CLI finds it."""
    root = Path(checkout)
    if root.name == "src" and (root / SOURCES.relative_to("src")).is_dir():
        root = root.parent
    folder = root / SOURCES / name
    if not folder.is_dir():
        known = sorted(p.name for p in (root / SOURCES).glob("*/") if not p.name.startswith("_"))
        raise InputError(
            f"the connectors checkout has no connector '{name}' ({SOURCES / name}).",
            fix=f"name one of its connectors: {', '.join(known)} (render takes it from the "
            "plan's name, or --source-name)."
            if known
            else "check the checkout's path.",
            where=Location(str(checkout)),
        )
    return folder


def read_spec(path: str | Path) -> ConnectorSpec:
    """Read a connector_spec.yaml (and the requirements in its package's code)."""
    import yaml

    text = read_bytes(path, "connector spec").decode("utf-8", errors="replace")
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise InputError(
            f"the connector spec is not valid YAML: {getattr(exc, 'problem', exc)}.",
            fix="fix the YAML (upstream's templates/connector_spec_template.yaml shows the form).",
            where=Location(str(path), mark.line + 1, str(mark.column + 1)) if mark else None,
        ) from None
    where = Location(str(path))
    doc = _mapping(doc, "the spec", where)
    connection = _mapping(doc.get("connection"), "connection", where)
    methods = tuple(
        AuthMethod(
            str(m.get("name", "")), _parameters(m.get("parameters"), f"auth method {k}", where)
        )
        for k, m in enumerate(_list(connection.get("auth_methods"), "auth_methods", where), 1)
        if isinstance(m, dict)
    )
    allow = doc.get("external_options_allowlist") or ""
    if not isinstance(allow, str):
        raise InputError(
            "external_options_allowlist is not a comma-separated string.",
            fix='write it as e.g. external_options_allowlist: "owner,repo".',
            where=Location(str(path), column="external_options_allowlist"),
        )
    return ConnectorSpec(
        path=str(path),
        parameters=_parameters(connection.get("parameters"), "connection.parameters", where),
        auth_methods=methods,
        allowlist=tuple(sorted({a.strip() for a in allow.split(",") if a.strip()})),
        table_requirements=table_requirements(Path(path).parent),
    )


def _mapping(value: Any, what: str, where: Location) -> Mapping[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise InputError(
            f"{what} is not a mapping in the connector spec.",
            fix="write it as upstream's connector_spec_template.yaml does.",
            where=where,
        )
    return value


def _list(value: Any, what: str, where: Location) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise InputError(
            f"{what} is not a list in the connector spec.",
            fix="write it as a YAML list (- name: ...).",
            where=Location(where.file, column=what),
        )
    return value


def _parameters(value: Any, what: str, where: Location) -> tuple[Parameter, ...]:
    out = []
    for item in _list(value, what, where):
        if not isinstance(item, dict) or not isinstance(item.get("name"), str):
            raise InputError(
                f"an entry of {what} has no name.",
                fix="give each parameter a `name:`.",
                where=Location(where.file, column=what),
            )
        out.append(
            Parameter(item["name"], item.get("required") is True, item.get("secret") is True)
        )
    return tuple(out)


def table_requirements(folder: Path) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """table -> required option keys, from the connector package's requirement checks."""
    trees = []
    for source in sorted(folder.glob("*.py")):
        if source.name.startswith("_generated"):
            continue  # upstream's merged copy of the same code
        try:
            trees.append(ast.parse(read_bytes(source, "connector source").decode("utf-8")))
        except (InputError, SyntaxError, UnicodeDecodeError, ValueError):
            continue
    checks = {name: keys for tree in trees for name, keys in _checks(tree).items()}
    found: dict[str, set[str]] = {}
    for tree in trees:
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                keys = checks.get(node.func.id)
                tables = [
                    a.value
                    for a in node.args[1:]
                    if isinstance(a, ast.Constant) and isinstance(a.value, str)
                ]
                if keys and tables:
                    found.setdefault(tables[0], set()).update(keys)
    return tuple((t, tuple(sorted(k))) for t, k in sorted(found.items()))


def _checks(tree: ast.Module) -> dict[str, tuple[str, ...]]:
    out: dict[str, tuple[str, ...]] = {}
    for node in tree.body:
        if not isinstance(node, ast.FunctionDef) or not node.args.args:
            continue
        options = node.args.args[0].arg
        if not any(isinstance(n, ast.Raise) for n in ast.walk(node)):
            continue
        keys = sorted({k for n in ast.walk(node) for k in _key_read(n, options)})
        if keys:
            out[node.name] = tuple(keys)
    return out


def _key_read(node: ast.AST, options: str) -> list[str]:
    """The literal key `node` reads from the mapping named `options` (.get or [])."""
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "get"
        and isinstance(node.func.value, ast.Name)
        and node.func.value.id == options
        and node.args
    ):
        key = node.args[0]
    elif isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name):
        if node.value.id != options:
            return []
        key = node.slice
    else:
        return []
    return [key.value] if isinstance(key, ast.Constant) and isinstance(key.value, str) else []


def resolve(connector: str, connector_src: str | None) -> str:
    """The .py path or module name of CONNECTOR: a source name in the checkout
    `connector_src` (when it has that source, or CONNECTOR is no path here), else a path (a
    file, or a connector's folder holding FOLDER.py), else as given (a module name)."""
    path = Path(connector)
    if connector_src and connector.isidentifier():
        if not path.exists():  # else a path here, unless the checkout has that source
            return str(source_folder(connector_src, connector) / f"{connector}.py")
        try:
            return str(_main_file(source_folder(connector_src, connector)))
        except InputError:
            pass
    return str(_main_file(path)) if path.is_dir() else connector


def _main_file(folder: Path) -> Path:
    main = folder / f"{folder.resolve().name}.py"
    if not main.is_file():
        raise InputError(
            f"the connector folder has no {main.name}.",
            fix="give the connector's main .py file.",
            where=Location(str(folder)),
        )
    return main


def listing_error(
    name: str, folder: Path, given: Mapping[str, str], exc: BaseException
) -> InputError:
    """Why listing failed: the connection parameters its spec requires and `given` lacks, all
    in one message, or else the connector's own error."""
    found = spec_beside(folder)
    spec = read_spec(found) if found else None
    lacking = spec.missing(given) if spec else None
    if found and spec and lacking:
        return InputError(
            f"connector {name} needs connection parameters to list its tables, and "
            f"{lacking} {'is' if ',' not in lacking else 'are'} not given "
            f"(its connector_spec.yaml; it said {type(exc).__name__}: {exc}).",
            fix=f"pass them with --init-options-json FILE, a file holding {spec.example(given)} "
            "(a file keeps secrets off the command line).",
            where=Location(str(found)),
        )
    return InputError(
        f"connector {name} failed to list its tables: {type(exc).__name__}: {exc}.",
        fix="pass the options it needs with --init-options-json.",
    )
