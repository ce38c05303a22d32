"""The record of a deployment: what `balancer deploy` learned and did, per target.

`<render>/.lakeflow-balancer/state/<target>.json` holds the pipeline and job ids by key, the
catalog and schema the target's tables live in (a development target's schema is the
user's own), the event-log tables, and the steps of the last apply that completed (a
journal, written after every step). `rebalance`, `history sql` and `history pull` read it with
`--deployment DIR [--target T]`, so pipeline ids, catalog and schema are never pasted by hand.
A re-run of deploy reads the workspace again and continues from there; the journal says what
the earlier run got through.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from balancer.errors import InputError, Location
from balancer.io.atomic import write_file

FOLDER = ".lakeflow-balancer/state"


@dataclass
class DeploymentState:
    deployment_id: str
    target: str
    identity: str
    user: str
    catalog: str
    schema: str
    pipelines: dict[str, str] = field(default_factory=dict)  # key -> pipeline id
    jobs: dict[str, str] = field(default_factory=dict)  # key -> job id
    event_logs: dict[str, str] = field(default_factory=dict)  # key -> catalog.schema.table
    done: list[str] = field(default_factory=list)  # step keys of the last apply
    complete: bool = False

    def to_json(self) -> str:
        doc = {"format": 1, "tool": "lakeflow-balancer", **self.__dict__}
        return json.dumps(doc, indent=2, sort_keys=True) + "\n"


def state_path(folder: str | Path, target: str) -> Path:
    return Path(folder) / FOLDER / f"{target}.json"


def write_state(folder: str | Path, state: DeploymentState) -> None:
    write_file(state_path(folder, state.target), state.to_json())


def read_state(folder: str | Path, target: str | None = None) -> DeploymentState:
    """The record of `target` (the only one recorded, when not given)."""
    root = Path(folder) / FOLDER
    if target is None:
        found = sorted(p.stem for p in root.glob("*.json")) if root.is_dir() else []
        if len(found) != 1:
            raise InputError(
                "no deployment is recorded in this render folder"
                if not found
                else f"{len(found)} targets are recorded here ({', '.join(found)})",
                where=Location(str(folder)),
                fix="deploy it first (`balancer deploy DIR`)"
                if not found
                else "pass --target with one of them",
            )
        target = found[0]
    path = state_path(folder, target)
    try:
        doc: Any = json.loads(path.read_text(encoding="utf-8"))
        return DeploymentState(
            deployment_id=str(doc["deployment_id"]),
            target=str(doc["target"]),
            identity=str(doc["identity"]),
            user=str(doc["user"]),
            catalog=str(doc["catalog"]),
            schema=str(doc["schema"]),
            pipelines={str(k): str(v) for k, v in doc["pipelines"].items()},
            jobs={str(k): str(v) for k, v in doc["jobs"].items()},
            event_logs={str(k): str(v) for k, v in doc.get("event_logs", {}).items()},
            done=[str(s) for s in doc.get("done", [])],
            complete=bool(doc.get("complete", False)),
        )
    except FileNotFoundError:
        raise InputError(
            f"target '{target}' of this render was never deployed.",
            where=Location(str(path)),
            fix=f"deploy it first (`balancer deploy {folder} --target {target}`).",
        ) from None
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise InputError(
            f"the deployment record cannot be read ({exc}).",
            where=Location(str(path)),
            fix="deploy again: it rewrites the record from the workspace.",
        ) from None
