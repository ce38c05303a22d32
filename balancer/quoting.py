"""Names written into another language, quoted for it: SQL identifiers and string literals,
Markdown code spans and fenced blocks.

A backtick inside an identifier is doubled; a string literal escapes backslashes and single
quotes. In Markdown a name is a code span with control characters shown escaped (a name
cannot start a new line, so it cannot start a heading or a list) and pipes escaped (it stays
in its table cell); a block is fenced with more backticks than it holds. Whatever a name
holds, the text around it keeps its meaning.
"""

from __future__ import annotations

import re


def quote_identifier(name: str) -> str:
    return "`" + name.replace("`", "``") + "`"


def quote_string(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def visible(text: str, keep: str = "") -> str:
    """Characters that are not printable (control characters C0 and C1, DEL, format
    characters such as bidi overrides and zero-width marks, line and paragraph separators)
    as escapes (\\n, \\x1b, \\u202e, ...); spaces, printable characters and those in
    `keep` as they are."""
    return "".join(
        ch
        if ch.isprintable() or ch == " " or ch in keep
        else ch.encode("unicode_escape").decode("ascii")
        for ch in text
    )


def md_code(name: str) -> str:
    """A name as a Markdown code span that stays on its line and in its table cell."""
    text = visible(name).replace("|", "\\|")
    fence = "`" * (max((len(run) for run in re.findall("`+", text)), default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") or not text else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def md_fence(body: str, info: str = "") -> str:
    """A fenced Markdown block that nothing in `body` can close."""
    runs = [len(r) for r in re.findall("`{3,}", body)]
    fence = "`" * max(3, max(runs, default=0) + 1)
    return f"{fence}{info}\n{body}\n{fence}"
