"""security.scanners on Bandit reports made by running Bandit, and waivers through the engine."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from golive import engine
from golive.collectors import settings_keys
from golive.collectors.scanners import bandit_command
from golive.config import load_config
from golive.decision import load_waivers
from golive.model import Status
from golive.policy import WaiverPolicy
from tests.conftest import needs, write
from tests.unit.test_security import FIXTURES, collect, configure, judge

RISKY = """import pickle
import subprocess


def run(command: str) -> None:
    subprocess.Popen(command, shell=True)


def run_reviewed(command: str) -> None:
    subprocess.Popen(command, shell=True)  # nosec B602 - commands come from the operator's own config


def load(blob: bytes) -> object:
    return pickle.loads(blob)
"""
SAFE = """import subprocess


def run(argv: list[str]) -> None:
    subprocess.run(argv, check=True)


def run_reviewed(command: str) -> None:
    subprocess.Popen(command, shell=True)  # nosec B602 - commands come from the operator's own config
"""


@pytest.fixture
def bandit_available() -> None:
    needs(bandit_command() is not None, "bandit is not installed")


def source_tree(root: Path, bot: str) -> Path:
    write(root / "src" / "lunia" / "__init__.py", "")
    write(root / "src" / "lunia" / "bot.py", bot)
    shutil.copy(FIXTURES / "trivy" / "image-v2-clean.json", write(root / "reports" / "trivy.json", ""))
    return root


SCANNERS = "sources:\n  scanners: {trivy: reports/trivy.json, bandit_source: src}\n"


@pytest.mark.usefixtures("bandit_available")
def test_live_bandit_high_high_finding_fails_keyed_by_test_and_path_and_counts_nosec(tmp_path: Path) -> None:
    config = configure(source_tree(tmp_path, RISKY), SCANNERS)
    evidence = collect(config, "scanners")
    outcome = judge(config, "security.scanners", evidence)
    assert outcome.status is Status.FAIL, outcome.summary
    assert [finding.key for finding in outcome.findings] == ["bandit:B602@src/lunia/bot.py"]
    assert "src/lunia/bot.py:6 HIGH/HIGH" in outcome.findings[0].detail
    # pickle.loads is MEDIUM/HIGH: reported as below the bar, not blocking.
    assert "1 `# nosec` suppression(s)" in outcome.summary
    assert evidence.data["bandit"]["reports"][0]["live"] is True


@pytest.mark.usefixtures("bandit_available")
def test_clean_scans_await_the_review_attestation_then_pass_without_it(tmp_path: Path) -> None:
    source_tree(tmp_path, SAFE)
    item = run_engine(tmp_path, SCANNERS, "[]\n")["security.scanners"]
    assert item["status"] == "pending", item["summary"]
    assert "awaiting a signed attestation: Trivy and Bandit results reviewed" in item["summary"]
    without_review = SCANNERS + "items:\n  security.scanners: {attestation: ''}\n"
    assert run_engine(tmp_path, without_review, "[]\n")["security.scanners"]["status"] == "pass"


@pytest.mark.usefixtures("bandit_available")
def test_bandit_medium_threshold_blocks_the_pickle_finding(tmp_path: Path) -> None:
    config = configure(source_tree(tmp_path, RISKY), SCANNERS)
    outcome = judge(config, "security.scanners", collect(config, "scanners"), bandit_blocking="MEDIUM")
    assert {finding.key for finding in outcome.findings} == {"bandit:B602@src/lunia/bot.py", "bandit:B301@src/lunia/bot.py"}


@pytest.mark.usefixtures("bandit_available")
def test_ingested_bandit_json_report_is_judged_like_a_live_run(tmp_path: Path) -> None:
    source_tree(tmp_path, RISKY)
    command = bandit_command()
    assert command is not None
    subprocess.run([*command, "-r", "src", "-f", "json", "-q", "-o", "reports/bandit.json"], cwd=tmp_path, check=False)
    config = configure(tmp_path, "sources:\n  scanners: {trivy: reports/trivy.json, bandit: reports/bandit.json}\n")
    # The report was just written: judge it as of now, not as of the fixtures' fixed date.
    now = dt.datetime.now(dt.UTC)
    outcome = judge(config, "security.scanners", collect(config, "scanners", now), now)
    assert [finding.key for finding in outcome.findings] == ["bandit:B602@src/lunia/bot.py"]
    assert "bandit.json" not in outcome.summary  # fresh, readable: nothing to say about the file


@pytest.mark.usefixtures("bandit_available")
def test_file_bandit_cannot_parse_is_an_error_naming_it(tmp_path: Path) -> None:
    source_tree(tmp_path, SAFE)
    write(tmp_path / "src" / "lunia" / "broken.py", "def broken(:\n")
    config = configure(tmp_path, SCANNERS)
    outcome = judge(config, "security.scanners", collect(config, "scanners"))
    assert outcome.status is Status.ERROR, outcome.summary
    assert "src/lunia/broken.py" in outcome.summary


@pytest.mark.usefixtures("bandit_available")
def test_stale_bandit_report_is_insufficient(tmp_path: Path) -> None:
    source_tree(tmp_path, SAFE)
    command = bandit_command()
    assert command is not None
    subprocess.run([*command, "-r", "src", "-f", "json", "-q", "-o", "reports/bandit.json"], cwd=tmp_path, check=False)
    config = configure(tmp_path, "sources:\n  scanners: {trivy: reports/trivy.json, bandit: reports/bandit.json}\n")
    later = dt.datetime.now(dt.UTC) + dt.timedelta(days=15)
    outcome = judge(config, "security.scanners", collect(config, "scanners", later), later)
    assert outcome.status is Status.INSUFFICIENT
    assert "bandit.json" in outcome.summary and "older than 14 days" in outcome.summary


def run_engine(repo: Path, body: str, waivers: str) -> dict[str, Any]:
    write(repo / "waivers.yml", waivers)
    path = write(repo / "golive.yml", "release: {repo: .}\nwaivers: waivers.yml\n" + body)
    config = load_config(path, None, settings_keys())
    as_of = dt.datetime.now(dt.UTC).replace(microsecond=0)
    valid, problems = load_waivers(config.waivers, as_of, set(config.checklist.ids()), policy=WaiverPolicy(unsigned="allow"))
    options = engine.RunOptions(as_of=as_of, timeout=120, out_dir=repo / "golive-out")
    document = engine.run(config, options, repo / "golive-out" / "evidence", valid, problems)
    return {item["id"]: item for item in document["items"]}


def waiver(finding: str, expires: dt.date) -> str:
    return f"- {{item: security.scanners, finding: '{finding}', reason: accepted risk, approver: security lead, expires: {expires.isoformat()}}}\n"


@pytest.mark.usefixtures("bandit_available")
def test_waived_findings_leave_the_item_pending_review_and_an_expired_waiver_blocks(tmp_path: Path) -> None:
    source_tree(tmp_path, RISKY)
    shutil.copy(FIXTURES / "trivy" / "image-v2.json", tmp_path / "reports" / "trivy.json")
    # The Trivy fixture is dated; keep it current relative to the run.
    (tmp_path / "reports" / "trivy.json").write_text(
        (tmp_path / "reports" / "trivy.json")
        .read_text()
        .replace("2026-11-20T08:00:12.345678901Z", (dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)).isoformat())
    )
    today = dt.datetime.now(dt.UTC).date()
    both = waiver("CVE-2024-5535@libssl3", today + dt.timedelta(days=30)) + waiver(
        "bandit:B602@src/lunia/bot.py", today + dt.timedelta(days=30)
    )
    item = run_engine(tmp_path, SCANNERS, both)["security.scanners"]
    assert item["status"] == "pending", item["summary"]
    assert {finding["key"]: finding["status"] for finding in item["findings"]} == {
        "CVE-2024-5535@libssl3": "waived",
        "bandit:B602@src/lunia/bot.py": "waived",
    }
    expired = waiver("CVE-2024-5535@libssl3", today - dt.timedelta(days=1)) + waiver(
        "bandit:B602@src/lunia/bot.py", today + dt.timedelta(days=30)
    )
    item = run_engine(tmp_path, SCANNERS, expired)["security.scanners"]
    assert item["status"] == "fail"
    assert {finding["key"]: finding["status"] for finding in item["findings"]}["CVE-2024-5535@libssl3"] == "fail"


def test_bandit_runs_through_this_interpreter_when_installed_here() -> None:
    command = bandit_command()
    needs(command is not None, "bandit is not installed")
    assert command is not None
    assert command[0] in (sys.executable, shutil.which("bandit"))
