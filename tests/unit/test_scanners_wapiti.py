"""wapiti's reports and session databases, on real wapiti 3.0.4 output of the demo service."""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
from pathlib import Path

import pytest

from golive.appsec import judge_scans
from golive.scanners_wapiti import (
    WapitiSettingsError,
    ingest_scan,
    pair_sessions,
    parse_report,
    parse_settings,
    read_session,
    run_scan,
    scan_argv,
    slug,
)
from golive.supply_chain import ReportError

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "wapiti"


def scan(name: str) -> dict[str, object]:
    return ingest_scan(FIXTURES / f"{name}.json", FIXTURES / f"{name}.db")


def test_real_clean_report_parses_with_its_date_and_target() -> None:
    report = parse_report(FIXTURES / "clean.json", (FIXTURES / "clean.json").read_bytes())
    assert report["target"] == "http://127.0.0.1:18301/"
    assert report["version"] == "Wapiti 3.0.4"
    assert report["generated"] == "2026-12-02T06:44:18+00:00"  # "Wed, 02 Dec 2026 06:44:18 +0000" in the report
    assert report["vulnerabilities"] == [] and report["anomalies"] == []


def test_real_session_names_every_crawled_url_and_attacked_parameter() -> None:
    crawl = read_session(FIXTURES / "clean.db")
    assert crawl["root_url"] == "http://127.0.0.1:18301/"
    assert crawl["crawled"] == 17
    assert {"GET /markets", "GET /search", "GET /help", "POST /contact"} <= set(crawl["urls"])
    assert len(crawl["parameters"]) == 11
    assert "POST /contact message" in crawl["parameters"]
    assert "GET /search side" in crawl["parameters"]
    assert "xss" in crawl["modules"]


def test_clean_scan_is_grade_a_with_its_crawl_as_facts() -> None:
    judged = judge_scans([scan("clean")], min_urls=5, min_parameters=5)
    assert judged.grade == "A"
    assert judged.flaws == [] and judged.gaps == []
    assert judged.facts == ["http://127.0.0.1:18301/: 17 URL(s) and forms crawled, 11 parameter(s) attacked"]


def test_crawled_xss_form_is_a_medium_finding_graded_c() -> None:
    judged = judge_scans([scan("xss")], min_urls=5, min_parameters=5)
    assert judged.grade == "C"
    assert [flaw["key"] for flaw in judged.flaws] == ["wapiti:cross-site-scripting@/feedback"]
    assert "GET /feedback parameter comment" in judged.flaws[0]["detail"]
    assert "Medium level" in judged.flaws[0]["detail"]
    assert "GET /feedback comment" in read_session(FIXTURES / "xss.db")["parameters"]


def test_worst_scan_sets_the_grade() -> None:
    judged = judge_scans([scan("clean"), scan("xss")], min_urls=5, min_parameters=5)
    assert judged.grade == "C"


@pytest.mark.parametrize(
    ("min_urls", "min_parameters", "reason"),
    [(18, 1, "17 URL(s) crawled (min_urls 18)"), (1, 12, "11 parameter(s) attacked (min_parameters 12)")],
)
def test_scan_below_the_minimum_is_insufficient_never_an_a(min_urls: int, min_parameters: int, reason: str) -> None:
    judged = judge_scans([scan("clean")], min_urls=min_urls, min_parameters=min_parameters)
    assert judged.grade is None
    assert judged.gaps == [("insufficient", f"clean.json: too small a scan to grade: {reason}")]


def test_report_without_its_session_is_insufficient() -> None:
    judged = judge_scans([ingest_scan(FIXTURES / "xss.json", None)], 1, 1)
    assert judged.grade is None
    assert judged.gaps[0][0] == "insufficient"
    assert "the crawl is unproven" in judged.gaps[0][1]


def test_session_of_another_target_is_not_the_reports_crawl() -> None:
    judged = judge_scans([ingest_scan(FIXTURES / "xss.json", FIXTURES / "clean.db")], 1, 1)
    assert judged.grade is None
    assert "crawled http://127.0.0.1:18301/, not http://127.0.0.1:18302/" in judged.gaps[0][1]


def test_reports_pair_with_the_session_of_their_target() -> None:
    pairs = pair_sessions([FIXTURES / "xss.json", FIXTURES / "clean.json"], [FIXTURES / "clean.db", FIXTURES / "xss.db"])
    assert [(report.name, session.name if session else None) for report, session in pairs] == [
        ("xss.json", "xss.db"),
        ("clean.json", "clean.db"),
    ]


def test_anomaly_grades_b(tmp_path: Path) -> None:
    report = json.loads((FIXTURES / "clean.json").read_text())
    report["anomalies"] = {
        "Internal Server Error": [{"method": "GET", "path": "/search", "level": 3, "parameter": "symbol", "info": "500"}]
    }
    path = tmp_path / "clean.json"
    path.write_text(json.dumps(report))
    judged = judge_scans([ingest_scan(path, FIXTURES / "clean.db")], 1, 1)
    assert judged.grade == "B"
    assert judged.flaws[0]["key"] == "wapiti:internal-server-error@/search"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"infos": None}, "not a wapiti JSON report"),
        ({"infos": {"date": "x"}}, "infos.target names no scanned URL"),
        ({"vulnerabilities": {"XSS": [{"path": "/", "level": 9}]}}, "level 9 is not one of wapiti's levels 0-4"),
        ({"vulnerabilities": {"XSS": "many"}}, "is not a list"),
    ],
)
def test_malformed_report_is_a_report_error(tmp_path: Path, change: dict[str, object], message: str) -> None:
    report = {**json.loads((FIXTURES / "clean.json").read_text()), **change}
    path = tmp_path / "report.json"
    path.write_text(json.dumps(report))
    with pytest.raises(ReportError, match=message):
        parse_report(path, path.read_bytes())


def test_a_database_that_is_not_wapitis_is_a_report_error(tmp_path: Path) -> None:
    other = tmp_path / "other.db"
    sqlite3.connect(other).execute("CREATE TABLE t (x)").connection.commit()
    with pytest.raises(ReportError, match=r"not a wapiti 3\.0 session database"):
        read_session(other)


def test_unparsable_session_leaves_the_crawl_unproven(tmp_path: Path) -> None:
    broken = tmp_path / "broken.db"
    broken.write_bytes(b"not sqlite at all" * 10)
    entry = ingest_scan(FIXTURES / "clean.json", broken)
    assert entry["crawl"] is None
    assert "session database" in str(entry["crawl_error"])


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"run": True, "url": "http://a/", "modules": ["xss", "wapp"]}, r"modules: wapp downloads Wappalyzer's database"),
        ({"run": True, "url": "http://a/", "modules": ["ssrf"]}, "modules: ssrf needs wapiti's external callback host"),
        ({"run": True, "url": "http://a/", "modules": ["nosuch"]}, "modules: nosuch is not a wapiti 3.0 module"),
        ({"run": True, "url": "ftp://a/", "modules": ["xss"]}, "url must be an http"),
        ({"run": True, "url": "http://a/", "modules": []}, "modules must be a non-empty list"),
        ({"run": True, "url": "http://a/", "modules": ["xss"], "timeout": True}, "timeout must be a number"),
        ({"run": True, "url": "http://a/", "modules": ["xss"], "min_urls": 0}, "min_urls must be a whole number of at least 1"),
        ({"run": "yes"}, "run must be true or false"),
        ({"report": "r.json", "depth": 3}, r"wapiti\.depth: unknown setting"),
        ({}, "needs run: true"),
    ],
)
def test_bad_settings_name_the_field(raw: dict[str, object], message: str) -> None:
    with pytest.raises(WapitiSettingsError, match=message):
        parse_settings(raw)
    with pytest.raises(WapitiSettingsError, match=r"sources\.scanners\.wapiti"):
        parse_settings(raw)


def test_scan_command_keeps_wapiti_off_the_internet(tmp_path: Path) -> None:
    settings = parse_settings({"run": True, "url": "http://10.0.0.2:8000/", "modules": ["xss", "sql"], "timeout": 90})
    argv = scan_argv("wapiti", settings, tmp_path / "r.json", tmp_path / "s", tmp_path / "c")
    assert "--no-bugreport" in argv
    assert argv[argv.index("--module") + 1] == "xss,sql"
    assert argv[argv.index("--store-config") + 1] == str(tmp_path / "c")
    assert argv[argv.index("--max-scan-time") + 1] == "90"
    assert argv[argv.index("--format") + 1] == "json"


def test_a_failed_run_is_an_error_entry(tmp_path: Path) -> None:
    if shutil.which("wapiti") is None:
        pytest.skip("wapiti is not installed (Debian's wapiti package)")
    settings = parse_settings({"run": True, "url": "http://127.0.0.1:9/", "modules": ["xss"], "timeout": 5})

    def refuse(argv: list[str], cwd: Path, timeout: float) -> subprocess.CompletedProcess[str]:
        return subprocess.CompletedProcess(argv, 2, "", "wapiti: error: argument\n")

    entry = run_scan(settings, tmp_path / "scan", refuse)
    assert entry["error"] == "wapiti http://127.0.0.1:9/ failed (exit 2): wapiti: error: argument"
    assert json.loads((tmp_path / "scan" / "config" / "apps.json").read_text()) == {}


def test_slugs_are_stable_finding_keys() -> None:
    assert slug("Cross Site Scripting") == "cross-site-scripting"
    assert slug("Content Security Policy Configuration") == "content-security-policy-configuration"
