"""golive.yml validation: every kind of bad input is one precise ConfigError."""

from __future__ import annotations

from pathlib import Path

import pytest

from golive.collectors import settings_keys
from golive.config import load_config
from golive.yamlfile import ConfigError
from tests.conftest import write


def load(path: Path, env: str | None = None):  # type: ignore[no-untyped-def]
    return load_config(path, env, settings_keys())


def config_file(tmp_path: Path, body: str) -> Path:
    write(tmp_path / "inventory" / "staging.yml", "all: {}\n")
    write(tmp_path / "inventory" / "prod.yml", "all: {}\n")
    return write(tmp_path / "golive.yml", body)


def error_of(path: Path, env: str | None = None) -> str:
    with pytest.raises(ConfigError) as caught:
        load(path, env)
    message = str(caught.value)
    assert "\n" not in message
    return message


def test_misspelled_top_level_key_is_named_with_suggestion_and_line(tmp_path: Path) -> None:
    path = config_file(tmp_path, "release: {repo: .}\nwaivres: w.yml\n")
    assert error_of(path) == f"{path}:2: unknown key 'waivres' in the top level (did you mean 'waivers'?)"


def test_misspelled_nested_key_names_its_parent(tmp_path: Path) -> None:
    path = config_file(tmp_path, "release:\n  repo: .\n  verison_file: /etc/VERSION\n")
    message = error_of(path)
    assert message.startswith(f"{path}:3: unknown key 'verison_file' in release")
    assert "did you mean 'version_file'?" in message


def test_wrong_type_names_field_and_type(tmp_path: Path) -> None:
    path = config_file(tmp_path, "environments:\n  staging:\n    inventory: [a, b]\n")
    assert error_of(path) == f"{path}:3: environments.staging.inventory must be a string, got list ['a', 'b']"


def test_yaml_syntax_error_gives_file_line_and_column(tmp_path: Path) -> None:
    path = config_file(tmp_path, "release:\n  repo: .\n items: [\n")
    message = error_of(path)
    assert message.startswith(f"{path}:3:")
    assert "YAML syntax error" in message


def test_missing_config_file(tmp_path: Path) -> None:
    assert error_of(tmp_path / "nope.yml") == f"{tmp_path / 'nope.yml'}: configuration file not found"


def test_missing_referenced_file_names_key_and_path(tmp_path: Path) -> None:
    path = config_file(tmp_path, "waivers: waivers.yml\n")
    assert error_of(path) == f"{path}:1: waivers: file not found: {tmp_path / 'waivers.yml'}"


def test_unknown_item_override_suggests_closest_id(tmp_path: Path) -> None:
    path = config_file(tmp_path, "items:\n  tests.coverge: {min_percent: 80}\n")
    assert error_of(path) == f"{path}:2: unknown item 'tests.coverge' (did you mean 'tests.coverage'?)"


def test_unknown_parameter_lists_valid_ones(tmp_path: Path) -> None:
    path = config_file(tmp_path, "items:\n  tests.coverage: {min_percnt: 80}\n")
    message = error_of(path)
    assert message.startswith(f"{path}:2: unknown parameter 'min_percnt' for tests.coverage (did you mean 'min_percent'?)")


def test_parameter_of_wrong_type(tmp_path: Path) -> None:
    path = config_file(tmp_path, "items:\n  tests.coverage:\n    min_percent: seventy\n")
    assert error_of(path) == f"{path}:3: tests.coverage.min_percent must be a number, got a string 'seventy'"


def test_unknown_source_is_an_error(tmp_path: Path) -> None:
    path = config_file(tmp_path, "sources:\n  junt: {unit: x.xml}\n")
    assert "unknown source 'junt' (did you mean 'junit'?)" in error_of(path)


def test_unknown_key_in_implemented_source(tmp_path: Path) -> None:
    path = config_file(tmp_path, "sources:\n  docs: {rot: .}\n")
    assert error_of(path) == f"{path}:2: unknown key 'rot' in sources.docs (did you mean 'root'?)"


def test_several_environments_need_env(tmp_path: Path) -> None:
    body = "environments:\n  staging: {inventory: inventory/staging.yml}\n  prod: {inventory: inventory/prod.yml, promote_from: staging}\n"
    path = config_file(tmp_path, body)
    assert "choose one with --env" in error_of(path)
    assert "no such environment (did you mean 'prod'?)" in error_of(path, "prd")


def test_promote_from_must_name_an_environment(tmp_path: Path) -> None:
    path = config_file(tmp_path, "environments:\n  staging: {}\n  prod: {promote_from: stagin}\n")
    assert "promote_from: unknown environment 'stagin' (did you mean 'staging'?)" in error_of(path, "prod")


def test_precedence_checklist_then_top_level_then_environment(tmp_path: Path) -> None:
    body = (
        "items:\n  tests.coverage: {min_percent: 80}\n  tests.load: {min_users: 50}\n"
        "environments:\n  staging: {items: {tests.coverage: {min_percent: 60}}}\n  prod: {}\n"
    )
    path = config_file(tmp_path, body)
    staging = load(path, "staging").checklist
    prod = load(path, "prod").checklist
    assert staging.get("tests.coverage").params["min_percent"] == 60  # type: ignore[union-attr]
    assert prod.get("tests.coverage").params["min_percent"] == 80  # type: ignore[union-attr]
    assert staging.get("tests.load").params["min_users"] == 50  # type: ignore[union-attr]
    assert staging.get("tests.load").params["min_orders"] == 500  # type: ignore[union-attr]


def test_environment_keys_override_top_level(tmp_path: Path) -> None:
    body = "inventory: inventory/staging.yml\napi: https://top.example\nenvironments:\n  prod: {inventory: inventory/prod.yml}\n"
    config = load(config_file(tmp_path, body), "prod")
    assert config.inventory == tmp_path / "inventory" / "prod.yml"
    assert config.api == "https://top.example"
    assert config.environment == "prod"


def test_host_pattern_override_only_for_host_items(tmp_path: Path) -> None:
    config = load(config_file(tmp_path, "items:\n  infra.falco: {hosts: lunia_app}\n"))
    assert config.checklist.get("infra.falco").hosts == "lunia_app"  # type: ignore[union-attr]
    path = config_file(tmp_path, "items:\n  tests.unit: {hosts: all}\n")
    assert "tests.unit is not a host item" in error_of(path)


def test_team_checklist_extends_overrides_and_disables(tmp_path: Path) -> None:
    write(
        tmp_path / "team.yml",
        "extends: default\n"
        "overrides:\n  tests.coverage: {params: {min_percent: 85}}\n"
        "items:\n  - id: docs.api_reference\n    section: Documentation & Support\n    title: API reference published\n"
        "    source: docs\n    check: docs.document\n    params: {path: docs/API.md, attestation: ''}\n"
        "    why: Integrators need it.\n    fix: Publish docs/API.md.\n"
        "disable:\n  - {id: kpi.explainability, reason: no ML model in this product, approver: cto}\n",
    )
    config = load(config_file(tmp_path, "checklist: team.yml\n"))
    checklist = config.checklist
    assert checklist.get("tests.coverage").params["min_percent"] == 85  # type: ignore[union-attr]
    assert checklist.get("docs.api_reference").seed_line is False  # type: ignore[union-attr]
    assert checklist.get("kpi.explainability") is None
    assert [(entry.id, entry.approver) for entry in checklist.disabled] == [("kpi.explainability", "cto")]


def test_disabling_an_item_without_approver_is_a_config_error(tmp_path: Path) -> None:
    write(tmp_path / "team.yml", "disable:\n  - {id: kpi.explainability, reason: not applicable}\n")
    path = config_file(tmp_path, "checklist: team.yml\n")
    assert error_of(path) == f"{tmp_path / 'team.yml'}:2: disabling 'kpi.explainability' needs a approver"


def test_yaml_duplicate_key_is_an_error(tmp_path: Path) -> None:
    path = config_file(tmp_path, "items: {}\nitems: {}\n")
    assert error_of(path) == f"{path}:2: duplicate key 'items'"
