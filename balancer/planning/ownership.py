"""Whose a workspace object is: this deployment's in this target (the plan's id and the
target tags), another target's or plan's, or a stranger's; and which found object a wanted
one becomes (its twin: the same name, or the id the last deploy recorded)."""

from __future__ import annotations

from collections.abc import Sequence

from balancer.errors import InputError
from balancer.planning.steps import Desired, Found

DEV_PREFIX = "[dev "


def is_ours(found: Found, desired: Desired) -> bool:
    """This deployment's object in this target. Objects an older version deployed carry no
    target tag: they count as this target's when their name carries its prefix."""
    if found.deployment_id != desired.deployment_id:
        return False
    if found.target:
        return found.target == desired.target
    if desired.name_prefix:
        return found.name.startswith(desired.name_prefix)
    return not found.name.startswith(DEV_PREFIX)


def twin(
    kind: str, name: str, found: Sequence[Found], desired: Desired, adopt: bool
) -> Found | None:
    """The workspace object a wanted one becomes: the one of the same name, if any."""
    if len(found) > 1:
        raise InputError(
            f"{len(found)} {kind}s are named '{name}' ({', '.join(f.ident for f in found)}); "
            "deploy will not guess which one is meant.",
            fix="delete or rename the extra ones.",
        )
    if not found:
        return None
    f = found[0]
    if is_ours(f, desired) or adopt:
        return f
    if f.deployment_id == desired.deployment_id:
        raise InputError(
            f"a {kind} named '{name}' ({f.ident}) belongs to target '{f.target}' of this plan, "
            f"not to '{desired.target}'.",
            fix="give the targets different names (a development target prefixes them) or "
            "deploy them to different workspaces; --adopt takes it over.",
        )
    raise InputError(
        f"a {kind} named '{name}' ({f.ident}) exists and was not created by this plan "
        f"(its lakeflow_balancer_id tag is {f.deployment_id or 'missing'}, this plan's is "
        f"{desired.deployment_id}).",
        fix=f"if it is the deployment of an earlier plan of yours (its tables changed), solve "
        "with `--current <that plan.json>` to keep its identity; else rename or remove that "
        f"{kind}, or pass --adopt to take it over.",
    )


def recorded(found: Found | None, desired: Desired) -> list[Found]:
    """The pipeline the last deploy made for a key, when its name changed since (renamed by
    hand): still this deployment's, so it is updated (and named again) rather than doubled."""
    return [found] if found is not None and is_ours(found, desired) else []


def by_name(found: Sequence[Found]) -> dict[str, list[Found]]:
    out: dict[str, list[Found]] = {}
    for f in found:
        out.setdefault(f.name, []).append(f)
    return out
