"""Parsers for test evidence: real-world variants, hostile and malformed input, percentiles."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from golive.testevidence import EvidenceFileError
from golive.testevidence.coverage import parse_coverage
from golive.testevidence.junit import parse_junit
from golive.testevidence.latency import parse_latency, percentile
from golive.testevidence.load import parse_load
from tests.conftest import write

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def test_surefire_report_counts_failures_errors_skips_and_ignores_flaky_reruns() -> None:
    report = parse_junit(FIXTURES / "junit" / "surefire-TEST-com.lunia.OrderServiceTest.xml")
    assert (report["tests"], report["passed"], report["failures"], report["errors"], report["skipped"]) == (5, 2, 1, 1, 1)
    assert report["commits"] == ["0123456789abcdef0123456789abcdef01234567"]
    assert [case["id"] for case in report["failed"]] == [
        "com.lunia.OrderServiceTest::rejectsOverLimit",
        "com.lunia.OrderServiceTest::marksToMarket",
    ]
    assert report["failed"][0]["message"] == "expected: <422> but was: <201>"
    assert report["skips"] == [{"id": "com.lunia.OrderServiceTest::settlesOvernight", "reason": "exchange sandbox unavailable"}]


def test_nested_suites_are_counted_from_testcases_not_attributes() -> None:
    report = parse_junit(FIXTURES / "junit" / "nested-testsuites.xml")
    assert (report["tests"], report["failures"]) == (4, 1)
    # A suite timestamp without an offset is ambiguous by up to 26 h: it is read as the
    # earliest instant it can denote (its digits as UTC minus 14 h), never fresher.
    assert report["timestamp"] == "2026-11-27T19:00:00+00:00"
    assert report["timestamp_problem"] is None
    assert report["failed"][0]["message"] == "Failed asserting that 201 is identical to 422."


def test_playwright_reports_carry_commit_annotations_and_skip_reasons() -> None:
    passed = parse_junit(FIXTURES / "junit" / "playwright-pass.xml")
    assert (passed["tests"], passed["passed"]) == (2, 2)
    assert len(passed["commits"]) == 1
    assert passed["timestamp"].endswith("+00:00")
    skipped = parse_junit(FIXTURES / "junit" / "playwright-no-chromium.xml")
    assert skipped["skipped"] == 2
    assert skipped["skips"][0]["reason"] == "no-chromium: /nonexistent not found on vm"


def test_pytest_junit_produced_by_running_pytest(tmp_path: Path) -> None:
    write(
        tmp_path / "test_sample.py",
        "import pytest\n\ndef test_ok():\n    pass\n\ndef test_bad():\n    assert 2 == 3\n\n@pytest.mark.skip(reason='later')\ndef test_later():\n    pass\n",
    )
    write(
        tmp_path / "conftest.py",
        "import pytest\n\n@pytest.fixture(scope='session', autouse=True)\ndef c(record_testsuite_property):\n    record_testsuite_property('commit', 'abc1234')\n",
    )
    write(tmp_path / "pytest.ini", "[pytest]\njunit_family = xunit2\n")
    out = tmp_path / "junit.xml"
    subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", f"--junitxml={out}", str(tmp_path)],
        cwd=tmp_path,
        capture_output=True,
        check=False,
    )
    report = parse_junit(out)
    assert (report["tests"], report["passed"], report["failures"], report["skipped"]) == (3, 1, 1, 1)
    assert report["commits"] == ["abc1234"]
    assert report["failed"][0]["id"] == "test_sample::test_bad"
    assert report["skips"][0]["reason"] == "later"


def test_coverage_py_reports_produced_by_running_coverage(tmp_path: Path) -> None:
    write(tmp_path / "mod_a.py", "def f(x):\n    if x:\n        return 1\n    return 2\n")
    write(tmp_path / "mod_b.py", "def g():\n    return 3\n\ndef h():\n    return 4\n")
    write(tmp_path / "main.py", "import mod_a, mod_b\nmod_a.f(1)\nmod_b.g()\n")
    run = [sys.executable, "-m", "coverage"]
    subprocess.run([*run, "run", "main.py"], cwd=tmp_path, check=True, capture_output=True)
    subprocess.run([*run, "xml", "-o", "cov.xml"], cwd=tmp_path, check=True, capture_output=True)
    subprocess.run([*run, "json", "-o", "cov.json"], cwd=tmp_path, check=True, capture_output=True)
    xml, js = parse_coverage(tmp_path / "cov.xml"), parse_coverage(tmp_path / "cov.json")
    assert xml["format"] == "cobertura" and js["format"] == "coverage.py-json"
    assert xml["percent"] == js["percent"] == pytest.approx(100 * 9 / 11, abs=0.01)
    assert xml["weakest"][0]["name"] == js["weakest"][0]["name"] == "mod_a.py"
    # coverage.py writes its JSON timestamp in local time without an offset: it is read as the
    # earliest instant it can denote, 14 h before its digits read as UTC, so never fresher.
    assert xml["timestamp"] and js["timestamp"] and js["timestamp_problem"] is None
    assert dt.datetime.fromisoformat(js["timestamp"]) <= dt.datetime.now(dt.UTC) - dt.timedelta(hours=13)


def test_cobertura_from_another_tool_groups_classes_by_file() -> None:
    report = parse_coverage(FIXTURES / "coverage" / "cobertura-istanbul.xml")
    assert report["percent"] == 60.0
    assert [module["name"] for module in report["weakest"]] == ["src/ws.js", "src/chart.js", "src/orders.js"]
    assert report["timestamp"] == "2026-11-28T09:00:00+00:00"


def test_percentile_is_nearest_rank() -> None:
    samples = [float(value) for value in range(1, 101)]
    assert percentile(samples, 99) == 99.0
    assert percentile(samples, 50) == 50.0
    assert percentile([5.0, 1.0, 3.0], 99) == 5.0
    assert percentile([7.0], 1) == 7.0


def test_latency_samples_and_benchmark_json(tmp_path: Path) -> None:
    samples = write(
        tmp_path / "lat.json", json.dumps({"unit": "s", "commit": "abc1234", "series": {"op": [0.001 * n for n in range(1, 201)]}})
    )
    parsed = parse_latency(samples)
    assert parsed["series"]["op"]["count"] == 200
    assert parsed["series"]["op"]["p99_ms"] == pytest.approx(198.0)
    bench = write(
        tmp_path / "bench.json",
        json.dumps(
            {
                "commit_info": {"id": "f" * 40},
                "datetime": "2026-11-28T10:00:00+00:00",
                "benchmarks": [{"fullname": "t::b", "stats": {"mean": 1}}],
            }
        ),
    )
    parsed = parse_latency(bench)
    assert parsed["series"]["t::b"]["count"] == 0
    assert "--benchmark-save-data" in parsed["series"]["t::b"]["note"]


def test_load_summary_recomputes_percentiles_and_rejects_inconsistent_counts(tmp_path: Path) -> None:
    good = {
        "schema": "golive/load-test/v1",
        "users": {"requested": 2, "active": 2},
        "orders": {"requested": 3, "sent": 3, "accepted": 2, "rejected": 0, "failed": 1},
        "samples_ms": [1.0, 2.0, 300.0],
    }
    parsed = parse_load(write(tmp_path / "load.json", json.dumps(good)))
    assert parsed["latency"]["p99_ms"] == 300.0
    assert parsed["error_rate"] == pytest.approx(1 / 3)
    bad = {**good, "orders": {**good["orders"], "accepted": 5}}
    with pytest.raises(EvidenceFileError, match="do not add up"):
        parse_load(write(tmp_path / "bad.json", json.dumps(bad)))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("<testsuite><testcase name='a'>", "malformed XML"),
        ("<html><body/></html>", "not a JUnit report"),
        ("", "malformed XML"),
        ('<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]><testsuite>&b;</testsuite>', "refused"),
        ('<?xml version="1.0"?><!DOCTYPE t [<!ENTITY x SYSTEM "file:///etc/passwd">]><testsuite>&x;</testsuite>', "refused"),
    ],
)
def test_bad_junit_is_an_error_naming_the_file(tmp_path: Path, text: str, expected: str) -> None:
    path = write(tmp_path / "report.xml", text)
    with pytest.raises(EvidenceFileError, match=expected) as raised:
        parse_junit(path)
    assert str(path) in str(raised.value)


def test_malformed_xml_error_names_the_line(tmp_path: Path) -> None:
    path = write(tmp_path / "r.xml", "<testsuite>\n<testcase name='a'/>\n<oops\n</testsuite>")
    with pytest.raises(EvidenceFileError) as raised:
        parse_junit(path)
    assert raised.value.line == 4


def test_oversized_report_is_refused_before_parsing(tmp_path: Path) -> None:
    path = write(tmp_path / "big.xml", "<testsuite>" + "<testcase name='a'/>" * 1000 + "</testsuite>")
    with pytest.raises(EvidenceFileError, match="exceeds the 1000-byte limit"):
        parse_junit(path, max_bytes=1000)


def test_deeply_nested_json_is_an_error(tmp_path: Path) -> None:
    path = write(tmp_path / "deep.json", "[" * 100_000 + "]" * 100_000)
    with pytest.raises(EvidenceFileError):
        parse_latency(path)


FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
XML_TEXT = st.one_of(
    st.text(max_size=400),
    st.lists(
        st.sampled_from(
            [
                "<testsuites>",
                "<testsuite name='s' timestamp='x'>",
                "<testcase name='t'>",
                "<failure/>",
                "<skipped/>",
                "</testcase>",
                "</testsuite>",
                "<properties><property name='commit'/>",
                "</properties>",
                "<coverage line-rate='2'>",
                "<class filename='f'><lines><line hits='-1'/>",
                "</coverage>",
                "&amp;",
                "<!DOCTYPE x>",
                "\x00",
            ]
        ),
        max_size=30,
    ).map("".join),
)
JSON_VALUE = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=5)
        | st.dictionaries(
            st.sampled_from(
                [
                    "series",
                    "benchmarks",
                    "stats",
                    "data",
                    "unit",
                    "schema",
                    "users",
                    "orders",
                    "files",
                    "totals",
                    "summary",
                    "samples_ms",
                    "sent",
                    "golive/load-test/v1",
                    "ms",
                ]
            ),
            children,
            max_size=6,
        )
    ),
    max_leaves=30,
)


@FUZZ
@given(text=XML_TEXT)
def test_fuzzed_xml_never_crashes_the_parsers(tmp_path: Path, text: str) -> None:
    path = tmp_path / "fuzz.xml"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    for parser in (parse_junit, parse_coverage):
        try:
            parser(path)
        except EvidenceFileError as exc:
            assert str(path) in str(exc)


@FUZZ
@given(value=JSON_VALUE)
def test_fuzzed_json_never_crashes_the_parsers(tmp_path: Path, value: object) -> None:
    path = tmp_path / "fuzz.json"
    path.write_text(json.dumps(value), encoding="utf-8")
    for parser in (parse_latency, parse_load, parse_coverage):
        try:
            parser(path)
        except EvidenceFileError as exc:
            assert str(path) in str(exc)
