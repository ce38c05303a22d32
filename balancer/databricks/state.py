"""The record of a deployment: what `balancer deploy` learned and did, per target.

`<render>/.lakeflow-balancer/state/<identity>.json` (the target, and in development mode the
user: `dev.someone.json`, so two developers deploying one folder keep their own) holds the pipeline and job ids by key, the
catalog and schema the target's tables live in (a development target's schema is the
user's own), the event-log tables, and the steps of the last apply that completed (a
journal, written after every step). `rebalance`, `history sql` and `history pull` read it with
`--deployment DIR [--deployment-target T]`, so pipeline ids, catalog and schema are never pasted by hand.
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
from balancer.io.files import read_bytes
from balancer.jsondoc import load_json

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
    restart: list[str] = field(default_factory=list)  # pipeline ids stopped, to start again
    paused: list[str] = field(default_factory=list)  # job ids paused for a hand-over

    def to_json(self) -> str:
        doc = {"format": 1, "tool": "lakeflow-balancer", **self.__dict__}
        return json.dumps(doc, indent=2, sort_keys=True) + "\n"


def state_path(folder: str | Path, identity: str) -> Path:
    return Path(folder) / FOLDER / f"{identity}.json"


def write_state(folder: str | Path, state: DeploymentState) -> None:
    write_file(state_path(folder, state.identity), state.to_json(), replaces_input=True)


def _recorded(folder: str | Path, target: str | None) -> str:
    """The identity whose record to read: the only one, or the only one of `target`."""
    root = Path(folder) / FOLDER
    found = sorted(p.stem for p in root.glob("*.json")) if root.is_dir() else []
    if target is not None:
        found = [f for f in found if f == target or f.startswith(target + ".")]
    if len(found) == 1:
        return found[0]
    if not found:
        raise InputError(
            f"target '{target}' of this render was never deployed from this folder."
            if target
            else "no deployment is recorded in this render folder.",
            where=Location(str(folder)),
            fix=f"deploy it first (`balancer deploy {folder}"
            + (f" --target {target}`)." if target else "`)."),
        )
    raise InputError(
        f"{len(found)} deployments are recorded here ({', '.join(found)}).",
        where=Location(str(folder)),
        fix="pass --deployment-target with one of them.",
    )


def read_state(folder: str | Path, target: str | None = None) -> DeploymentState:
    """The record of `target` (a target name, or `dev.someone`; the only one when not given)."""
    path = state_path(folder, _recorded(folder, target))
    try:
        doc: Any = load_json(
            read_bytes(path, "deployment record"), Location(str(path)), what="deployment record"
        )
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
            restart=[str(s) for s in doc.get("restart", [])],
            paused=[str(s) for s in doc.get("paused", [])],
        )
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise InputError(
            f"the deployment record cannot be read ({exc}).",
            where=Location(str(path)),
            fix="deploy again: it rewrites the record from the workspace.",
        ) from None


def read_own_state(folder: str | Path, identity: str) -> DeploymentState | None:
    """The record deploy wrote for this identity, or None (never deployed, or unreadable)."""
    if not state_path(folder, identity).is_file():
        return None
    try:
        return read_state(folder, identity)
    except InputError:
        return None
