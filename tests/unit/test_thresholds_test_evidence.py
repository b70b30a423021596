"""tests.* thresholds at, just below and just above each limit, from real report files
through golive's parsers to the checks: exact arithmetic, finiteness, emptiness, every-skip."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from golive.checks.tests import e2e
from golive.checks.tests_performance import performance
from golive.checks.tests_reports import coverage, load
from golive.collectors import Evidence
from golive.model import Status
from golive.testevidence.artifacts import read_reports
from golive.testevidence.coverage import parse_coverage
from golive.testevidence.junit import parse_junit
from golive.testevidence.latency import parse_latency
from golive.testevidence.load import parse_load
from tests.unit.test_test_evidence_checks import AS_OF, FRESH, ctx, item, junit_file, suites

STAMP = FRESH  # ISO-8601 with offset, an hour before --as-of


def _fresh_file(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    moment = AS_OF.timestamp() - 3600
    os.utime(path, (moment, moment))
    return path


def _evidence(source: str, tmp_path: Path, name: str, parser: Any) -> Evidence:
    files = read_reports(tmp_path, [name], parser)
    return Evidence(source, data={"patterns": [name], "command": None, "files": files})


# ------------------------------------------------------------------ tests.load


def _load_json(failed: int = 0, p99: Any = 80.0, samples: list[float] | None = None, sent: int = 500) -> str:
    document: dict[str, Any] = {
        "schema": "golive/load-test/v1",
        "finished_at": STAMP,
        "users": {"requested": 100, "active": 100},
        "orders": {"requested": sent, "sent": sent, "accepted": sent - failed, "rejected": 0, "failed": failed},
        "latency_ms": {"p99": p99},
    }
    if samples is not None:
        document["samples_ms"] = samples
    return json.dumps(document, allow_nan=True)


def _judge_load(tmp_path: Path, text: str, **params: Any) -> Any:
    _fresh_file(tmp_path / "load.json", text)
    return load(item("tests.load", **params), _evidence("load", tmp_path, "load.json", parse_load), ctx())


@pytest.mark.parametrize(("failed", "status"), [(4, Status.PASS), (5, Status.PASS), (6, Status.FAIL)])
def test_load_error_rate_at_the_limit_passes_exactly(tmp_path: Path, failed: int, status: Status) -> None:
    # 5 of 500 is exactly 0.01: "error rate <= 0.01" holds; in binary floats 5/500 > 0.01 may not.
    assert _judge_load(tmp_path, _load_json(failed=failed)).status is status


def test_load_error_rate_one_over_a_third(tmp_path: Path) -> None:
    # 1 of 3 against a limit written 0.3333333333333333: the fraction is larger, so it fails.
    outcome = _judge_load(tmp_path, _load_json(failed=1, sent=3), max_error_rate=0.3333333333333333, min_orders=3)
    assert outcome.status is Status.FAIL


@pytest.mark.parametrize(("p99", "status"), [(499.999, Status.PASS), (500, Status.PASS), (500.001, Status.FAIL)])
def test_load_reported_p99_at_the_limit(tmp_path: Path, p99: float, status: Status) -> None:
    assert _judge_load(tmp_path, _load_json(p99=p99)).status is status


def test_load_p99_from_samples_is_not_rounded_into_a_pass(tmp_path: Path) -> None:
    samples = [1.0] * 490 + [500.0004] * 10
    outcome = _judge_load(tmp_path, _load_json(samples=samples))
    assert outcome.status is Status.FAIL and "500.0004" in outcome.summary


@pytest.mark.parametrize("p99", ["NaN", "Infinity", "-Infinity", "null", '"fast"', "true", "-1"])
def test_load_non_finite_or_missing_p99_is_an_error_naming_the_file(tmp_path: Path, p99: str) -> None:
    text = _load_json().replace('"p99": 80.0', f'"p99": {p99}')
    outcome = _judge_load(tmp_path, text)
    assert outcome.status is Status.ERROR and "load.json" in outcome.summary and "p99" in outcome.summary


def test_load_nan_sample_is_an_error(tmp_path: Path) -> None:
    text = _load_json(samples=[1.0] * 500).replace("[1.0, 1.0", "[NaN, 1.0", 1)
    assert _judge_load(tmp_path, text).status is Status.ERROR


# ------------------------------------------------------------------ tests.coverage


def _cobertura(valid: int | None, covered: int | None, rate: str | None = None, classes: str = "") -> str:
    counts = f'lines-valid="{valid}" lines-covered="{covered}"' if valid is not None else ""
    rate_attr = f'line-rate="{rate}"' if rate is not None else ""
    return f'<?xml version="1.0"?><coverage {counts} {rate_attr} timestamp="{int(AS_OF.timestamp() * 1000) - 3600_000}"><packages><package name="p"><classes>{classes}</classes></package></packages></coverage>'


def _judge_coverage(tmp_path: Path, text: str, name: str = "coverage.xml", **params: Any) -> Any:
    _fresh_file(tmp_path / name, text)
    return coverage(item("tests.coverage", **params), _evidence("coverage", tmp_path, name, parse_coverage), ctx())


@pytest.mark.parametrize(
    ("valid", "covered", "status"),
    [(1000, 700, Status.PASS), (100000, 69996, Status.WARN), (100000, 70001, Status.PASS), (3, 2, Status.WARN)],
)
def test_coverage_at_seventy_percent_exactly(tmp_path: Path, valid: int, covered: int, status: Status) -> None:
    assert _judge_coverage(tmp_path, _cobertura(valid, covered)).status is status


def test_coverage_exactly_at_a_fractional_threshold(tmp_path: Path) -> None:
    # 2 of 3 lines is 66.666... %, above a threshold written 66.66666666666666 (binary floats tie).
    assert _judge_coverage(tmp_path, _cobertura(3, 2), min_percent=66.66666666666666).status is Status.PASS
    assert _judge_coverage(tmp_path, _cobertura(3, 2), min_percent=66.66666666666667).status is Status.WARN


@pytest.mark.parametrize(("rate", "status"), [("0.7", Status.PASS), ("0.69996", Status.WARN), ("0.70001", Status.PASS)])
def test_coverage_from_line_rate_decimal_text(tmp_path: Path, rate: str, status: Status) -> None:
    classes = f'<class name="a" filename="a.py" line-rate="{rate}"/>'
    assert _judge_coverage(tmp_path, _cobertura(None, None, rate, classes)).status is status


def test_zero_statements_is_insufficient_whatever_rate_the_report_states(tmp_path: Path) -> None:
    outcome = _judge_coverage(tmp_path, _cobertura(0, 0, "1"))
    assert outcome.status is Status.INSUFFICIENT and "0 statements" in outcome.summary
    bare_rate = _judge_coverage(tmp_path / "..", _cobertura(None, None, "1"), name="bare.xml")
    assert bare_rate.status is Status.INSUFFICIENT


def test_coverage_py_json_with_no_statements_is_insufficient(tmp_path: Path) -> None:
    document = {"meta": {"timestamp": STAMP}, "files": {}, "totals": {"num_statements": 0, "covered_lines": 0, "percent_covered": 100.0}}
    outcome = _judge_coverage(tmp_path, json.dumps(document), name="coverage.json")
    assert outcome.status is Status.INSUFFICIENT


@pytest.mark.parametrize("rate", ["NaN", "inf", "-0.1", "1.5", "x"])
def test_coverage_non_finite_or_out_of_range_rate_is_an_error(tmp_path: Path, rate: str) -> None:
    classes = '<class name="a" filename="a.py" line-rate="0.5"/>'
    outcome = _judge_coverage(tmp_path, _cobertura(None, None, rate, classes))
    assert outcome.status is Status.ERROR and "coverage.xml" in outcome.summary


@pytest.mark.parametrize(("stamp", "status"), [("2026-11-29T11:00:00", Status.PASS), ("2026-11-27T00:00:00", Status.INSUFFICIENT)])
def test_coverage_with_a_naive_timestamp_is_dated_by_the_earliest_instant_it_can_mean(tmp_path: Path, stamp: str, status: Status) -> None:
    """coverage.py writes local time without an offset: its digits as UTC minus 14 h. Digits
    60 h before --as-of read as UTC would pass a 72 h limit; the earliest reading is 74 h: stale."""
    document = {"meta": {"timestamp": stamp}, "files": {}, "totals": {"num_statements": 10, "covered_lines": 9}}
    outcome = _judge_coverage(tmp_path, json.dumps(document), name="coverage.json")
    assert outcome.status is status, outcome.summary


def test_coverage_with_an_invalid_timestamp_is_an_error(tmp_path: Path) -> None:
    document = {"meta": {"timestamp": "2026-13-45T11:00:00Z"}, "files": {}, "totals": {"num_statements": 10, "covered_lines": 9}}
    outcome = _judge_coverage(tmp_path, json.dumps(document), name="coverage.json")
    assert outcome.status is Status.ERROR and "coverage.json" in outcome.summary


# ------------------------------------------------------------------ tests.e2e


def _playwright(documented: int, other: int, passed: int = 0) -> str:
    cases = [f'<testcase name="d{index}"><skipped message="no-chromium: none on ci"/></testcase>' for index in range(documented)]
    cases += [f'<testcase name="o{index}"><skipped message="flaky"/></testcase>' for index in range(other)]
    cases += [f'<testcase name="p{index}"/>' for index in range(passed)]
    return f'<testsuites><testsuite name="e2e" timestamp="{STAMP}">{"".join(cases)}</testsuite></testsuites>'


def _judge_e2e(tmp_path: Path, text: str) -> Any:
    _fresh_file(tmp_path / "e2e.xml", text)
    files = read_reports(tmp_path, ["e2e.xml"], parse_junit)
    return e2e(item("tests.e2e"), suites("e2e", *files), ctx())


def test_one_documented_skip_among_ninety_nine_others_is_not_a_documented_skip(tmp_path: Path) -> None:
    outcome = _judge_e2e(tmp_path, _playwright(documented=1, other=99))
    assert outcome.status is Status.INSUFFICIENT and "99 of 100" in outcome.summary


def test_every_skip_documented_beyond_the_listing_limit_is_a_skip(tmp_path: Path) -> None:
    assert _judge_e2e(tmp_path, _playwright(documented=120, other=0)).status is Status.SKIP


def test_undocumented_skip_hidden_after_the_listing_limit_is_found(tmp_path: Path) -> None:
    assert _judge_e2e(tmp_path, _playwright(documented=120, other=1)).status is Status.INSUFFICIENT


def test_an_empty_playwright_report_is_insufficient(tmp_path: Path) -> None:
    assert _judge_e2e(tmp_path, _playwright(documented=0, other=0)).status is Status.INSUFFICIENT


# ------------------------------------------------------------------ tests.performance


@pytest.mark.parametrize(("p99", "status"), [(199.999, Status.PASS), (200, Status.FAIL), (200.001, Status.FAIL)])
def test_performance_p99_strictly_under_the_limit(tmp_path: Path, p99: float, status: Status) -> None:
    document = {"generated_at": STAMP, "series": {"POST /orders": [1.0] * 98 + [p99] * 2}}
    _fresh_file(tmp_path / "lat.json", json.dumps(document))
    latency = {"patterns": ["lat.json"], "files": read_reports(tmp_path, ["lat.json"], parse_latency)}
    evidence = suites("performance", junit_file("reports/perf.xml"), latency=latency)
    assert performance(item("tests.performance"), evidence, ctx()).status is status


def test_performance_seconds_are_scaled_exactly(tmp_path: Path) -> None:
    # 0.2 s is 200 ms exactly, which is not < 200 ms (0.2 * 1000.0 in floats is 200.00000000000003).
    document = {"generated_at": STAMP, "unit": "s", "series": {"op": [0.001] * 98 + [0.2] * 2}}
    _fresh_file(tmp_path / "lat.json", json.dumps(document))
    latency = {"patterns": ["lat.json"], "files": read_reports(tmp_path, ["lat.json"], parse_latency)}
    evidence = suites("performance", junit_file("reports/perf.xml"), latency=latency)
    assert performance(item("tests.performance", max_p99_ms=200.00000000000003), evidence, ctx()).status is Status.PASS
    assert performance(item("tests.performance"), evidence, ctx()).status is Status.FAIL


# ------------------------------------------------------------------ max_age_hours


@pytest.mark.parametrize(("hours", "status"), [(71.999, Status.PASS), (72, Status.PASS), (72.001, Status.INSUFFICIENT)])
def test_report_age_at_the_limit(hours: float, status: Status) -> None:
    import datetime as dt

    from golive.checks.tests import junit_suite

    stamp = (AS_OF - dt.timedelta(hours=hours)).isoformat()
    outcome = junit_suite(item("tests.unit"), suites("unit", junit_file(timestamp=stamp)), ctx())
    assert outcome.status is status
