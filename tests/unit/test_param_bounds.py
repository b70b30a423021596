"""Numeric checklist parameters: finite, in range, whole where counted; else file:line."""

from __future__ import annotations

from pathlib import Path

import pytest

from golive.checklist import load_default
from golive.checklist.params import PARAM_BOUNDS, bounds_of
from golive.collectors import settings_keys
from golive.config import load_config
from golive.yamlfile import ConfigError
from tests.conftest import write


def _error(tmp_path: Path, item: str, line: str) -> str:
    write(tmp_path / "inventory" / "staging.yml", "all: {}\n")
    path = write(tmp_path / "golive.yml", f"items:\n  {item}:\n    {line}\n")
    with pytest.raises(ConfigError) as caught:
        load_config(path, None, settings_keys())
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(f"{path}:3: {item}.")
    return message


def _accepted(tmp_path: Path, item: str, line: str) -> dict[str, object]:
    write(tmp_path / "inventory" / "staging.yml", "all: {}\n")
    path = write(tmp_path / "golive.yml", f"items:\n  {item}:\n    {line}\n")
    config = load_config(path, None, settings_keys())
    spec = config.checklist.get(item)
    assert spec is not None
    return spec.params


@pytest.mark.parametrize("text", [".nan", ".inf", "-.inf", ".NaN"])
def test_non_finite_parameter_is_a_config_error(tmp_path: Path, text: str) -> None:
    message = _error(tmp_path, "tests.load", f"max_p99_ms: {text}")
    assert "finite" in message


def test_integer_too_large_for_a_float_is_refused(tmp_path: Path) -> None:
    assert "too large" in _error(tmp_path, "tests.unit", f"min_tests: {10**400}")


def test_boolean_is_not_a_number(tmp_path: Path) -> None:
    assert "must be a number" in _error(tmp_path, "tests.load", "max_p99_ms: true")


@pytest.mark.parametrize(
    ("item", "name", "below", "at", "above"),
    [
        ("tests.coverage", "min_percent", "-0.001", "100", "100.001"),
        ("kpi.hit_rate", "min_percent", "-1", "0", "100.5"),
        ("tests.load", "max_error_rate", "-0.0001", "1", "1.0001"),
        ("kpi.explainability", "min_score", "-0.1", "10", "10.01"),
        ("kpi.drawdowns", "max_unexplained_depth_percent", "-5", "100", "101"),
    ],
)
def test_range_is_inclusive_at_both_ends(tmp_path: Path, item: str, name: str, below: str, at: str, above: str) -> None:
    assert "at least" in _error(tmp_path / "below", item, f"{name}: {below}")
    assert float(_accepted(tmp_path / "at", item, f"{name}: {at}")[name]) == float(at)  # type: ignore[arg-type]
    assert "at most" in _error(tmp_path / "above", item, f"{name}: {above}")


@pytest.mark.parametrize(
    ("item", "name"), [("tests.unit", "min_tests"), ("tests.performance", "min_samples"), ("kpi.hit_rate", "min_trades")]
)
def test_evidence_counts_start_at_one_so_no_empty_set_passes(tmp_path: Path, item: str, name: str) -> None:
    assert "at least 1" in _error(tmp_path / "zero", item, f"{name}: 0")
    assert _accepted(tmp_path / "one", item, f"{name}: 1")[name] == 1


def test_sharpe_needs_two_observations(tmp_path: Path) -> None:
    assert "at least 2" in _error(tmp_path, "kpi.sharpe", "min_observations: 1")


def test_counts_and_day_windows_are_whole_numbers(tmp_path: Path) -> None:
    assert "whole number" in _error(tmp_path / "a", "tests.unit", "min_tests: 1.5")
    assert "whole number" in _error(tmp_path / "b", "kpi.hit_rate", "window_days: 90.5")
    assert _accepted(tmp_path / "c", "kpi.hit_rate", "window_days: 30")["window_days"] == 30


def test_a_latency_limit_must_be_above_zero(tmp_path: Path) -> None:
    assert "above 0" in _error(tmp_path / "zero", "tests.performance", "max_p99_ms: 0")
    assert _accepted(tmp_path / "tiny", "tests.performance", "max_p99_ms: 0.001")["max_p99_ms"] == 0.001


def test_numbers_inside_a_list_are_checked(tmp_path: Path) -> None:
    assert "[1]" in _error(tmp_path, "security.waf_ids", "benign_statuses: [200, .nan]")


def test_team_checklist_item_with_a_nan_parameter_names_its_line(tmp_path: Path) -> None:
    write(tmp_path / "inventory" / "staging.yml", "all: {}\n")
    write(
        tmp_path / "team.yml",
        "extends: default\nitems:\n  - id: team.load\n    check: tests.load\n    section: Test Coverage\n    title: t\n"
        "    source: load\n    why: w\n    fix: f\n    params:\n      max_p99_ms: .nan\n",
    )
    path = write(tmp_path / "golive.yml", "checklist: team.yml\n")
    with pytest.raises(ConfigError) as caught:
        load_config(path, None, settings_keys())
    assert str(caught.value).startswith(f"{tmp_path / 'team.yml'}:11:")


def test_every_numeric_default_parameter_has_declared_bounds_it_satisfies() -> None:
    for item in load_default().items:
        for name, value in item.params.items():
            numbers = value if isinstance(value, list) else [value]
            if any(isinstance(number, int | float) and not isinstance(number, bool) for number in numbers):
                bounds = bounds_of(name)
                assert bounds is not None, f"{item.id}.{name} has no entry in PARAM_BOUNDS"
    assert all(pattern for pattern, _ in PARAM_BOUNDS)


@pytest.mark.parametrize(
    ("item", "name"),
    [("platform.metrics", "required_families"), ("infra.systemd_services", "units"), ("security.scanners", "blocking_severities")],
)
def test_an_empty_list_of_things_to_check_is_refused(tmp_path: Path, item: str, name: str) -> None:
    assert "at least one" in _error(tmp_path, item, f"{name}: []")
