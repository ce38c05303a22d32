"""Python literals for generated code: built from values, never by pasting strings.

`python_literal(value)` returns source text that evaluates (ast.literal_eval) to exactly
`value` for str, int, float, bool, None, list, tuple and dict, whatever the strings hold:
quotes, backslashes, newlines, `{{ }}`, triple quotes, any unicode. Strings go through
`repr`, which Python guarantees to round-trip. Layout is deterministic.
"""

from __future__ import annotations

from typing import Any


def python_literal(value: Any, indent: int = 0, step: int = 4) -> str:
    pad = " " * (indent + step)
    end = " " * indent
    if isinstance(value, bool) or value is None:
        return repr(value)
    if isinstance(value, (str, int, float)):
        return repr(value)
    if isinstance(value, dict):
        if not value:
            return "{}"
        items = [
            f"{pad}{python_literal(k)}: {python_literal(v, indent + step, step)},"
            for k, v in value.items()
        ]
        return "{\n" + "\n".join(items) + f"\n{end}}}"
    if isinstance(value, (list, tuple)):
        if not value:
            return "[]" if isinstance(value, list) else "()"
        items = [f"{pad}{python_literal(v, indent + step, step)}," for v in value]
        open_, close = ("[", "]") if isinstance(value, list) else ("(", ")")
        return open_ + "\n" + "\n".join(items) + f"\n{end}{close}"
    raise TypeError(f"cannot write a {type(value).__name__} as a Python literal")
