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
