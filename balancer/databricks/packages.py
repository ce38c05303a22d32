"""The wheels pipelines and jobs install: the connector framework, the connector, the balancer.

None of them is on a package index, so they travel with the render and `balancer deploy`
uploads them to a Unity Catalog volume that every pipeline (and the rebalancing job) lists
in its environment.

- `connector_wheels(checkout, source)` builds the framework wheel and the connector's wheel
  from a checkout of the community connectors repository with `python -m build` (in a copy,
  so the checkout is never written to; `SOURCE_DATE_EPOCH` fixed, so the same source gives
  the same bytes). `given_wheels(paths)` takes wheel files built elsewhere. Both check the
  layout as upstream's CLI does: the framework ships `.../community_connector/interface/`,
  a connector `.../community_connector/sources/<source>/`.
- `balancer_wheel()` writes lakeflow-balancer's own wheel from its installed files and
  metadata, byte-identical for the same installed version, without build tools.
"""

from __future__ import annotations

import base64
import hashlib
import io
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from importlib import metadata
from pathlib import Path

from balancer.errors import InputError, Location
from balancer.io.guard import note_input
from balancer.model import Wheel, WheelRole

FRAMEWORK_PREFIX = "databricks/labs/community_connector/interface/"
SOURCES_PREFIX = "databricks/labs/community_connector/sources/"
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


def wheel_role(file_name: str, data: bytes, where: str) -> WheelRole:
    """Framework or connector, read from the wheel's files; InputError if it is neither."""
    try:
        names = zipfile.ZipFile(io.BytesIO(data)).namelist()
    except zipfile.BadZipFile:
        raise InputError(
            "this file is not a wheel (not a zip archive).",
            fix="give a .whl built from the community connectors repository.",
            where=Location(where),
        ) from None
    if any(n.startswith(SOURCES_PREFIX) for n in names):
        return "connector"
    if any(n.startswith(FRAMEWORK_PREFIX) for n in names):
        return "framework"
    raise InputError(
        f"wheel {file_name} holds neither the connector framework ({FRAMEWORK_PREFIX}) nor a "
        f"connector ({SOURCES_PREFIX}<source>/).",
        fix="build it from the community connectors repository (its root or a source folder).",
        where=Location(where),
    )


def given_wheels(paths: tuple[str, ...], source_name: str) -> tuple[Wheel, ...]:
    """Framework and connector wheels from files; exactly one of each is required."""
    wheels = []
    for p in paths:
        path = Path(p)
        if not path.is_file() or path.suffix != ".whl":
            raise InputError(
                "no wheel file here.", fix="give the path of a .whl file.", where=Location(p)
            )
        note_input(path)
        data = path.read_bytes()
        role = wheel_role(path.name, data, p)
        if role == "connector" and not _has_source(data, source_name):
            raise InputError(
                f"wheel {path.name} does not carry the connector '{source_name}' "
                f"({SOURCES_PREFIX}{source_name}/).",
                fix="give that connector's wheel, or --source-name the connector it carries.",
                where=Location(p),
            )
        wheels.append(Wheel(path.name, data, role))
    return _one_of_each(wheels, "--connector-wheel")


def _has_source(data: bytes, source_name: str) -> bool:
    prefix = f"{SOURCES_PREFIX}{source_name}/"
    return any(n.startswith(prefix) for n in zipfile.ZipFile(io.BytesIO(data)).namelist())


def _one_of_each(wheels: list[Wheel], flag: str) -> tuple[Wheel, ...]:
    roles = sorted(w.role for w in wheels)
    if roles != ["connector", "framework"]:
        raise InputError(
            f"{flag} needs exactly one framework wheel and one connector wheel "
            f"(got: {', '.join(roles) or 'none'}).",
            fix="pass the framework wheel (lakeflow_community_connectors-*.whl) and the "
            "connector's wheel (lakeflow_community_connectors_<source>-*.whl).",
        )
    return tuple(sorted(wheels, key=lambda w: w.role != "framework"))


def connector_wheels(checkout: str | Path, source_name: str) -> tuple[Wheel, ...]:
    """Build the framework and connector wheels from a connectors checkout (root or src/)."""
    root = Path(checkout).resolve()
    if root.name == "src" and not (root / "pyproject.toml").is_file():
        root = root.parent
    if not (root / "pyproject.toml").is_file():
        raise InputError(
            "no pyproject.toml here: not the root of a community connectors checkout.",
            fix="give the folder you cloned databrickslabs/lakeflow-community-connectors into.",
            where=Location(str(checkout)),
        )
    source_rel = Path("src/databricks/labs/community_connector/sources") / source_name
    if not (root / source_rel / "pyproject.toml").is_file():
        raise InputError(
            f"the checkout has no connector '{source_name}' with a pyproject.toml ({source_rel}).",
            fix="check --source-name, or update the checkout.",
            where=Location(str(checkout)),
        )
    with tempfile.TemporaryDirectory(prefix="balancer-wheels-") as tmp:
        copy = Path(tmp) / "checkout"
        shutil.copytree(
            root,
            copy,
            ignore=shutil.ignore_patterns(".git", "__pycache__", "*.pyc", "build", "*.egg-info"),
        )
        out = Path(tmp) / "dist"
        wheels = [
            _build(copy, out / "framework", "framework"),
            _build(copy / source_rel, out / "connector", "connector"),
        ]
    return _one_of_each(wheels, "--connector-src")


def _build(folder: Path, out: Path, role: WheelRole) -> Wheel:
    env = dict(os.environ, SOURCE_DATE_EPOCH="315532800")
    cmd = [sys.executable, "-m", "build", "--wheel", "--outdir", str(out), str(folder)]
    result = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
    built = sorted(out.glob("*.whl")) if out.is_dir() else []
    if result.returncode != 0 or len(built) != 1:
        tail = " | ".join((result.stderr or result.stdout).strip().splitlines()[-8:])
        raise InputError(
            f"building the {role} wheel failed: {tail}",
            fix="check that `python -m build` works in that folder, or pass built wheels "
            "with --connector-wheel.",
            where=Location(str(folder)),
        )
    data = built[0].read_bytes()
    wheel_role(built[0].name, data, str(folder))
    return Wheel(built[0].name, data, role)


def _record_hash(data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
    return "sha256=" + digest.decode("ascii")


def balancer_wheel() -> Wheel:
    """lakeflow-balancer's own wheel, from the installed packages `balancer` and `render`."""
    import importlib.util

    dist = metadata.distribution("lakeflow-balancer")
    version = dist.version
    files: dict[str, bytes] = {}
    for package in ("balancer", "render"):
        spec = importlib.util.find_spec(package)
        if spec is None or spec.origin is None:
            raise InputError(f"the installed package {package} cannot be found.")
        base = Path(spec.origin).resolve().parent
        for path in sorted(base.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
                files[f"{base.name}/{path.relative_to(base).as_posix()}"] = path.read_bytes()
    info = f"lakeflow_balancer-{version}.dist-info"
    meta = dist.read_text("METADATA") or dist.read_text("PKG-INFO")  # dist-info or egg-info
    if not meta:
        raise InputError("the installed lakeflow-balancer has no metadata; reinstall it.")
    files[f"{info}/METADATA"] = meta.encode("utf-8")
    files[f"{info}/WHEEL"] = (
        b"Wheel-Version: 1.0\nGenerator: lakeflow-balancer\nRoot-Is-Purelib: true\n"
        b"Tag: py3-none-any\n"
    )
    entry_points = dist.read_text("entry_points.txt")
    if entry_points:
        files[f"{info}/entry_points.txt"] = entry_points.encode("utf-8")
    record = "".join(f"{name},{_record_hash(data)},{len(data)}\n" for name, data in files.items())
    files[f"{info}/RECORD"] = (record + f"{info}/RECORD,,\n").encode("utf-8")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in files.items():
            entry = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
            entry.external_attr = 0o644 << 16
            entry.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(entry, data)
    return Wheel(f"lakeflow_balancer-{version}-py3-none-any.whl", buffer.getvalue(), "balancer")
