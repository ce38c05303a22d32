"""A stand-in for `dbutils.widgets` so the notebooks run outside Databricks too.

On Databricks the notebooks use the real `dbutils`. Elsewhere `dbutils.widgets.get(name)`
returns the environment variable `BALANCER_WIDGET_<NAME>` when set, else the widget's
default, so tests and local runs can set widgets without editing the notebook.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path


class Widgets:
    def __init__(self) -> None:
        self.defaults: dict[str, str] = {}

    def text(self, name: str, default_value: str = "", label: str | None = None) -> None:
        self.defaults[name] = default_value

    def dropdown(
        self, name: str, default_value: str, choices: Sequence[str], label: str | None = None
    ) -> None:
        if default_value not in choices:
            raise ValueError(f"default {default_value!r} of widget {name} is not among its choices")
        self.defaults[name] = default_value

    def get(self, name: str) -> str:
        env = os.environ.get(f"BALANCER_WIDGET_{name.upper()}")
        if env is not None:
            return env
        if name not in self.defaults:
            raise ValueError(f"no widget named {name}")
        return self.defaults[name]

    def removeAll(self) -> None:
        self.defaults.clear()


class DBUtils:
    def __init__(self) -> None:
        self.widgets = Widgets()


dbutils = DBUtils()


def notebook_path(path: str, notebook_file: str | None = None) -> Path:
    """A widget's path, relative paths taken from the notebook's own folder.

    A notebook in a Git folder runs with its folder as the working directory, so
    `../examples/...` names the repository's examples there; outside Databricks pass the
    notebook's `__file__` (runpy sets it) for the same result.
    """
    p = Path(path)
    if p.is_absolute():
        return p
    base = Path(notebook_file).resolve().parent if notebook_file else Path.cwd()
    return (base / p).resolve()


CHECKOUT_IN_WORKSPACE = "/Workspace/Users/{user}/lakeflow-community-connectors"


def current_user(utils: object) -> str:
    """The user running the notebook: from the notebook's context on Databricks, else the
    environment (DATABRICKS_USER, then the login name)."""
    try:
        context = utils.notebook.entry_point.getDbutils().notebook().getContext()  # type: ignore[attr-defined]
        return str(context.userName().get())
    except Exception:
        import getpass

        return os.environ.get("DATABRICKS_USER") or getpass.getuser()


def connector_checkout(given: str, user: str, notebook_file: str | None = None) -> Path | None:
    """The connectors checkout to build the wheels from: the widget's path when given, else
    $LAKEFLOW_CONNECTORS_SRC's checkout, else the current user's Git folder
    (CHECKOUT_IN_WORKSPACE, where upstream's notebooks expect it); None when none exists."""
    if given:
        return notebook_path(given, notebook_file)
    candidates = []
    src = os.environ.get("LAKEFLOW_CONNECTORS_SRC")
    if src:
        candidates.append(Path(src).parent if Path(src).name == "src" else Path(src))
    candidates.append(Path(CHECKOUT_IN_WORKSPACE.format(user=user)))
    return next((c for c in candidates if (c / "pyproject.toml").is_file()), None)
