"""The tests.* checks on hand-made evidence: trust (freshness, commit, command) before content."""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any
from unittest.mock import MagicMock

import pytest

from golive.checklist import ItemSpec, load_default
from golive.checks import JudgeContext
from golive.checks.tests import e2e, junit_suite
from golive.checks.tests_performance import performance
from golive.checks.tests_reports import coverage, load
from golive.collectors import Evidence
from golive.model import Status

AS_OF = dt.datetime(2026, 11, 29, 12, 0, tzinfo=dt.UTC)
RELEASE = "a" * 40
FRESH = (AS_OF - dt.timedelta(hours=1)).isoformat()


def item(item_id: str, **params: Any) -> ItemSpec:
    spec = copy.deepcopy(load_default().get(item_id))
    assert spec is not None
    spec.params.update(params)
    return spec


def ctx(commit: str | None = RELEASE) -> JudgeContext:
    git = Evidence("git", data={"commit": commit}) if commit else Evidence("git", error="not a git repository")
    return JudgeContext(config=MagicMock(), as_of=AS_OF, evidence={"git": git})


def junit_file(path: str = "reports/unit.xml", **report: Any) -> dict[str, Any]:
    base = {
        "tests": 3,
        "passed": 3,
        "failures": 0,
        "errors": 0,
        "skipped": 0,
        "timestamp": FRESH,
        "commits": [RELEASE],
        "failed": [],
        "skips": [],
    }
    return {"path": path, "mtime": FRESH, "report": {**base, **report}}


def suites(name: str, *files: dict[str, Any], command: dict[str, Any] | None = None, **extra: Any) -> Evidence:
    return Evidence(
        "junit", data={"suites": {name: {"patterns": [f"reports/{name}.xml"], "command": command, "files": list(files), **extra}}}
    )


def test_green_suite_of_the_release_commit_passes() -> None:
    outcome = junit_suite(item("tests.unit"), suites("unit", junit_file()), ctx())
    assert outcome.status is Status.PASS
    assert "3 passed" in outcome.summary and "at commit aaaaaaaaaaaa" in outcome.summary


def test_failed_tests_are_waivable_findings() -> None:
    failed = [{"id": "t::test_x", "kind": "failure", "message": "boom"}]
    outcome = junit_suite(item("tests.unit"), suites("unit", junit_file(passed=2, failures=1, failed=failed)), ctx())
    assert outcome.status is Status.FAIL
    assert [finding.key for finding in outcome.findings] == ["test:t::test_x"]
    assert outcome.own is Status.PASS


def test_failures_beyond_the_listed_ones_fail_the_item_itself() -> None:
    failed = [{"id": "t::a", "kind": "failure", "message": ""}]
    outcome = junit_suite(item("tests.unit"), suites("unit", junit_file(failures=80, failed=failed)), ctx())
    assert outcome.own is Status.FAIL
    assert "79 not listed" in outcome.summary


def test_zero_tests_is_insufficient() -> None:
    outcome = junit_suite(item("tests.unit"), suites("unit", junit_file(tests=2, passed=0, skipped=2)), ctx())
    assert outcome.status is Status.INSUFFICIENT
    assert "only 0 test(s) ran" in outcome.summary


@pytest.mark.parametrize(
    ("timestamp", "expected"),
    [
        ((AS_OF - dt.timedelta(hours=80)).isoformat(), "80.0 h old (its timestamp)"),
        ((AS_OF + dt.timedelta(minutes=5)).isoformat(), "after --as-of"),
    ],
)
def test_stale_or_future_reports_are_insufficient(timestamp: str, expected: str) -> None:
    outcome = junit_suite(item("tests.unit"), suites("unit", junit_file(timestamp=timestamp)), ctx())
    assert outcome.status is Status.INSUFFICIENT
    assert expected in outcome.summary


def test_report_without_timestamp_is_dated_by_its_mtime() -> None:
    entry = junit_file(timestamp=None)
    entry["mtime"] = (AS_OF - dt.timedelta(hours=100)).isoformat()
    outcome = junit_suite(item("tests.unit"), suites("unit", entry), ctx())
    assert "file mtime" in outcome.summary


def test_other_commit_is_insufficient_and_short_sha_matches() -> None:
    other = junit_suite(item("tests.unit"), suites("unit", junit_file(commits=["b" * 40])), ctx())
    assert other.status is Status.INSUFFICIENT and "not the release commit" in other.summary
    short = junit_suite(item("tests.unit"), suites("unit", junit_file(commits=["aaaaaaa"])), ctx())
    assert short.status is Status.PASS


def test_recorded_commit_without_git_evidence_is_insufficient() -> None:
    outcome = junit_suite(item("tests.unit"), suites("unit", junit_file()), ctx(commit=None))
    assert outcome.status is Status.INSUFFICIENT and "release commit is unknown" in outcome.summary


def test_report_without_commit_is_judged_on_freshness_alone() -> None:
    outcome = junit_suite(item("tests.unit"), suites("unit", junit_file(commits=[])), ctx(commit=None))
    assert outcome.status is Status.PASS and "judged on freshness" in outcome.summary


def test_unparseable_report_is_an_error_naming_it() -> None:
    outcome = junit_suite(
        item("tests.unit"), suites("unit", {"path": "reports/unit.xml", "error": "reports/unit.xml:3: malformed XML"}), ctx()
    )
    assert outcome.status is Status.ERROR and "reports/unit.xml:3" in outcome.summary


def test_report_older_than_the_command_golive_ran_is_insufficient() -> None:
    command = {"argv": ["pytest"], "started_at": AS_OF.isoformat(), "timed_out": False, "exit_code": 0, "timeout": 60}
    outcome = junit_suite(item("tests.unit"), suites("unit", junit_file(), command=command), ctx())
    assert outcome.status is Status.INSUFFICIENT and "the command did not write it" in outcome.summary


def test_unconfigured_suite_is_insufficient() -> None:
    outcome = junit_suite(item("tests.integration"), suites("unit", junit_file()), ctx())
    assert outcome.status is Status.INSUFFICIENT and "sources.junit.integration not configured" in outcome.summary


def latency_file(count: int, p99: float | None) -> dict[str, Any]:
    exact = None if p99 is None else str(p99)
    series = {"POST /orders": {"count": count, "p99_ms": p99, "p99_exact": exact, "method": "nearest-rank"}}
    return {"path": "reports/lat.json", "mtime": FRESH, "report": {"series": series, "commits": [], "timestamp": FRESH}}


@pytest.mark.parametrize(
    ("count", "p99", "status", "text"),
    [
        (500, 12.5, Status.PASS, "P99 12.5 ms over 500"),
        (500, 200.0, Status.FAIL, "P99 200.0 ms >= 200 ms"),
        (99, 1.0, Status.INSUFFICIENT, "99 samples, at least 100"),
    ],
)
def test_performance_p99_gate(count: int, p99: float, status: Status, text: str) -> None:
    evidence = suites(
        "performance", junit_file("reports/perf.xml"), latency={"patterns": ["reports/lat.json"], "files": [latency_file(count, p99)]}
    )
    outcome = performance(item("tests.performance"), evidence, ctx())
    assert outcome.status is status
    assert text in outcome.summary


def test_performance_without_latency_source_is_insufficient() -> None:
    outcome = performance(item("tests.performance"), suites("performance", junit_file("reports/perf.xml"), latency=None), ctx())
    assert outcome.status is Status.INSUFFICIENT and "no latency source" in outcome.summary


def live(**latency: Any) -> JudgeContext:
    """A context whose prometheus evidence holds a live request-duration P99."""
    judged = ctx()
    data = {"histogram": "request_duration_seconds", "window_seconds": 30.0, "error": None, **latency}
    judged.evidence["prometheus"] = Evidence("prometheus", data={"latency": data})
    return judged


def test_performance_judges_the_live_histogram_when_no_samples_are_configured() -> None:
    evidence = suites("performance", junit_file("reports/perf.xml"), latency=None)
    passing = performance(item("tests.performance"), evidence, live(p99_seconds=0.12, requests=500, in_inf_bucket=False))
    assert passing.status is Status.PASS, passing.summary
    assert "live request_duration_seconds histogram P99 120.0 ms over 500 requests over 30 s" in passing.summary
    assert passing.metrics == {"p99_ms": 120.0}
    slow = performance(item("tests.performance"), evidence, live(p99_seconds=0.25, requests=500, in_inf_bucket=False))
    assert slow.status is Status.FAIL and "P99 250.0 ms >= 200 ms" in slow.summary
    unbounded = performance(item("tests.performance"), evidence, live(p99_seconds=1.0, requests=500, in_inf_bucket=True))
    assert unbounded.status is Status.INSUFFICIENT and "+Inf bucket" in unbounded.summary
    few = performance(item("tests.performance"), evidence, live(p99_seconds=0.05, requests=20, in_inf_bucket=False))
    assert few.status is Status.INSUFFICIENT and "20 requests over 30 s, at least 100 needed" in few.summary


def skipped_e2e(reason: str) -> Evidence:
    skips = [{"id": "order.spec.js::places", "reason": reason}]
    documented = int("no-chromium:" in reason)
    return suites(
        "e2e", junit_file("reports/e2e.xml", tests=1, passed=0, skipped=1, skipped_no_chromium=documented, skips=skips, commits=[])
    )


def test_e2e_skip_needs_the_documented_reason_and_permission() -> None:
    assert e2e(item("tests.e2e"), skipped_e2e("no-chromium: /usr/bin/chromium not found on ci1"), ctx()).status is Status.SKIP
    refused = e2e(item("tests.e2e", allow_skip_without_chromium=False), skipped_e2e("no-chromium: x"), ctx())
    assert refused.status is Status.INSUFFICIENT
    undocumented = e2e(item("tests.e2e"), skipped_e2e("flaky today"), ctx())
    assert undocumented.status is Status.INSUFFICIENT and "lack the documented" in undocumented.summary


def load_report(**changes: Any) -> Evidence:
    report = {
        "users": {"requested": 100, "active": 100},
        "orders": {"requested": 500, "sent": 500, "accepted": 495, "rejected": 5, "failed": 0},
        "error_rate": 0.0,
        "latency": {"count": 500, "p99_ms": 80.0},
        "commits": [RELEASE],
        "timestamp": FRESH,
        **changes,
    }
    return Evidence(
        "load",
        data={
            "patterns": ["reports/load.json"],
            "command": None,
            "files": [{"path": "reports/load.json", "mtime": FRESH, "report": report}],
        },
    )


def test_load_test_meeting_the_targets_passes() -> None:
    outcome = load(item("tests.load"), load_report(), ctx())
    assert outcome.status is Status.PASS and "100 users, 500 orders" in outcome.summary


def test_load_test_shortfalls_are_separate_findings() -> None:
    evidence = load_report(
        users={"requested": 100, "active": 40},
        orders={"requested": 500, "sent": 200, "accepted": 150, "rejected": 0, "failed": 50},
        error_rate=0.25,
        latency={"count": 200, "p99_ms": 900.0},
    )
    outcome = load(item("tests.load"), evidence, ctx())
    assert outcome.status is Status.FAIL
    assert {finding.key for finding in outcome.findings} == {"load:users", "load:orders", "load:error_rate", "load:p99"}


def test_several_load_reports_are_ambiguous() -> None:
    evidence = load_report()
    evidence.data["files"].append({**evidence.data["files"][0], "path": "reports/load-old.json"})
    outcome = load(item("tests.load"), evidence, ctx())
    assert outcome.status is Status.INSUFFICIENT and "ambiguous" in outcome.summary


def coverage_report(percent: float) -> Evidence:
    weakest = [{"name": f"m{index}.py", "percent": float(index * 10), "statements": 10, "covered": index} for index in range(8)]
    report = {
        "format": "cobertura",
        "percent": percent,
        "lines_valid": 1000,
        "lines_covered": round(percent * 10),
        "line_rate": None,
        "modules": 8,
        "weakest": weakest,
        "timestamp": FRESH,
        "commits": [],
    }
    return Evidence(
        "coverage",
        data={"patterns": ["coverage.xml"], "command": None, "files": [{"path": "coverage.xml", "mtime": FRESH, "report": report}]},
    )


def test_coverage_at_target_passes_and_below_warns_naming_weakest() -> None:
    assert coverage(item("tests.coverage"), coverage_report(70.0), ctx()).status is Status.PASS
    low = coverage(item("tests.coverage"), coverage_report(55.5), ctx())
    assert low.status is Status.WARN
    assert "weakest: m0.py 0 %, m1.py 10 %, m2.py 20 %, m3.py 30 %, m4.py 40 %" in low.summary
    assert "m5.py" not in low.summary


@pytest.mark.parametrize(("exit_code", "status"), [(0, Status.PASS), (2, Status.ERROR), (5, Status.ERROR)])
def test_a_suite_command_that_failed_while_its_report_shows_no_failure_is_an_error(exit_code: int, status: Status) -> None:
    started = (AS_OF - dt.timedelta(hours=2)).isoformat()
    command = {"argv": ["pytest"], "started_at": started, "timed_out": False, "exit_code": exit_code, "timeout": 60}
    outcome = junit_suite(item("tests.unit"), suites("unit", junit_file(), command=command), ctx())
    assert outcome.status is status, outcome.summary
    if status is Status.ERROR:
        assert f"exited {exit_code} although its report shows no failure" in outcome.summary
