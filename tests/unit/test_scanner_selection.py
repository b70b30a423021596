"""security.scanners judges the scanners its `require` names; security.zap grades wapiti scans
(ingested real wapiti 3.0.4 reports with their session databases) beside ZAP reports."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
from pathlib import Path
from typing import Any

import pytest

from golive.model import Status
from tests.conftest import write
from tests.unit.test_security import collect, configure, judge

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
# The wapiti fixtures were made on 2026-12-02.
AS_OF = dt.datetime(2026, 12, 3, 12, 0, tzinfo=dt.UTC)


def scanners(tmp_path: Path, block: str, items: str = "") -> Any:
    return configure(tmp_path, "sources:\n  scanners:\n" + block + (f"items:\n{items}" if items else ""))


def clean_tree(tmp_path: Path) -> None:
    write(tmp_path / "src" / "app.py", "def add(a: int, b: int) -> int:\n    return a + b\n")


def trivy_copy(tmp_path: Path, name: str) -> None:
    (tmp_path / "trivy").mkdir(exist_ok=True)
    shutil.copy(FIXTURES / "trivy" / name, tmp_path / "trivy" / name)


# ------------------------------------------------------------------------------ require


def test_bandit_alone_is_insufficient_by_default_naming_trivy(tmp_path: Path) -> None:
    clean_tree(tmp_path)
    config = scanners(tmp_path, "    bandit_source: src\n")
    outcome = judge(config, "security.scanners", collect(config, "scanners", AS_OF), AS_OF)
    assert outcome.status is Status.INSUFFICIENT
    assert "sources.scanners.trivy not configured" in outcome.summary


def test_required_bandit_alone_passes_and_trivy_is_not_mentioned(tmp_path: Path) -> None:
    clean_tree(tmp_path)
    config = scanners(tmp_path, "    bandit_source: src\n", "  security.scanners: {require: [bandit]}\n")
    outcome = judge(config, "security.scanners", collect(config, "scanners", AS_OF), AS_OF)
    assert outcome.status is Status.PASS, outcome.summary
    assert "Bandit (1 report(s))" in outcome.summary
    assert "trivy" not in outcome.summary.lower()


def test_a_scanner_not_required_is_not_judged_even_when_its_reports_fail(tmp_path: Path) -> None:
    clean_tree(tmp_path)
    trivy_copy(tmp_path, "image-v2.json")
    config = scanners(tmp_path, "    bandit_source: src\n    trivy: 'trivy/*'\n", "  security.scanners: {require: [bandit]}\n")
    evidence = collect(config, "scanners", AS_OF)
    assert evidence.data["trivy"]["reports"]  # collected, but not the policy's business
    outcome = judge(config, "security.scanners", evidence, AS_OF)
    assert outcome.status is Status.PASS, outcome.summary
    assert not [finding for finding in outcome.findings if finding.key.startswith("CVE-")]
    required = judge(config, "security.scanners", evidence, AS_OF, require=["trivy", "bandit"])
    assert required.status is Status.FAIL


def test_required_trivy_without_reports_is_insufficient(tmp_path: Path) -> None:
    clean_tree(tmp_path)
    config = scanners(tmp_path, "    bandit_source: src\n    trivy: 'trivy/*.json'\n", "  security.scanners: {require: [trivy]}\n")
    outcome = judge(config, "security.scanners", collect(config, "scanners", AS_OF), AS_OF)
    assert outcome.status is Status.INSUFFICIENT
    assert "no Trivy report matches" in outcome.summary
    assert "bandit" not in outcome.summary.lower()


@pytest.mark.parametrize("require", [[], ["zap"], "bandit", [1]])
def test_a_require_that_is_not_a_list_of_scanners_is_an_error(tmp_path: Path, require: Any) -> None:
    clean_tree(tmp_path)
    config = scanners(tmp_path, "    bandit_source: src\n")
    outcome = judge(config, "security.scanners", collect(config, "scanners", AS_OF), AS_OF, require=require)
    assert outcome.status is Status.ERROR
    assert "items.security.scanners.require" in outcome.summary


# ------------------------------------------------------------------------------ wapiti


def wapiti_copy(tmp_path: Path, *names: str) -> None:
    (tmp_path / "wapiti").mkdir(exist_ok=True)
    for name in names:
        shutil.copy(FIXTURES / "wapiti" / name, tmp_path / "wapiti" / name)


WAPITI = "    wapiti: {report: 'wapiti/*.json', session: 'wapiti/*.db'}\n"


def appsec(tmp_path: Path, block: str = WAPITI, items: str = "", as_of: dt.datetime = AS_OF, **params: Any) -> Any:
    config = scanners(tmp_path, block, items)
    return judge(config, "security.zap", collect(config, "scanners", as_of), as_of, **params)


def test_clean_wapiti_scan_grades_a_with_its_crawl(tmp_path: Path) -> None:
    wapiti_copy(tmp_path, "clean.json", "clean.db")
    outcome = appsec(tmp_path, items="  security.zap: {min_urls: 10, min_parameters: 8}\n")
    assert outcome.status is Status.PASS, outcome.summary
    assert outcome.summary.startswith("grade A (needs A or better); wapiti: http://127.0.0.1:18301/: 17 URL(s) and forms crawled")
    assert "zap" not in outcome.summary.lower().replace("security.zap", "")


def test_wapiti_xss_fails_below_a_with_its_finding(tmp_path: Path) -> None:
    wapiti_copy(tmp_path, "xss.json", "xss.db")
    outcome = appsec(tmp_path)
    assert outcome.status is Status.FAIL
    assert "grade C" in outcome.summary
    assert [finding.key for finding in outcome.findings] == ["wapiti:cross-site-scripting@/feedback"]
    passing = appsec(tmp_path, min_grade="C")
    assert passing.status is Status.PASS, passing.summary


def test_wapiti_scan_below_min_urls_is_insufficient_never_a(tmp_path: Path) -> None:
    wapiti_copy(tmp_path, "clean.json", "clean.db")
    outcome = appsec(tmp_path, min_urls=18)
    assert outcome.status is Status.INSUFFICIENT
    assert "17 URL(s) crawled (min_urls 18)" in outcome.summary
    assert "grade A" not in outcome.summary


def test_wapiti_report_without_its_session_is_insufficient(tmp_path: Path) -> None:
    wapiti_copy(tmp_path, "clean.json")
    outcome = appsec(tmp_path)
    assert outcome.status is Status.INSUFFICIENT
    assert "the crawl is unproven" in outcome.summary


def test_old_wapiti_report_is_insufficient(tmp_path: Path) -> None:
    wapiti_copy(tmp_path, "clean.json", "clean.db")
    outcome = appsec(tmp_path, as_of=AS_OF + dt.timedelta(days=30))
    assert outcome.status is Status.INSUFFICIENT
    assert "older than 14 days" in outcome.summary


def test_bad_wapiti_settings_are_an_error_naming_the_field(tmp_path: Path) -> None:
    outcome = appsec(tmp_path, "    wapiti: {run: true, url: 'http://127.0.0.1:9/', modules: [wapp]}\n")
    assert outcome.status is Status.ERROR
    assert "sources.scanners.wapiti.modules: wapp downloads" in outcome.summary


@pytest.mark.parametrize("value", [0, True, "5"])
def test_bad_minimums_are_an_error(tmp_path: Path, value: Any) -> None:
    wapiti_copy(tmp_path, "clean.json", "clean.db")
    outcome = appsec(tmp_path, min_parameters=value)
    assert outcome.status is Status.ERROR
    assert "items.security.zap.min_parameters" in outcome.summary


def test_zap_and_wapiti_together_take_the_worst_grade(tmp_path: Path) -> None:
    wapiti_copy(tmp_path, "xss.json", "xss.db")
    (tmp_path / "zap").mkdir()
    shutil.copy(FIXTURES / "zap" / "baseline-grade-a.json", tmp_path / "zap" / "baseline-grade-a.json")
    outcome = appsec(tmp_path, WAPITI + "    zap: 'zap/*.json'\n")  # ZAP 13 days old, wapiti 1
    assert "grade C" in outcome.summary, outcome.summary
    assert "ZAP baseline-grade-a.json" in outcome.summary


def test_a_crawl_minimum_below_one_is_refused_when_the_config_loads(tmp_path: Path) -> None:
    from golive.yamlfile import ConfigError

    with pytest.raises(ConfigError, match=r"golive\.yml:\d+: .*security\.zap\.min_urls must be at least 1"):
        scanners(tmp_path, WAPITI, "  security.zap: {min_urls: 0}\n")


# ------------------------------------------------------------------------------ pip-audit


def pip_audit_copy(tmp_path: Path, name: str) -> None:
    (tmp_path / "audit").mkdir(exist_ok=True)
    target = tmp_path / "audit" / name
    shutil.copy(FIXTURES / "pip-audit" / name, target)
    # pip-audit writes no date: its file's time dates it.
    moment = (AS_OF - dt.timedelta(days=1)).timestamp()
    os.utime(target, (moment, moment))


def test_pip_audit_vulnerabilities_are_unscored_findings_to_review(tmp_path: Path) -> None:
    pip_audit_copy(tmp_path, "vulnerable.json")
    config = scanners(tmp_path, "    pip_audit: 'audit/*.json'\n", "  security.scanners: {require: [pip-audit]}\n")
    outcome = judge(config, "security.scanners", collect(config, "scanners", AS_OF), AS_OF)
    assert outcome.status is Status.INSUFFICIENT, outcome.summary
    keys = {finding.key: finding for finding in outcome.findings}
    assert set(keys) == {"pip-audit:PYSEC-2019-179@flask", "pip-audit:PYSEC-2018-66@flask"}
    assert "(CVE-2019-1010083): flask 0.5 (fixed in 1.0); pip-audit gives no severity" in keys["pip-audit:PYSEC-2019-179@flask"].detail
    assert "pip-audit (1 report(s)): 2 unscored vulnerabilit(ies) to review in 3 dependencies" in outcome.summary
    assert "trivy" not in outcome.summary.lower() and "bandit" not in outcome.summary.lower()


def test_a_clean_pip_audit_passes_and_a_skipped_dependency_is_insufficient(tmp_path: Path) -> None:
    pip_audit_copy(tmp_path, "clean.json")
    config = scanners(tmp_path, "    pip_audit: 'audit/clean.json'\n", "  security.scanners: {require: [pip-audit]}\n")
    assert judge(config, "security.scanners", collect(config, "scanners", AS_OF), AS_OF).status is Status.PASS
    pip_audit_copy(tmp_path, "skipped.json")
    config = scanners(tmp_path, "    pip_audit: 'audit/skipped.json'\n", "  security.scanners: {require: [pip-audit]}\n")
    outcome = judge(config, "security.scanners", collect(config, "scanners", AS_OF), AS_OF)
    assert outcome.status is Status.INSUFFICIENT
    assert "pip-audit could not check lunia-core: Dependency not found on PyPI" in outcome.summary


def test_required_pip_audit_without_reports_or_with_a_broken_one(tmp_path: Path) -> None:
    config = scanners(tmp_path, "    pip_audit: 'audit/*.json'\n", "  security.scanners: {require: [pip-audit, bandit]}\n")
    outcome = judge(config, "security.scanners", collect(config, "scanners", AS_OF), AS_OF)
    assert outcome.status is Status.INSUFFICIENT and "no pip-audit report matches" in outcome.summary
    write(tmp_path / "audit" / "bad.json", '{"dependencies": [{"version": "1"}]}')
    outcome = judge(config, "security.scanners", collect(config, "scanners", AS_OF), AS_OF)
    assert outcome.status is Status.ERROR and "dependencies[0] has no name" in outcome.summary


def test_a_vulnerability_trivy_scored_is_judged_there_not_again_as_unscored(tmp_path: Path) -> None:
    trivy_copy(tmp_path, "image-v2.json")
    (tmp_path / "audit").mkdir()
    report = {
        "dependencies": [
            {
                "name": "requests",
                "version": "2.31.0",
                "vulns": [{"id": "PYSEC-2024-1", "fix_versions": ["2.32.0"], "aliases": ["GHSA-9wx4-h78v-vm56"]}],
            }
        ]
    }
    write(tmp_path / "audit" / "audit.json", json.dumps(report))
    moment = (AS_OF - dt.timedelta(days=1)).timestamp()
    os.utime(tmp_path / "audit" / "audit.json", (moment, moment))
    block = "    trivy: 'trivy/*'\n    pip_audit: 'audit/*.json'\n"
    config = scanners(tmp_path, block, "  security.scanners: {require: [trivy, pip-audit], max_age_days: 3650}\n")
    outcome = judge(config, "security.scanners", collect(config, "scanners", AS_OF), AS_OF)
    assert not [finding for finding in outcome.findings if finding.key.startswith("pip-audit:")], outcome.summary
    assert "pip-audit (1 report(s)): 0 unscored" in outcome.summary
