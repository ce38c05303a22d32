"""connector_spec.yaml read once: connection parameters, the allowlist, the per-table options
a connector's code requires; malformed specs refused with the file and a fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from balancer.errors import InputError
from balancer.io.connector_spec import CONSTANT_ALLOWLIST, read_spec, source_folder

CHECKOUT = Path(__file__).resolve().parent / "fixtures" / "checkout"
SOURCES = CHECKOUT / "src" / "databricks" / "labs" / "community_connector" / "sources"
HELPDESK = SOURCES / "helpdesk" / "connector_spec.yaml"
REPOHOST = SOURCES / "repohost" / "connector_spec.yaml"


def test_a_flat_spec_reads_parameters_secrets_and_the_allowlist() -> None:
    spec = read_spec(HELPDESK)
    assert [(p.name, p.required, p.secret) for p in spec.parameters] == [
        ("site", True, False),
        ("login", True, False),
        ("api_key", True, True),
        ("region", False, False),
    ]
    assert spec.allowlist == ("max_records_per_batch", "page_size")  # stripped, sorted
    assert spec.allowed == frozenset(spec.allowlist) | frozenset(CONSTANT_ALLOWLIST)
    assert spec.table_requirements == ()


def test_requirements_come_from_checks_that_raise_called_with_a_table_name() -> None:
    spec = read_spec(REPOHOST)
    assert spec.required_for("merge_requests") == ("project",)
    assert spec.required_for("pipelines") == ("project",)
    assert spec.required_for("groups") == ()  # its helper reads 'group' but never raises


@pytest.mark.parametrize(
    ("path", "given", "missing"),
    [
        (HELPDESK, {}, "site, login, api_key (secret)"),
        (HELPDESK, {"site": "x", "api_key": "k"}, "login"),
        (HELPDESK, {"site": "x", "login": "l", "api_key": "k"}, None),  # region is optional
        (
            REPOHOST,
            {},
            "base_url and one auth method (token: token (secret); or app: app_id, app_key "
            "(secret))",
        ),
        (
            REPOHOST,
            {"base_url": "u", "app_id": "a"},
            "one auth method (token: token (secret); or app: app_key (secret))",
        ),
        (REPOHOST, {"base_url": "u", "token": "t"}, None),
        (REPOHOST, {"token": "t"}, "base_url"),
    ],
)
def test_missing_names_every_lacking_parameter_at_once(
    path: Path, given: dict[str, str], missing: str | None
) -> None:
    assert read_spec(path).missing(given) == missing


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("connection: [\n  - a\n", "not valid YAML"),
        ("- a\n- b\n", "the spec is not a mapping"),
        ("connection:\n  parameters: {name: x}\n", "not a list"),
        ("connection:\n  parameters:\n    - required: true\n", "has no name"),
        ("external_options_allowlist: [a, b]\n", "not a comma-separated string"),
    ],
)
def test_a_malformed_spec_is_refused_naming_the_file(tmp_path: Path, text: str, words: str) -> None:
    path = tmp_path / "connector_spec.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as caught:
        read_spec(path)
    assert words in caught.value.problem and caught.value.fix
    assert caught.value.where is not None and caught.value.where.file == str(path)


def test_an_unknown_source_name_lists_the_checkouts_connectors() -> None:
    with pytest.raises(InputError) as caught:
        source_folder(CHECKOUT, "nosuch")
    assert "no connector 'nosuch'" in caught.value.problem
    assert "helpdesk, repohost" in caught.value.fix
    assert source_folder(CHECKOUT / "src", "helpdesk") == SOURCES / "helpdesk"


def test_invalid_yaml_is_located_at_its_row(tmp_path: Path) -> None:
    path = tmp_path / "connector_spec.yaml"
    path.write_text("display_name: x\nconnection:\n  parameters: [\n", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        read_spec(path)
    assert caught.value.where.row == 4
