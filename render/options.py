"""What a render needs besides the plan. Defaults match the seed toolkit's flags."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from balancer.errors import InputError, Location
from balancer.model import Wheel
from balancer.names import (
    plain_name_problem,
    requirement_problem,
    shown,
    uc_problem,
    workspace_path_problem,
)
from balancer.table_options import IngestionControls

_PATH_FIX = "give an absolute workspace or volume folder, e.g. /Workspace/Shared/connectors."
_FIXES = {
    "--connector-root": _PATH_FIX,
    "--ingest-files-path": _PATH_FIX,
    "--packages-volume-path": "give a volume folder, e.g. /Volumes/main/default/packages.",
    "--dependency": "give one pip requirement per --dependency, e.g. a wheel's /Volumes path.",
    "--timezone": "give an IANA time zone id, e.g. UTC or Europe/Berlin (a job's timezone_id).",
}


def _timezone_problem(zone: str) -> str | None:
    """Why `zone` is no time zone id a job's Quartz schedule takes (IANA names), or None."""
    import zoneinfo

    known = zoneinfo.available_timezones()  # empty where no tz database is installed
    if not known or zone in ("UTC", "GMT") or zone in known:
        return None
    return "is not an IANA time zone id"


Mode = Literal["managed", "workspace"]
MODES: tuple[Mode, ...] = ("managed", "workspace")


@dataclass(frozen=True)
class RenderOptions:
    """Settings of one render.

    `mode` is how the pipelines get the connector: `managed` (managed ingestion pipelines,
    the framework and connector wheels from a volume) or `workspace` (ingest files, the
    connector from `connector_root`, the synced repository in the workspace, or from the
    wheels). `wheels` travel with the render and are uploaded by `balancer deploy` to
    `packages_volume_path` (default `/Volumes/<catalog>/<schema>/community_connector/packages`);
    `dependencies` are extra pip requirements (for example wheels already on a volume).
    `ingest_files_path` None means the ingest files are synced with the bundle.
    """

    source_name: str
    connection_name: str
    catalog: str = "main"
    schema: str = "default"
    mode: Mode = "managed"
    connector_root: str | None = None
    wheels: tuple[Wheel, ...] = ()
    dependencies: tuple[str, ...] = ()
    packages_volume_path: str | None = None
    ingest_files_path: str | None = None
    emit_jobs: bool = True
    pause_jobs: bool = False
    bundle_suffix: str = ""
    common_table_config: tuple[tuple[str, str], ...] = ()
    common_controls: IngestionControls = field(default_factory=IngestionControls)
    legacy_layout: bool = False
    timezone: str = "UTC"
    rebalance_job: bool = False
    rebalance_schedule: str = "0 6 * * 1"
    # pipelines whose schedule nobody chose (a default): their jobs are tagged, and paused
    # unless run_default_schedules (`balancer.analysis.defaults`)
    default_schedules: tuple[str, ...] = ()
    run_default_schedules: bool = False
    # what those pipelines start a day (runs, compute seconds), for deploy to say
    default_figures: tuple[float, float] = (0.0, 0.0)

    def __post_init__(self) -> None:
        """The names that become paths, bundle names and Unity Catalog names are checked
        here, once, for every way a render is asked for (`balancer.names`)."""
        checks = (
            ("--source-name", self.source_name, plain_name_problem(self.source_name)),
            (
                "--bundle-suffix",
                self.bundle_suffix,
                plain_name_problem(self.bundle_suffix, part=True),
            ),
            ("--catalog", self.catalog, uc_problem(self.catalog)),
            ("--schema", self.schema, uc_problem(self.schema)),
            ("--connection-name", self.connection_name, uc_problem(self.connection_name)),
            *(
                (flag, value, workspace_path_problem(value))
                for flag, value in (
                    ("--connector-root", self.connector_root),
                    ("--ingest-files-path", self.ingest_files_path),
                    ("--packages-volume-path", self.packages_volume_path),
                )
                if value is not None
            ),
            *(("--dependency", d, requirement_problem(d)) for d in self.dependencies),
            ("--timezone", self.timezone, _timezone_problem(self.timezone)),
        )
        for flag, value, problem in checks:
            if problem:
                raise InputError(
                    f"{flag} {shown(str(value))} {problem}.",
                    fix=_FIXES.get(
                        flag,
                        "give a name of letters, digits and '_' (it becomes a "
                        + (
                            "workspace path"
                            if flag in ("--source-name", "--bundle-suffix")
                            else "Unity Catalog name"
                        )
                        + ").",
                    ),
                    where=Location(column=flag),
                )

    @property
    def volume_path(self) -> str:
        """Where the wheels live (a bundle variable's default)."""
        return self.packages_volume_path or self.volume_path_in(self.catalog, self.schema)

    @staticmethod
    def volume_path_in(catalog: str, schema: str) -> str:
        return f"/Volumes/{catalog}/{schema}/community_connector/packages"

    @staticmethod
    def proposal_path_in(catalog: str, schema: str) -> str:
        return f"/Volumes/{catalog}/{schema}/lakeflow_balancer/proposals"

    def wheels_of(self, *roles: str) -> tuple[Wheel, ...]:
        return tuple(w for w in self.wheels if w.role in roles)
