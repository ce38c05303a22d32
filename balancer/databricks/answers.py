"""Reading the workspace's answers defensively: a field the API documents as an object is
read as one only when it is one (anything else reads as empty), so an odd answer never ends
in a traceback."""

from __future__ import annotations

from typing import Any


def obj(value: Any) -> dict[str, Any]:
    """`value` when it is a JSON object, else {}."""
    return value if isinstance(value, dict) else {}


def library_paths(spec: dict[str, Any]) -> list[str]:
    """The source files a pipeline spec names (`libraries[].file.path`)."""
    paths = (
        str(obj(obj(lib).get("file")).get("path") or "") for lib in spec.get("libraries") or []
    )
    return [p for p in paths if p]
