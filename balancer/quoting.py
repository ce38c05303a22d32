"""Names written into another language, quoted for it: SQL identifiers and string literals.

A backtick inside an identifier is doubled; a string literal escapes backslashes and single
quotes. Whatever a name holds, the SQL around it keeps its meaning.
"""

from __future__ import annotations


def quote_identifier(name: str) -> str:
    return "`" + name.replace("`", "``") + "`"


def quote_string(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"
