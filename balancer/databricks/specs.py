"""Updates merge onto what the workspace holds; comparisons ignore what the server adds.

`PUT /api/2.0/pipelines/{id}` and `jobs/reset` replace the whole spec, so an update sends
the fetched spec with the balancer's fields laid over it: whatever an admin added (a
notification, a budget policy, run_as, permissions-related settings, tags and configuration
of their own, task settings) is sent back unchanged. Upstream's community-connector CLI
merges the same way (`build_bare_pipeline_body(..., base=...)`).

Owned, per pipeline: the fields a render writes. `tags` and `configuration` merge key by key
(the render's keys win); `environment` keeps its other keys; fields the balancer wrote and
the render no longer has (`root_path`, `libraries`, `development`, its own configuration
keys) are removed. Per job: name, schedule (but its pause status: the operator's once the job
exists), max_concurrent_runs, tags (merged), and the
tasks and environments it renders, merged by `task_key` / `environment_key` with the
fetched ones (task defaults the server added, such as `run_if` or `timeout_seconds`, stay).

`current(fetched, wanted)` is True when the fetched spec already holds everything the render
wants (every wanted field present and equal, recursively; lists item by item) and nothing it
removes: the server's own fields and defaults never count as a change, so redeploying an
unchanged render writes nothing.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

OWN_CONFIGURATION = ("lakeflow_balancer.", "pipelines.managedIngestion.")
REMOVABLE = ("root_path", "libraries", "development")
KEYED_LISTS = {"tasks": "task_key", "environments": "environment_key"}


def covers(have: Any, want: Any) -> bool:
    """Everything in `want` is in `have` (dicts by key, lists item by item)."""
    if isinstance(want, dict):
        return isinstance(have, dict) and all(
            k in have and covers(have[k], v) for k, v in want.items()
        )
    if isinstance(want, list):
        return (
            isinstance(have, list)
            and len(have) == len(want)
            and all(covers(h, w) for h, w in zip(have, want, strict=True))
        )
    return bool(have == want)


def _keyed(have: Any, want: list[Any], key: str) -> list[Any]:
    """`want`'s items laid over `have`'s of the same key, in `want`'s order, then the items
    of `have` the render does not know (a task an admin added stays)."""
    old = [i for i in have or [] if isinstance(i, dict)]
    by_key = {i.get(key): i for i in old}
    ours = {w.get(key) for w in want}
    return [{**by_key.get(w.get(key), {}), **w} for w in want] + [
        i for i in old if i.get(key) not in ours
    ]


def _stale_configuration(fetched: Mapping[str, Any], wanted: Mapping[str, Any]) -> list[str]:
    have = fetched.get("configuration") or {}
    want = wanted.get("configuration") or {}
    return [k for k in have if k.startswith(OWN_CONFIGURATION) and k not in want]


def merge_pipeline(fetched: Mapping[str, Any], wanted: Mapping[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(dict(fetched))
    for key, value in wanted.items():
        if key in ("tags", "configuration") or key == "environment":
            out[key] = {**(out.get(key) or {}), **value}
        else:
            out[key] = copy.deepcopy(value)
    for key in REMOVABLE:
        if key not in wanted:
            out.pop(key, None)
    if wanted.get("serverless"):  # a serverless pipeline has no clusters (PipelineSpec.serverless)
        out.pop("clusters", None)
    if "environment" not in wanted and isinstance(out.get("environment"), dict):
        out["environment"].pop("dependencies", None)
    for key in _stale_configuration(fetched, wanted):
        out["configuration"].pop(key)
    return out


def pipeline_current(fetched: Mapping[str, Any], wanted: Mapping[str, Any]) -> bool:
    if not covers(fetched, wanted):
        return False
    if any(fetched.get(k) and k not in wanted for k in REMOVABLE):
        return False
    if wanted.get("serverless") and fetched.get("clusters"):
        return False
    env = fetched.get("environment") or {}
    if "environment" not in wanted and env.get("dependencies"):
        return False
    return not _stale_configuration(fetched, wanted)


def _keep_pause(fetched: Mapping[str, Any], wanted: Mapping[str, Any]) -> dict[str, Any]:
    """`wanted` with the fetched job's pause status: once a job exists, whether it is paused is
    the operator's call (an incident, a maintenance window), not the render's."""
    have = fetched.get("schedule")
    want = wanted.get("schedule")
    if not (isinstance(have, dict) and isinstance(want, dict) and "pause_status" in have):
        return dict(wanted)
    return {**wanted, "schedule": {**want, "pause_status": have["pause_status"]}}


def merge_job(
    fetched: Mapping[str, Any], wanted: Mapping[str, Any], resume: bool = False
) -> dict[str, Any]:
    """The job's settings for a reset: the fetched ones with the render's laid over, its pause
    status kept (or, with `resume`, unpaused: a hand-over paused it)."""
    out = copy.deepcopy(dict(fetched))
    wanted = _keep_pause(fetched, wanted)
    if resume and isinstance(wanted.get("schedule"), dict):
        wanted = {**wanted, "schedule": {**wanted["schedule"], "pause_status": "UNPAUSED"}}
    for key, value in wanted.items():
        if key == "tags":
            out[key] = {**(out.get(key) or {}), **value}
        elif key in KEYED_LISTS:
            out[key] = _keyed(out.get(key), value, KEYED_LISTS[key])
        else:
            out[key] = copy.deepcopy(value)
    return out


def job_current(fetched: Mapping[str, Any], wanted: Mapping[str, Any]) -> bool:
    wanted = _keep_pause(fetched, wanted)
    for key, value in wanted.items():
        if key in KEYED_LISTS:
            have = {i.get(KEYED_LISTS[key]): i for i in fetched.get(key) or []}
            if not all(covers(have.get(v.get(KEYED_LISTS[key])), v) for v in value):
                return False
        elif not covers(fetched.get(key), value):
            return False
    return True
