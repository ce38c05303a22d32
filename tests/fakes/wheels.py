"""Small stand-ins for the connector framework and connector wheels (the real ones are built
from a connectors checkout, which a fresh clone does not have)."""

from __future__ import annotations

import zipfile
from pathlib import Path


def fake_wheels(folder: Path, source: str) -> tuple[Path, Path]:
    """(framework wheel, connector wheel) with the layout upstream's CLI checks."""
    folder.mkdir(parents=True, exist_ok=True)
    framework = folder / "lakeflow_community_connectors-0.1.0-py3-none-any.whl"
    connector = folder / f"lakeflow_community_connectors_{source}-0.1.0-py3-none-any.whl"
    for path, package in (
        (framework, "databricks/labs/community_connector/interface"),
        (connector, f"databricks/labs/community_connector/sources/{source}"),
    ):
        with zipfile.ZipFile(path, "w") as zf:  # fixed dates: the same bytes every time
            zf.writestr(zipfile.ZipInfo(f"{package}/__init__.py", (1980, 1, 1, 0, 0, 0)), "")
    return framework, connector
