"""Names, checked by one set of rules wherever they enter: Unity Catalog identifiers, the
connector's table names, and plain names (what may become a path, a file name or a bundle key).

Unity Catalog, as the Databricks SQL reference states it ("Names",
https://docs.databricks.com/aws/sql/language-manual/sql-ref-names; the same list is in "Unity
Catalog requirements and limitations",
https://docs.databricks.com/aws/en/data-governance/unity-catalog/requirements): an object name
is at most 255 characters; a period, a space, a forward slash, the ASCII control characters
(00-1F) and DELETE (7F) are not allowed in it; Unity Catalog stores names in lower case, so
`Orders` and `orders` are one object.

What lakeflow-balancer decides beyond those words:

- `uc_key`: names are compared after Unicode NFC and case folding. `é` typed as one character
  and `e` + a combining accent are one name (NFC/NFD twins); folding is stricter than lower
  case (`Straße` and `STRASSE` are one name here): a pair Unity Catalog might keep apart is
  refused rather than two tables merged.
- `uc_problem`: a catalog, schema, table or connection name is not empty, is at most 255
  characters (as given and after NFC), and holds no '.', '/' or space and no character Python
  deems unprintable (every control character, not only ASCII's, NUL included; format
  characters such as bidirectional overrides; line and paragraph separators; any space other
  than ' '). It holds no `${` either: a bundle and `balancer deploy` read that as a reference.
  Anything else (letters of any script, digits, '_', '-', backticks, quotes...) is kept: SQL
  quotes it (`balancer.quoting`), YAML and JSON escape it.
- `source_problem`: a source table name is the connector's name for an object, not a Unity
  Catalog name: it may hold '.', '/' or spaces, and must be printable, not empty and at most
  1024 characters. A table with no destination_table lands under its source name, so the
  Unity Catalog rule applies to that (the effective destination, `Table.destination_table`).
- `plain_name_problem`: a name that becomes a path segment, a file name, a bundle name or key
  holds letters, digits, '_', '-', '.' and '+' (wheel versions carry it: `1.0+local`), does
  not start with '.', '+' or '-', and is at most 100 characters: it can never climb out of its
  folder ('..'), hide (a leading '.'), pass for an option, or carry a line break, a quote or
  YAML. Bundle and pipeline keys take only letters, digits, '_' and '-' (`dots=False`):
  `${resources.pipelines.<key>.id}` splits on a '.'. `relative_path_problem`: a path inside a
  folder is plain names joined by '/'.

Collisions (`uc_collision`): of named rows (a name, where it was read, the table it names, the
catalog and schema it lands in), the first pair that are one object to Unity Catalog: equal
`uc_key`s in the same catalog and schema, of two different tables. A table's source and
destination never collide with each other.
"""

from __future__ import annotations

import os
import posixpath
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol, TypeVar

from balancer.errors import Location
from balancer.quoting import visible

UC_MAX = 255
SOURCE_MAX = 1024
PLAIN_MAX = 100
SHOWN_MAX = 60  # characters of a name a message shows

_PLAIN = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.+-]*")
_KEY = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_-]*")
_UC_REFUSED = {".": "a period ('.')", "/": "a slash ('/')", " ": "a space"}


def shown(name: str) -> str:
    """A name as a message quotes it: control characters escaped, long names cut."""
    text = visible(name)
    if len(text) > SHOWN_MAX:
        text = text[: SHOWN_MAX - 3] + "..."
    return f"'{text}'"


def uc_key(name: str) -> str:
    """How Unity Catalog compares a name: case-insensitively, after Unicode NFC."""
    return unicodedata.normalize("NFC", unicodedata.normalize("NFC", name).casefold())


def _unprintable(name: str) -> str | None:
    bad = next((ch for ch in name if not ch.isprintable()), None)
    if bad is None:
        return None
    if bad == "\x00":
        return "holds a NUL character"
    return f"holds the control character {shown(bad)}"


def uc_problem(name: object) -> str | None:
    """What keeps `name` from being a Unity Catalog name, as words that follow the name
    ("'a.b' holds a period"); None if Unity Catalog takes it."""
    if not isinstance(name, str):
        return f"is not text ({type(name).__name__})"
    if not name:
        return "is empty"
    length = max(len(name), len(unicodedata.normalize("NFC", name)))
    if length > UC_MAX:
        return f"is {length} characters long; Unity Catalog takes at most {UC_MAX}"
    problem = _unprintable(name)
    if problem:
        return problem
    bad = next((ch for ch in name if ch in _UC_REFUSED), None)
    if bad is not None:
        return f"holds {_UC_REFUSED[bad]}, which Unity Catalog does not allow in a name"
    if "${" in name:
        return "holds '${', which a bundle reads as the start of a reference"
    return None


def uc_suggestion(name: str) -> str:
    """A name Unity Catalog takes, close to `name` (for a message's fix)."""
    out = "".join(
        "_" if ch in _UC_REFUSED or not ch.isprintable() else ch for ch in name.replace("${", "_{")
    )
    return out[:UC_MAX] or "table"


def source_problem(name: object) -> str | None:
    """What keeps `name` from being a connector's table name; None if it is one."""
    if not isinstance(name, str):
        return f"is not text ({type(name).__name__})"
    if not name.strip():
        return "is empty"
    if len(name) > SOURCE_MAX:
        return f"is {len(name)} characters long; a table name has at most {SOURCE_MAX}"
    return _unprintable(name)


def plain_name_problem(text: object, *, dots: bool = True, part: bool = False) -> str | None:
    """What keeps `text` from being a plain name (see the module docstring); None if it is
    one. `dots=False`: a bundle or pipeline key, which takes no '.' (nor '+'). `part=True`:
    text appended to a plain name (a suffix): it may be empty and start with any character
    a plain name holds."""
    if not isinstance(text, str):
        return f"is not text ({type(text).__name__})"
    allowed = "letters, digits, '_', '-', '.' and '+'" if dots else "letters, digits, '_' and '-'"
    if not text and not part:
        return f"is empty; use {allowed}"
    if len(text) > PLAIN_MAX:
        return f"is {len(text)} characters long; at most {PLAIN_MAX}"
    if not (_PLAIN if dots else _KEY).fullmatch("_" + text if part else text):
        start = "" if part else " not starting with " + ("'.', '+' or '-'" if dots else "'-'")
        return f"is not a plain name: use {allowed}" + ("," + start if start else "")
    return None


def folder_key(path: str) -> str:
    """A plan name from the tables file's name (`zendesk.csv`: discover names it after the
    connector) or, for a file named `tables.csv`, the folder holding it (the connector's
    folder, by the examples' layout): its letters, digits, '_' and '-', at most 40, else
    'lakeflow'. The path is made absolute without following links, so a loop of links is no
    error here."""
    full = os.path.abspath(path)
    stem = posixpath.splitext(posixpath.basename(full))[0]
    name = (
        stem if stem.lower() not in GENERIC_STEMS else posixpath.basename(posixpath.dirname(full))
    )
    return re.sub(r"[^A-Za-z0-9_-]+", "_", name).strip("_-")[:40] or "lakeflow"


GENERIC_STEMS = frozenset({"tables", "catalog", ""})


def workspace_path_problem(path: object) -> str | None:
    """Why `path` cannot be a workspace or volume folder the render writes into bodies and
    bundles (absolute, no '.' or '..' segment, no empty segment, printable), or None. A bundle
    reference such as `${workspace.current_user.userName}` may stand in it."""
    if not isinstance(path, str) or not path.startswith("/"):
        return "is not an absolute path (start it with /Workspace/ or /Volumes/)"
    if _unprintable(path):
        return "holds a control character"
    parts = path.rstrip("/").split("/")[1:]
    if any(part in ("", ".", "..") for part in parts):
        return "has an empty, '.' or '..' segment, which could lead out of its folder"
    return None


def requirement_problem(text: object) -> str | None:
    """Why `text` cannot be one pip requirement of a pipeline (one printable token that is
    not a pip option), or None."""
    if not isinstance(text, str) or not text.strip():
        return "is empty"
    if _unprintable(text) or any(ch.isspace() and ch != " " for ch in text):
        return "holds a line break or a control character (one requirement per --dependency)"
    if text.startswith("-"):
        return "starts with '-', which pip reads as an option, not a requirement"
    return None


def relative_path_problem(path: object) -> str | None:
    """What keeps `path` from being a path inside a folder (plain names joined by '/')."""
    if not isinstance(path, str):
        return f"is not text ({type(path).__name__})"
    for part in path.split("/"):
        problem = plain_name_problem(part)
        if problem:
            return f"has the part {shown(part)}, which {problem}"
    return None


@dataclass(frozen=True)
class Named:
    """A name as read: where (file, row, column), the table it names (`owner`: names of one
    owner never collide), and the catalog and schema it lands in (`scope`)."""

    name: str
    where: Location
    owner: str
    scope: tuple[str, ...] = ()

    @property
    def key(self) -> tuple[str, ...]:
        return tuple(uc_key(part) for part in (*self.scope, self.name))


def uc_collision(
    names: Iterable[Named], against: Iterable[Named] = ()
) -> tuple[Named, Named] | None:
    """The first pair of two owners that are one object to Unity Catalog: among `names`, or
    one of `names` and one of `against` (two of `against` never collide with each other)."""
    seen: dict[tuple[str, ...], Named] = {}
    for named in names:
        first = seen.setdefault(named.key, named)
        if first.owner != named.owner:
            return first, named
    for named in against:
        first = seen.get(named.key, named)
        if first.owner != named.owner:
            return first, named
    return None


class NamedTable(Protocol):
    """What the table rules read of a table (`balancer.model.Table` is one)."""

    @property
    def source_table(self) -> str: ...
    @property
    def destination_table(self) -> str: ...
    @property
    def extra(self) -> tuple[tuple[str, str], ...]: ...


T = TypeVar("T", bound=NamedTable)
SCOPE = ("destination_catalog", "destination_schema")


@dataclass(frozen=True)
class NameProblem:
    """What is wrong with one of a table's names: its column, the sentence, and a fix."""

    column: str
    problem: str
    fix: str


def table_name_problem(t: NamedTable) -> NameProblem | None:
    """The first of a table's names that the connector or Unity Catalog cannot hold; None if
    all are fine. The destination is checked as Unity Catalog sees it: the destination_table,
    or the source name when that is the same (a table without a destination of its own)."""
    problem = source_problem(t.source_table)
    if problem:
        return NameProblem(
            "source_table",
            f"source_table {shown(str(t.source_table))} {problem}.",
            f"write the connector's name of the table: printable, at most {SOURCE_MAX} "
            "characters (a quoted CSV cell can hide a line break).",
        )
    destination = t.destination_table or t.source_table
    problem = uc_problem(destination)
    fix = (
        "give the table a destination_table Unity Catalog takes, e.g. "
        f"{shown(uc_suggestion(destination))}."
    )
    if problem and destination == t.source_table:
        return NameProblem(
            "source_table",
            f"source_table {shown(destination)} is also the table's destination in Unity "
            f"Catalog (it has no destination_table of its own), and it {problem}.",
            fix,
        )
    if problem:
        return NameProblem(
            "destination_table", f"destination_table {shown(destination)} {problem}.", fix
        )
    for column, value in t.extra:
        problem = uc_problem(value) if column in SCOPE else None
        if problem:
            return NameProblem(
                column,
                f"{column} {shown(value)} {problem}.",
                f"use a name Unity Catalog takes, e.g. {shown(uc_suggestion(value))}.",
            )
    return None


def table_collision(
    tables: Sequence[T], where: Callable[[T, str], Location]
) -> tuple[Named, Named] | None:
    """The first two tables Unity Catalog cannot tell apart (see `uc_collision`): their
    destinations, or the destination of one and the source name of another, in the same
    catalog and schema. `where(table, column)` places a name in its input."""

    def scope(t: T) -> tuple[str, ...]:
        extra = dict(t.extra)
        return tuple(extra.get(column, "") for column in SCOPE)

    def named(t: T, column: str, name: str) -> Named:
        return Named(name, where(t, column), t.source_table, scope(t))

    destinations = [
        named(t, "destination_table", t.destination_table)
        if t.destination_table and t.destination_table != t.source_table
        else named(t, "source_table", t.source_table)
        for t in tables
    ]
    sources = [named(t, "source_table", t.source_table) for t in tables]
    return uc_collision(destinations, sources)


def why_one(a: str, b: str) -> str:
    """Why Unity Catalog takes two names as one, in words."""
    if a == b:
        return "they are the same name"
    nfc_a, nfc_b = (unicodedata.normalize("NFC", n) for n in (a, b))
    if nfc_a == nfc_b:
        return "they differ only in Unicode form (NFC/NFD), which Unity Catalog does not tell apart"
    return "they differ only in case, and Unity Catalog compares names case-insensitively"


def collision_text(pair: tuple[Named, Named]) -> str:
    """The sentence naming both rows of a collision (the second row is the error's place)."""
    a, b = pair
    return (
        f"{_described(b)} and {_described(a)} are one table to Unity Catalog: "
        f"{why_one(a.name, b.name)}."
    )


def _described(n: Named) -> str:
    column = n.where.column or "name"
    place = f" (row {n.where.row})" if n.where.row is not None else ""
    owner = f" of table {shown(n.owner)}" if n.owner != n.name else ""
    return f"{column} {shown(n.name)}{owner}{place}"
