"""Request-body checks for the stand-in workspace, built from databricks-sdk's own types.

`check_body(body, fields, extensions)` walks a JSON body against the type hints of an SDK
method's keyword parameters (or a request dataclass) and returns the first problem: an
unknown field, a wrong JSON type, or an enum value the API does not know, in the words
the real API uses ("Unknown field ...", "Invalid value ..."). `extensions` adds what the
SDK cannot model but the API accepts: the COMMUNITY source type and
`connector_options.community_connector_options` of managed community-connector pipelines.
"""

from __future__ import annotations

import dataclasses
import enum
import typing
from collections.abc import Callable, Mapping
from typing import Any

Extension = Callable[[str, Any], "str | bool | None"]


def method_fields(method: Callable[..., Any], skip: tuple[str, ...] = ()) -> dict[str, Any]:
    """The body fields of an SDK API method: its parameters with their types."""
    hints = typing.get_type_hints(method)
    return {k: v for k, v in hints.items() if k not in ("return", *skip)}


def _fields(cls: type) -> dict[str, Any]:
    hints = typing.get_type_hints(cls)
    return {f.name: hints[f.name] for f in dataclasses.fields(cls)}


def _strip_optional(tp: Any) -> Any:
    if typing.get_origin(tp) is typing.Union:
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        if len(args) == 1:
            return args[0]
    return tp


def check_value(
    value: Any, tp: Any, path: str, extensions: Mapping[str, Extension] | None = None
) -> str | None:
    """None when `value` fits `tp`; else what is wrong, naming the field's path."""
    ext = (extensions or {}).get(_generic(path))
    if ext is not None:
        verdict = ext(path, value)
        if verdict is True:
            return None
        if isinstance(verdict, str):
            return verdict
    tp = _strip_optional(tp)
    origin = typing.get_origin(tp)
    if tp is Any:
        return None
    if value is None:
        return None
    if dataclasses.is_dataclass(tp) and isinstance(tp, type):
        if not isinstance(value, dict):
            return f"Invalid value for field '{path}': expected an object"
        fields = _fields(tp)
        for key, sub in value.items():
            sub_path = f"{path}.{key}" if path else key
            if key not in fields:
                ext_key = (extensions or {}).get(_generic(sub_path))
                if ext_key is None:
                    return f"Unknown field '{sub_path}'"
                verdict = ext_key(sub_path, sub)
                if isinstance(verdict, str):
                    return verdict
                continue
            problem = check_value(sub, fields[key], sub_path, extensions)
            if problem:
                return problem
        return None
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        allowed = {m.value for m in tp}
        if value not in allowed:
            return f"Invalid value for field '{path}': '{value}' is not one of {sorted(allowed)}"
        return None
    if origin in (list, typing.List):  # noqa: UP006
        if not isinstance(value, list):
            return f"Invalid value for field '{path}': expected an array"
        (item,) = typing.get_args(tp)
        for k, v in enumerate(value):
            problem = check_value(v, item, f"{path}[{k}]", extensions)
            if problem:
                return problem
        return None
    if origin in (dict, typing.Dict):  # noqa: UP006
        if not isinstance(value, dict):
            return f"Invalid value for field '{path}': expected an object"
        _, item = typing.get_args(tp)
        for k, v in value.items():
            problem = check_value(v, item, f"{path}.{k}", extensions)
            if problem:
                return problem
        return None
    expected: dict[Any, tuple[type, ...]] = {
        str: (str,),
        bool: (bool,),
        int: (int,),
        float: (int, float),
    }
    kinds = expected.get(tp)
    if kinds is None:
        return None
    if not isinstance(value, kinds) or (tp in (int, float) and isinstance(value, bool)):
        return f"Invalid value for field '{path}': expected {tp.__name__}"
    return None


def _generic(path: str) -> str:
    """`objects[3].table.x` -> `objects[].table.x`: the path of a field in any list item."""
    out = []
    depth = 0
    for ch in path:
        if ch == "[":
            depth += 1
            out.append("[]")
        elif ch == "]":
            depth -= 1
        elif depth == 0:
            out.append(ch)
    return "".join(out)


def check_body(
    body: Mapping[str, Any],
    fields: Mapping[str, Any],
    extensions: Mapping[str, Extension] | None = None,
) -> str | None:
    for key, value in body.items():
        if key not in fields:
            return f"Unknown field '{key}'"
        problem = check_value(value, fields[key], key, extensions)
        if problem:
            return problem
    return None


def _community_source(path: str, value: Any) -> str | bool | None:
    return True if value == "COMMUNITY" else None


def _community_options(path: str, value: Any) -> str | bool:
    if not isinstance(value, dict) or set(value) - {"options"}:
        return f"Invalid value for field '{path}': expected {{options: map<string, string>}}"
    options = value.get("options", {})
    if not isinstance(options, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in options.items()
    ):
        return f"Invalid value for field '{path}.options': expected a map of strings"
    return True


MANAGED_EXTENSIONS: dict[str, Extension] = {
    "ingestion_definition.source_type": _community_source,
    "ingestion_definition.objects[].table.connector_options.community_connector_options": (
        _community_options
    ),
}
