"""A table's options, split the way the connector runtime splits them.

A table's `table_configuration` mixes two kinds of keys. The ingestion controls
(`scd_type`, `primary_keys`, `sequence_by`, `cluster_by`) steer the pipeline and never reach
the source; they keep their types (lists stay lists). Every other key is a connector option,
handed to the source as a string: text as is, booleans as `true`/`false`, numbers, lists and
objects as JSON. `split_options` does that split for tables.csv and
`--common-table-config-json` alike.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from balancer.errors import InputError, Location
from balancer.jsondoc import MAX_VALUE_BYTES, load_json

SCD_TYPES = ("SCD_TYPE_1", "SCD_TYPE_2", "APPEND_ONLY")
CONTROL_KEYS = ("scd_type", "primary_keys", "sequence_by", "cluster_by")
REFERENCE = "${"  # how bundles (and balancer deploy) spell a variable reference


@dataclass(frozen=True)
class IngestionControls:
    """How the pipeline ingests a table; empty values leave the connector's defaults."""

    scd_type: str = ""
    primary_keys: tuple[str, ...] = ()
    sequence_by: tuple[str, ...] = ()
    cluster_by: tuple[str, ...] = ()

    def merged_over(self, base: IngestionControls) -> IngestionControls:
        """These controls, with `base` filling what these leave empty."""
        return IngestionControls(
            scd_type=self.scd_type or base.scd_type,
            primary_keys=self.primary_keys or base.primary_keys,
            sequence_by=self.sequence_by or base.sequence_by,
            cluster_by=self.cluster_by or base.cluster_by,
        )


def _columns(key: str, value: Any, where: Location) -> tuple[str, ...]:
    """A column list given as a JSON list, a JSON list in a string, or 'a, b'."""
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("["):
            value = load_json(text, where, what=f"'{key}' list", max_bytes=MAX_VALUE_BYTES)
        else:
            return tuple(c.strip() for c in text.split(",") if c.strip())
    if (
        not isinstance(value, list)
        or not value
        or not all(isinstance(c, str) and c.strip() for c in value)
    ):
        raise InputError(
            f"'{key}' must be a list of column names.",
            fix=f'write e.g. "{key}": ["id"].',
            where=where,
        )
    return tuple(value)


def option_text(key: str, value: Any, where: Location) -> str:
    """A connector option's value as the string the source receives."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        raise InputError(
            f"option '{key}' is null.", fix="give it a value or remove it.", where=where
        )
    if isinstance(value, (int, float)):
        return json.dumps(value)
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


def split_options(
    value: Mapping[str, Any], where: Location
) -> tuple[IngestionControls, tuple[tuple[str, str], ...]]:
    """(ingestion controls, connector options) of one JSON object of table options."""
    controls: dict[str, Any] = {}
    options: list[tuple[str, str]] = []
    for raw_key, raw in value.items():
        key = str(raw_key)
        if key == "scd_type":
            text = str(raw).strip().upper() if isinstance(raw, str) else ""
            if text not in SCD_TYPES:
                raise InputError(
                    f"'scd_type' is {raw!r}; it must be one of {', '.join(SCD_TYPES)}.",
                    fix='write e.g. "scd_type": "SCD_TYPE_2".',
                    where=where,
                )
            controls[key] = text
        elif key in CONTROL_KEYS:
            controls[key] = _columns(key, raw, where)
        else:
            options.append((key, option_text(key, raw, where)))
    for text in [key for key, _ in options] + [v for _, v in options] + _column_names(controls):
        if REFERENCE in text:
            raise InputError(
                f"the table option {text!r} holds '{REFERENCE}', which a bundle (and balancer "
                "deploy) reads as a reference to a variable and replaces.",
                fix="remove the '${'; options reach the connector as written, never resolved.",
                where=where,
            )
    return IngestionControls(**controls), tuple(options)


def _column_names(controls: Mapping[str, Any]) -> list[str]:
    return [c for v in controls.values() if isinstance(v, tuple) for c in v]


def options_from_json(
    text: str, where: Location
) -> tuple[IngestionControls, tuple[tuple[str, str], ...]]:
    """`split_options` of a JSON object given as text (a tables.csv cell or a flag)."""
    if not text.strip():
        return IngestionControls(), ()
    value = load_json(text, where, what="table configuration", max_bytes=MAX_VALUE_BYTES)
    if not isinstance(value, dict):
        raise InputError(
            f"the JSON must be an object of option names to values, not {type(value).__name__}.",
            fix='write a JSON object such as {"maxCount": "1000"}.',
            where=where,
        )
    return split_options(value, where)
