"""`golive demo` end to end: the real demo release, on localhost and on a sandbox fleet."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from golive.sandbox.preflight import sandbox_unavailable
from tests.conftest import needs

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]


def demo(tmp_path: Path, *args: str) -> tuple[subprocess.CompletedProcess[str], dict[str, object]]:
    out = tmp_path / "golive-demo"
    env = {**os.environ, "COLUMNS": "200", "NO_COLOR": "1"}
    done = subprocess.run(
        [sys.executable, "-m", "golive", "demo", "--out", str(out), *args],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env=env,
        timeout=1500,
    )
    result = out / "result.json"
    return done, json.loads(result.read_text()) if result.exists() else {}


def statuses(document: dict[str, object]) -> dict[str, str]:
    return {item["id"]: item["status"] for item in document["items"]}  # type: ignore[attr-defined]


def test_localhost_demo_judges_the_real_service_and_suites(tmp_path: Path) -> None:
    done, document = demo(tmp_path, "--localhost")
    assert done.returncode == 1, done.stderr[-2000:]
    assert "the demo runs against localhost only" in done.stderr
    by_id = statuses(document)
    for item in ("release.version_tag", "release.commit_sha", "tests.unit", "tests.load", "kpi.sharpe", "security.audit_evidence"):
        assert by_id[item] == "pass", (item, by_id[item])
    assert by_id["infra.systemd_services"] == "insufficient"  # no fleet, no hosts
    disabled = {entry["id"] for entry in document["decision"]["disabled"]}  # type: ignore[index]
    assert "security.zap" in disabled


@pytest.fixture
def fleet_ready() -> None:
    needs(sandbox_unavailable() is None, f"golive demo's fleet cannot run here: {sandbox_unavailable()}")


@pytest.mark.usefixtures("fleet_ready")
def test_signed_demo_reaches_go_through_verify(tmp_path: Path) -> None:
    done, document = demo(tmp_path, "--sign-demo")
    assert document, done.stderr[-3000:]
    not_passing = {item: status for item, status in statuses(document).items() if status not in ("pass", "pending", "skip")}
    assert not_passing == {}, not_passing
    assert document["decision"]["verdict"] == "GO pending sign-off"  # type: ignore[index]
    assert "signed as release-manager with a DEMO KEY, throwaway" in done.stderr
    assert "GO: demo 1.4.0 commit" in done.stderr
    assert "golive-runner: signed by SHA256:" in done.stderr
    assert "DSSE signature verified by securesystemslib; PASSED" in done.stderr
    assert (tmp_path / "golive-demo" / "result.json.runner.sig").is_file()
    assert "promotion.staging_go" not in {entry["id"] for entry in document["decision"]["disabled"]}  # type: ignore[index]
    assert done.returncode == 0, done.stderr[-3000:]
    assert "fleet torn down" in done.stderr


@pytest.mark.usefixtures("fleet_ready")
def test_breaking_a_unit_gives_no_go_naming_it_on_its_host(tmp_path: Path) -> None:
    done, document = demo(tmp_path, "--break", "lunia_bot")
    assert done.returncode == 1, done.stderr[-3000:]
    services = next(item for item in document["items"] if item["id"] == "infra.systemd_services")  # type: ignore[attr-defined]
    assert services["status"] == "fail"
    assert services["hosts"]["app2"]["status"] == "fail"
    assert "lunia_bot" in services["hosts"]["app2"]["summary"]
    assert services["hosts"]["app1"]["status"] == "pass"
    assert "infra.systemd_services" in document["decision"]["blocking"]  # type: ignore[index]


def test_unknown_break_is_a_usage_error(tmp_path: Path) -> None:
    done, _ = demo(tmp_path, "--break", "lunia_botz")
    assert done.returncode == 2
    assert "--break lunia_botz: the demo can break one of" in done.stderr
