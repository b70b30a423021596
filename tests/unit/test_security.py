"""security.zap, security.scanners (Trivy part) and security.audit_evidence on fixtures written to the tools' documented formats."""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from golive import checks, collectors
from golive.appsec import GRADES, WAPITI_ANOMALY_GRADE, WAPITI_LEVEL_GRADES, ZAP_CONFIDENCES, ZAP_RISKS, alert_grade
from golive.checks import JudgeContext
from golive.collectors import Evidence, settings_keys
from golive.collectors.audit import from_name
from golive.collectors.scanners import parse_trivy, parse_zap
from golive.config import Config, load_config
from golive.model import Outcome, Status
from golive.scheduling import collect_context
from golive.supply_chain import MAX_REPORT_BYTES, ReportError, read_bounded
from tests.conftest import write

st_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=12),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                [
                    "site",
                    "alerts",
                    "pluginid",
                    "riskcode",
                    "confidence",
                    "@name",
                    "Results",
                    "Vulnerabilities",
                    "VulnerabilityID",
                    "SchemaVersion",
                    "Severity",
                    "PkgName",
                    "created",
                ]
            )
            | st.text(max_size=8),
            children,
            max_size=5,
        )
    ),
    max_leaves=20,
)

AS_OF = dt.datetime(2026, 11, 29, 12, 0, tzinfo=dt.UTC)


def configure(folder: Path, body: str) -> Config:
    return load_config(write(folder / "golive.yml", "release: {repo: .}\n" + body), None, settings_keys())


def collect(config: Config, source: str, as_of: dt.datetime = AS_OF) -> Evidence:
    ctx = collect_context(config, as_of, config.base_dir / "golive-out" / "evidence", source)
    return collectors.registered()[source]().collect(ctx)


def judge(config: Config, item_id: str, evidence: Evidence, as_of: dt.datetime = AS_OF, **params: Any) -> Outcome:
    item = config.checklist.get(item_id)
    assert item is not None
    item.params.update(params)
    outcome = checks.registered()[item_id].fn(item, evidence, JudgeContext(config, as_of, {evidence.source: evidence}))
    assert isinstance(outcome, Outcome)
    return outcome


FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


def scanners_config(tmp_path: Path, **files: str) -> Config:
    """A golive.yml whose scanners block points at copies of the named fixtures."""
    lines = []
    for tool, names in files.items():
        for name in names.split(","):
            target = tmp_path / tool / Path(name).name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes((FIXTURES / name).read_bytes())
        lines.append(f"    {tool}: '{tool}/*'")
    return configure(tmp_path, "sources:\n  scanners:\n" + "\n".join(lines) + "\n")


# ------------------------------------------------------------------------------ ZAP


@pytest.mark.parametrize(
    ("risk", "confidence", "grade"),
    [
        (0, 3, "A"),
        (1, 4, "A"),
        (2, 1, "A"),
        (2, 2, "B"),
        (2, 3, "C"),
        (2, 4, "C"),
        (3, 1, "D"),
        (3, 2, "E"),
        (3, 3, "F"),
        (3, 4, "F"),
        (3, 0, None),
    ],
)
def test_alert_grade_follows_the_documented_table(risk: int, confidence: int, grade: str | None) -> None:
    assert alert_grade(risk, confidence) == grade


def test_every_alert_the_collector_accepts_has_a_grade_on_the_one_scale() -> None:
    # The collector refuses codes outside ZAP_RISKS x ZAP_CONFIDENCES; within them the table is total.
    graded = {(risk, confidence): alert_grade(risk, confidence) for risk in ZAP_RISKS for confidence in ZAP_CONFIDENCES}
    assert {grade for (_, confidence), grade in graded.items() if confidence == 0} == {None}
    assert {grade for (_, confidence), grade in graded.items() if confidence} <= set(GRADES)
    assert GRADES == ("A", "B", "C", "D", "E", "F") and set(WAPITI_LEVEL_GRADES.values()) | {WAPITI_ANOMALY_GRADE} <= set(GRADES)


def test_zap_json_with_low_and_false_positive_alerts_grades_a_and_passes(tmp_path: Path) -> None:
    config = scanners_config(tmp_path, zap="zap/baseline-grade-a.json")
    outcome = judge(config, "security.zap", collect(config, "scanners"))
    assert outcome.status is Status.PASS, outcome.summary
    assert outcome.summary.startswith("grade A")
    # Listed by risk, highest first; the False Positive XSS alert is not listed at all.
    assert outcome.summary.index("Medium/Low 10055") < outcome.summary.index("Low/High 10036")
    assert "40012" not in outcome.summary


def test_zap_xml_medium_high_confidence_alert_grades_c_and_fails_naming_the_plugin(tmp_path: Path) -> None:
    config = scanners_config(tmp_path, zap="zap/full-scan-grade-c.xml")
    outcome = judge(config, "security.zap", collect(config, "scanners"))
    assert outcome.status is Status.FAIL
    assert "grade C" in outcome.summary
    assert [finding.key for finding in outcome.findings] == ["zap:10038"]


def test_zap_min_grade_c_accepts_a_grade_c_report(tmp_path: Path) -> None:
    config = scanners_config(tmp_path, zap="zap/full-scan-grade-c.xml")
    outcome = judge(config, "security.zap", collect(config, "scanners"), min_grade="C")
    assert outcome.status is Status.PASS, outcome.summary


def test_zap_same_plugin_on_two_sites_is_one_finding_at_its_worst_grade(tmp_path: Path) -> None:
    config = scanners_config(tmp_path, zap="zap/active-scan-grade-f.json")
    outcome = judge(config, "security.zap", collect(config, "scanners"))
    assert [finding.key for finding in outcome.findings] == ["zap:40018"]
    assert "grade F" in outcome.findings[0].detail
    assert "api.staging.lunia.example" in outcome.findings[0].detail and "https://staging.lunia.example" in outcome.findings[0].detail


def test_zap_report_older_than_max_age_is_insufficient_naming_it(tmp_path: Path) -> None:
    config = scanners_config(tmp_path, zap="zap/baseline-grade-a.json")
    outcome = judge(config, "security.zap", collect(config, "scanners"), AS_OF + dt.timedelta(days=30))
    assert outcome.status is Status.INSUFFICIENT
    assert "baseline-grade-a.json" in outcome.summary and "older than 14 days" in outcome.summary


def test_zap_report_dated_after_as_of_is_insufficient(tmp_path: Path) -> None:
    config = scanners_config(tmp_path, zap="zap/baseline-grade-a.json")
    outcome = judge(config, "security.zap", collect(config, "scanners"), dt.datetime(2026, 11, 1, tzinfo=dt.UTC))
    assert outcome.status is Status.INSUFFICIENT
    assert "after --as-of" in outcome.summary


def test_zap_report_without_sites_is_insufficient(tmp_path: Path) -> None:
    write(tmp_path / "zap" / "empty.json", json.dumps({"@version": "2.15.0", "created": "2026-11-28T00:00:00Z", "site": []}))
    config = configure(tmp_path, "sources:\n  scanners: {zap: 'zap/*.json'}\n")
    outcome = judge(config, "security.zap", collect(config, "scanners"))
    assert outcome.status is Status.INSUFFICIENT
    assert "covers no site" in outcome.summary


def test_zap_glob_matching_nothing_is_insufficient(tmp_path: Path) -> None:
    config = configure(tmp_path, "sources:\n  scanners: {zap: 'zap/*.json'}\n")
    outcome = judge(config, "security.zap", collect(config, "scanners"))
    assert outcome.status is Status.INSUFFICIENT
    assert "no ZAP report matches zap/*.json" in outcome.summary


def test_zap_not_configured_while_trivy_is_is_insufficient(tmp_path: Path) -> None:
    config = scanners_config(tmp_path, trivy="trivy/image-v2-clean.json")
    outcome = judge(config, "security.zap", collect(config, "scanners"))
    assert outcome.status is Status.INSUFFICIENT
    assert "sources.scanners.zap not configured" in outcome.summary


def test_scanners_source_not_configured_leaves_evidence_missing(tmp_path: Path) -> None:
    evidence = collect(configure(tmp_path, ""), "scanners")
    assert evidence.missing and "sources.scanners" in evidence.missing


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("broken.json", b'{"site": [', "broken.json:1:"),
        ("broken.xml", b"<OWASPZAPReport><site>", "broken.xml: invalid XML"),
        ("other.xml", b"<testsuite/>", "not <OWASPZAPReport>"),
        (
            "bomb.xml",
            b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;">]><OWASPZAPReport>&b;</OWASPZAPReport>',
            "bomb.xml: invalid XML",
        ),
        (
            "risk.json",
            json.dumps({"site": [{"@name": "s", "alerts": [{"pluginid": "1", "riskcode": "9", "confidence": "2"}]}]}).encode(),
            "out of range",
        ),
        (
            "noplugin.json",
            json.dumps({"site": [{"@name": "s", "alerts": [{"riskcode": "3", "confidence": "2"}]}]}).encode(),
            "no numeric pluginid",
        ),
        ("latin1.json", b'{"site": "\xff"}', "not UTF-8"),
    ],
)
def test_malformed_zap_report_is_an_error_naming_the_file(tmp_path: Path, name: str, content: bytes, expected: str) -> None:
    (tmp_path / "zap").mkdir()
    (tmp_path / "zap" / name).write_bytes(content)
    config = configure(tmp_path, "sources:\n  scanners: {zap: 'zap/*'}\n")
    outcome = judge(config, "security.zap", collect(config, "scanners"))
    assert outcome.status is Status.ERROR, outcome.summary
    assert name in outcome.summary and expected in outcome.summary


def test_oversized_report_is_refused_without_reading_it(tmp_path: Path) -> None:
    big = tmp_path / "zap.json"
    with big.open("wb") as handle:
        handle.truncate(MAX_REPORT_BYTES + 1)
    with pytest.raises(ReportError, match=r"zap\.json: .* larger than"):
        read_bounded(big)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.binary(max_size=400) | st.text(max_size=400).map(str.encode) | st_json.map(lambda value: json.dumps(value).encode()))
def test_zap_parser_never_crashes_on_arbitrary_input(content: bytes) -> None:
    try:
        report = parse_zap(Path("fuzz.json"), content)
    except ReportError as exc:
        assert "fuzz.json" in str(exc)
    else:
        assert isinstance(report["alerts"], list)


# ------------------------------------------------------------------------------ Trivy


def test_trivy_v2_critical_cve_fails_with_package_key_and_fixed_version(tmp_path: Path) -> None:
    config = scanners_config(tmp_path, trivy="trivy/image-v2.json")
    outcome = judge(config, "security.scanners", collect(config, "scanners"))
    assert outcome.status is Status.FAIL
    assert [finding.key for finding in outcome.findings] == ["CVE-2024-5535@libssl3"]
    assert "fixed in 3.0.15-1~deb12u2" in outcome.findings[0].detail


def test_trivy_legacy_array_shape_is_read(tmp_path: Path) -> None:
    config = scanners_config(tmp_path, trivy="trivy/legacy-array.json")
    report = collect(config, "scanners").data["trivy"]["reports"][0]
    assert report["shape"] == "legacy"
    assert report["date_origin"] == "file modification time"
    assert {(v["id"], v["package"], v["severity"]) for v in report["vulnerabilities"]} == {
        ("CVE-2022-37434", "zlib1g", "CRITICAL"),
        ("CVE-2022-1304", "e2fsprogs", "HIGH"),
    }


def test_trivy_null_and_missing_fields_are_tolerated(tmp_path: Path) -> None:
    config = scanners_config(tmp_path, trivy="trivy/image-v2-unscored.json")
    vulns = collect(config, "scanners").data["trivy"]["reports"][0]["vulnerabilities"]
    by_id = {v["id"]: v for v in vulns}
    assert by_id["CVE-2024-29041"]["package"] == "express"  # from PkgID when PkgName is missing
    assert by_id["CVE-2024-29041"]["severity"] == "MEDIUM"
    assert by_id["GHSA-xxxx-unknown"]["severity"] == "UNKNOWN"


def test_configurable_severities_make_high_blocking(tmp_path: Path) -> None:
    config = scanners_config(tmp_path, trivy="trivy/image-v2-clean.json")
    outcome = judge(config, "security.scanners", collect(config, "scanners"), blocking_severities=["CRITICAL", "HIGH"])
    assert [finding.key for finding in outcome.findings] == ["CVE-2024-4068@braces"]
    assert outcome.status is Status.FAIL


def test_scanners_without_bandit_evidence_is_insufficient_even_when_trivy_is_clean(tmp_path: Path) -> None:
    config = scanners_config(tmp_path, trivy="trivy/image-v2-clean.json")
    outcome = judge(config, "security.scanners", collect(config, "scanners"))
    assert outcome.status is Status.INSUFFICIENT
    assert "sources.scanners.bandit not configured" in outcome.summary


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b'{"SchemaVersion": 2, "Results": [{"Vulnerabilities": [{"PkgName": "x", "Severity": "CRITICAL"}]}]}', "has no VulnerabilityID"),
        (b'{"SchemaVersion": 3, "Results": []}', "SchemaVersion 3"),
        (b'{"SchemaVersion": 2, "Results": {"a": 1}}', "Results is not a list"),
        (b'"just a string"', "not a Trivy JSON report"),
        (b'{"SchemaVersion": 2, "Results": [{"Vulnerabilities": "none"}]}', "Vulnerabilities is not a list"),
        (b"[" * 100000, "trivy.json"),
    ],
)
def test_malformed_trivy_report_is_an_error_naming_the_file(tmp_path: Path, content: bytes, expected: str) -> None:
    write(tmp_path / "trivy" / "trivy.json", "")
    (tmp_path / "trivy" / "trivy.json").write_bytes(content)
    config = configure(tmp_path, "sources:\n  scanners: {trivy: 'trivy/*.json'}\n")
    outcome = judge(config, "security.scanners", collect(config, "scanners"))
    assert outcome.status is Status.ERROR, outcome.summary
    assert "trivy.json" in outcome.summary and expected in outcome.summary


@settings(max_examples=300, deadline=None)
@given(st_json)
def test_trivy_parser_never_crashes_on_arbitrary_json(value: object) -> None:
    try:
        report = parse_trivy(Path("fuzz.json"), json.dumps(value).encode())
    except ReportError as exc:
        assert "fuzz.json" in str(exc)
    else:
        assert all(isinstance(v["id"], str) and v["id"] for v in report["vulnerabilities"])


# ------------------------------------------------------------------------------ audit exports


def audit_config(tmp_path: Path, *names: str, content: bytes = b"export") -> Config:
    folder = tmp_path / "exports"
    folder.mkdir(exist_ok=True)
    for name in names:
        (folder / name).write_bytes(content)
    return configure(tmp_path, "sources:\n  audit: {folder: exports}\n")


def days_before(days: int) -> str:
    return (AS_OF.date() - dt.timedelta(days=days)).isoformat()


def test_fresh_weekly_and_current_quarterly_export_pass(tmp_path: Path) -> None:
    config = audit_config(tmp_path, f"audit-weekly-{days_before(3)}.tar.gz", "audit-quarterly-2026-Q4.zip", "README.txt")
    outcome = judge(config, "security.audit_evidence", collect(config, "audit"))
    assert outcome.status is Status.PASS, outcome.summary
    assert "2026-Q4" in outcome.summary


def test_weekly_export_older_than_seven_days_fails_with_its_age(tmp_path: Path) -> None:
    config = audit_config(tmp_path, f"audit-weekly-{days_before(8)}.tar.gz", "audit-quarterly-2026-Q4.zip")
    outcome = judge(config, "security.audit_evidence", collect(config, "audit"))
    assert outcome.status is Status.FAIL
    assert [finding.key for finding in outcome.findings] == ["audit:weekly"]
    assert "8 days before --as-of" in outcome.summary


def test_weekly_export_named_by_iso_week_is_dated_the_sunday_ending_it(tmp_path: Path) -> None:
    # 2026-11-29 is the Sunday of ISO week 48.
    config = audit_config(tmp_path, "weekly_2026-W47.zip", "quarterly_2026Q4.zip")
    outcome = judge(config, "security.audit_evidence", collect(config, "audit"))
    assert outcome.status is Status.PASS, outcome.summary
    assert "2026-11-22, 7 day(s) old" in outcome.summary


def test_previous_quarter_accepted_only_within_the_grace_period(tmp_path: Path) -> None:
    early = dt.datetime(2026, 10, 10, tzinfo=dt.UTC)
    late = dt.datetime(2026, 10, 20, tzinfo=dt.UTC)
    config = audit_config(tmp_path, "audit-weekly-2026-10-08.tar", "audit-weekly-2026-10-18.tar", "audit-quarterly-2026-Q3.zip")
    assert judge(config, "security.audit_evidence", collect(config, "audit", early), early).status is Status.PASS
    outcome = judge(config, "security.audit_evidence", collect(config, "audit", late), late)
    assert outcome.status is Status.FAIL
    assert [finding.key for finding in outcome.findings] == ["audit:quarterly"]
    assert "2026-Q4 (or 2026-Q3 until 2026-10-16)" in outcome.summary


def test_sidecar_metadata_dates_an_export_whose_name_says_nothing(tmp_path: Path) -> None:
    config = audit_config(tmp_path, "export-7781.tar", "export-7700.tar", "audit-quarterly-2026-Q4.zip")
    write(tmp_path / "exports" / "export-7781.tar.meta.json", json.dumps({"kind": "weekly", "exported_at": f"{days_before(1)}T02:00:00Z"}))
    write(tmp_path / "exports" / "export-7700.tar.meta.json", json.dumps({"kind": "quarterly", "period": "2026-Q4"}))
    outcome = judge(config, "security.audit_evidence", collect(config, "audit"))
    assert outcome.status is Status.PASS, outcome.summary
    assert "export-7781.tar" in outcome.summary


def test_quarterly_export_named_only_by_a_date_is_an_error_naming_it(tmp_path: Path) -> None:
    config = audit_config(tmp_path, f"audit-weekly-{days_before(1)}.tar", "audit-quarterly-2026-10-02.zip")
    outcome = judge(config, "security.audit_evidence", collect(config, "audit"))
    # Without a usable quarterly export the item fails; the unusable file is still named.
    assert outcome.status is Status.FAIL and outcome.own is Status.ERROR
    assert "audit-quarterly-2026-10-02.zip: a quarterly export must name its quarter" in outcome.summary


def test_malformed_sidecar_is_an_error_naming_it(tmp_path: Path) -> None:
    config = audit_config(tmp_path, "x.tar", f"audit-weekly-{days_before(1)}.tar", "audit-quarterly-2026-Q4.zip")
    write(tmp_path / "exports" / "x.tar.meta.json", '{"kind": "weekly", "exported_at": "yesterday"}')
    outcome = judge(config, "security.audit_evidence", collect(config, "audit"))
    assert outcome.status is Status.ERROR
    assert "x.tar.meta.json" in outcome.summary and "not ISO-8601" in outcome.summary


def test_empty_exports_and_future_dated_exports_do_not_count(tmp_path: Path) -> None:
    tomorrow = (AS_OF.date() + dt.timedelta(days=1)).isoformat()
    config = audit_config(tmp_path, f"audit-weekly-{tomorrow}.tar", "audit-quarterly-2026-Q4.zip")
    (tmp_path / "exports" / f"audit-weekly-{days_before(1)}.tar").write_bytes(b"")
    outcome = judge(config, "security.audit_evidence", collect(config, "audit"))
    assert outcome.status is Status.FAIL
    assert "no weekly export" in outcome.summary and "empty (ignored)" in outcome.summary and "after --as-of" in outcome.summary


def test_missing_export_folder_is_an_error_and_unconfigured_is_missing(tmp_path: Path) -> None:
    assert "not a folder" in str(collect(configure(tmp_path, "sources:\n  audit: {folder: nowhere}\n"), "audit").error)
    assert collect(configure(tmp_path, ""), "audit").missing == "sources.audit.folder not configured"


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=60))
def test_export_name_parser_never_crashes(name: str) -> None:
    parsed = from_name(name)
    assert parsed is None or parsed["kind"] in ("weekly", "quarterly")


def test_an_unscored_vulnerability_is_not_proof_of_no_critical_one(tmp_path: Path) -> None:
    # "No critical CVEs": a severity no database has assigned yet (Trivy's UNKNOWN) may be critical.
    config = scanners_config(tmp_path, trivy="trivy/image-v2-unscored.json")
    outcome = judge(config, "security.scanners", collect(config, "scanners"))
    unscored = [finding for finding in outcome.findings if finding.key == "GHSA-xxxx-unknown@left-pad"]
    assert unscored and unscored[0].status is Status.INSUFFICIENT
    assert outcome.status is Status.INSUFFICIENT


@pytest.mark.parametrize(
    ("tool", "content", "expected"),
    [
        ("trivy", {"SchemaVersion": 2, "CreatedAt": "2026-11-25T06:00:00Z", "Results": []}, "Trivy scanned no target"),
        ("trivy", [], "Trivy scanned no target"),
        ("bandit", {"generated_at": "2026-11-25T06:00:00Z", "results": [], "metrics": {"_totals": {"loc": 0}}}, "0 lines of code"),
    ],
)
def test_a_scan_of_nothing_is_insufficient(tmp_path: Path, tool: str, content: Any, expected: str) -> None:
    report = write(tmp_path / tool / "report.json", json.dumps(content))
    moment = (AS_OF - dt.timedelta(days=1)).timestamp()
    os.utime(report, (moment, moment))
    config = configure(tmp_path, f"sources:\n  scanners:\n    {tool}: '{tool}/*'\n")
    outcome = judge(config, "security.scanners", collect(config, "scanners"))
    assert outcome.status is Status.INSUFFICIENT and expected in outcome.summary


def test_audit_metadata_without_a_utc_offset_is_an_error_naming_the_file(tmp_path: Path) -> None:
    config = audit_config(tmp_path, "x.tar", f"audit-weekly-{days_before(1)}.tar", "audit-quarterly-2026-Q4.zip")
    write(tmp_path / "exports" / "x.tar.meta.json", json.dumps({"kind": "weekly", "exported_at": f"{days_before(1)}T23:30:00"}))
    outcome = judge(config, "security.audit_evidence", collect(config, "audit"))
    assert outcome.own is Status.ERROR and "x.tar.meta.json" in outcome.summary and "no UTC offset" in outcome.summary


@pytest.mark.parametrize(
    ("created", "status", "expected"),
    [
        ("2026-11-25T06:00:00", Status.INSUFFICIENT, "no UTC offset"),
        ("2026-11-31T06:00:00Z", Status.ERROR, "not an ISO-8601 timestamp"),
        (12345, Status.ERROR, "not an ISO-8601 timestamp"),
    ],
)
def test_trivy_report_date_without_offset_or_invalid_is_named(tmp_path: Path, created: Any, status: Status, expected: str) -> None:
    document = {"SchemaVersion": 2, "CreatedAt": created, "Results": [{"Target": "t"}]}
    write(tmp_path / "trivy" / "report.json", json.dumps(document))
    config = configure(tmp_path, "sources:\n  scanners:\n    trivy: 'trivy/*'\n")
    outcome = judge(config, "security.scanners", collect(config, "scanners"))
    assert outcome.status is status and "report.json" in outcome.summary and expected in outcome.summary


def test_trivy_nanosecond_timestamp_keeps_its_offset() -> None:
    # The offset's digits once ran into the fraction: 10:00+02:00 read as 10:00 UTC, two hours young.
    document = {"SchemaVersion": 2, "CreatedAt": "2026-11-28T10:00:00.123456789+02:00", "Results": [{"Target": "t"}]}
    report = parse_trivy(Path("t.json"), json.dumps(document).encode())
    assert report["generated"] == "2026-11-28T10:00:00.123456+02:00"


@pytest.mark.parametrize(("extra_seconds", "too_old"), [(-1, False), (0, False), (1, True)])
def test_scanner_report_age_at_the_limit(extra_seconds: int, too_old: bool) -> None:
    from golive.checks.security import age_problem

    generated = (AS_OF - dt.timedelta(days=14, seconds=extra_seconds)).isoformat()
    assert (age_problem({"generated": generated}, AS_OF, 14) is not None) is too_old
