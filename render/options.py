"""What a render needs besides the plan. Defaults match the seed toolkit's flags."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class RenderOptions:
    """Settings of one render. `ingest_files_path` None means files beside the bundle."""

    source_name: str
    connection_name: str
    catalog: str = "main"
    schema: str = "default"
    ingest_files_path: str | None = None
    emit_jobs: bool = True
    pause_jobs: bool = False
    bundle_suffix: str = ""
    common_table_config: dict[str, str] = field(default_factory=dict)
    legacy_layout: bool = False
    timezone: str = "UTC"
    rebalance_job: bool = False
    rebalance_schedule: str = "0 6 * * 1"
