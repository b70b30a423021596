"""`${VAR}` interpolation in golive.yml, $GOLIVE_CONFIG and where `golive check` finds its configuration."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from golive.collectors import settings_keys
from golive.config import config_location, load_config
from golive.interpolate import expand
from golive.secrets import MASK, forget_remembered_secrets, mask_text, mask_value
from golive.yamlfile import ConfigError
from tests.conftest import write


@pytest.fixture(autouse=True)
def no_remembered_secrets() -> Iterator[None]:
    forget_remembered_secrets()
    yield
    forget_remembered_secrets()


def config_file(tmp_path: Path, body: str) -> Path:
    write(tmp_path / "inventory" / "prod.yml", "all: {}\n")
    return write(tmp_path / "golive.yml", body)


def test_variables_and_defaults_are_expanded_in_string_values(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GOLIVE_TEST_API", "https://api.example.test")
    monkeypatch.delenv("GOLIVE_TEST_UNSET", raising=False)
    path = config_file(
        tmp_path,
        "environments:\n  prod:\n    api: ${GOLIVE_TEST_API}/v1\n    inventory: ${GOLIVE_TEST_UNSET:-inventory/prod.yml}\n",
    )
    config = load_config(path, None, settings_keys())
    assert config.api == "https://api.example.test/v1"
    assert config.inventory == (tmp_path / "inventory" / "prod.yml").resolve()


def test_an_unset_variable_without_default_names_it_and_the_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GOLIVE_TEST_UNSET", raising=False)
    path = config_file(tmp_path, "release: {repo: .}\napi: https://${GOLIVE_TEST_UNSET}/\n")
    with pytest.raises(ConfigError) as caught:
        load_config(path, None, settings_keys())
    assert str(caught.value) == f"{path}:2: environment variable GOLIVE_TEST_UNSET is not set (and ${{GOLIVE_TEST_UNSET}} has no :-default)"


@pytest.mark.parametrize("text", ["${}", "${1ABC}", "${A B}", "${A:default}", "pre ${A", "${A-b}"])
def test_malformed_references_are_errors(text: str) -> None:
    with pytest.raises(ConfigError, match=r"^golive.yml:3: malformed variable reference"):
        expand(text, {"A": "x"}, "golive.yml:3")


def test_dollar_dollar_is_a_literal_and_values_are_not_expanded_again() -> None:
    assert expand("$${HOME} ${A}", {"A": "${B}", "B": "no"}, "f:1") == "${HOME} ${B}"
    assert expand("${A:-}", {}, "f:1") == ""
    assert expand("${A:-x:-y}", {}, "f:1") == "x:-y"
    # An empty value is set: the default is only for unset variables.
    assert expand("${A:-fallback}", {"A": ""}, "f:1") == ""


def test_values_of_secret_looking_variables_are_masked_everywhere_afterwards(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GOLIVE_TEST_DB_PASSWORD", "s3cr3t-value")
    monkeypatch.setenv("GOLIVE_TEST_HOST", "db.internal")
    path = config_file(
        tmp_path,
        "release: {repo: .}\nsources:\n  kpi:\n    returns: postgresql://kpi@${GOLIVE_TEST_HOST}/kpi?user=k${GOLIVE_TEST_DB_PASSWORD}x\n",
    )
    config = load_config(path, None, settings_keys())
    # The collector gets the real value; everything golive writes gets the mask.
    assert "s3cr3t-value" in config.sources["kpi"]["returns"]
    assert (
        mask_text(f"cannot connect: {config.sources['kpi']['returns']}")
        == f"cannot connect: postgresql://kpi@db.internal/kpi?user=k{MASK}x"
    )
    assert mask_value({"detail": ["s3cr3t-value"]}) == {"detail": [MASK]}
    assert mask_text("db.internal") == "db.internal"


def test_a_short_secret_is_refused_rather_than_masking_ordinary_text() -> None:
    with pytest.raises(ConfigError, match=r"API_TOKEN.*fewer than 4 characters"):
        expand("${API_TOKEN}", {"API_TOKEN": "ab"}, "f:1")
    # An empty secret says "not set" and masks nothing.
    assert expand("${API_TOKEN}", {"API_TOKEN": ""}, "f:1") == ""


def test_config_location_prefers_option_then_environment_then_search(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = write(tmp_path / "repo" / "golive.yml", "release: {repo: .}\n")
    nested = tmp_path / "repo" / "services" / "api"
    nested.mkdir(parents=True)
    monkeypatch.delenv("GOLIVE_CONFIG", raising=False)
    assert config_location(None, search_upward=True, start=nested) == root
    # Commands other than check never search: ./golive.yml, which the error then names.
    assert config_location(None, search_upward=False, start=nested) == Path("golive.yml")
    assert config_location(None, search_upward=True, start=tmp_path) == Path("golive.yml")
    monkeypatch.setenv("GOLIVE_CONFIG", str(tmp_path / "elsewhere.yml"))
    assert config_location(None, search_upward=True, start=nested) == tmp_path / "elsewhere.yml"
    assert config_location(Path("given.yml"), search_upward=True, start=nested) == Path("given.yml")


def test_a_remembered_secret_containing_another_is_masked_whole() -> None:
    from golive.secrets import remember_secret

    remember_secret("abcd")
    remember_secret("xxabcdyy")
    remember_secret("abcd")
    assert mask_text("token xxabcdyy and abcd") == f"token {MASK} and {MASK}"
