"""The command line: exit codes, files written (or not), and one-line errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from golive.cli import main
from tests.conftest import go_checklist, write

AS_OF = "2026-11-29T12:00:00Z"
FORMAT_FILES = {"RELEASE_REPORT.md", "result.json", "junit.xml", "report.html"}
# The ids of DESIGN.md's item table: stable, `golive list` must show each.
DESIGN_IDS = [
    "release.version_tag",
    "release.commit_sha",
    "release.date",
    "platform.healthz",
    "platform.metrics",
    "platform.verify_all",
    "platform.release_report",
    "tests.unit",
    "tests.integration",
    "tests.performance",
    "tests.e2e",
    "tests.load",
    "tests.coverage",
    "kpi.sharpe",
    "kpi.hit_rate",
    "kpi.explainability",
    "kpi.drawdowns",
    "security.zap",
    "security.scanners",
    "security.waf_ids",
    "security.vault_kms",
    "security.audit_evidence",
    "security.pentest",
    "infra.images",
    "infra.falco",
    "infra.encrypted_swap",
    "infra.systemd_services",
    "infra.backups",
    "flags.binance_live_trading",
    "flags.binance_force_mock",
    "flags.infra_prod_enabled",
    "flags.frontend_signal_health",
    "config.endpoints",
    "docs.install",
    "docs.deploy",
    "docs.runbook",
    "docs.user_guide",
    "docs.rollback",
    "decision.go",
    "decision.no_go",
    "signoff.release_manager",
    "signoff.security_lead",
    "signoff.product_owner",
    "promotion.staging_go",
]


def golive(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run the real console entry point in a child process, as deploy scripts do."""
    env = {**os.environ, "COLUMNS": "160", "NO_COLOR": "1"}
    return subprocess.run([sys.executable, "-m", "golive", *args], cwd=cwd, capture_output=True, text=True, env=env, timeout=120)


def test_init_then_check_prints_no_go_and_writes_every_format(release_repo: Path) -> None:
    init = golive("init", cwd=release_repo)
    assert init.returncode == 0, init.stderr
    assert {"golive.yml", "waivers.yml", "inventory/staging.yml"} <= {str(p.relative_to(release_repo)) for p in release_repo.rglob("*.yml")}
    done = golive("check", "--as-of", AS_OF, cwd=release_repo)
    assert done.returncode == 1, done.stderr
    assert "NO-GO" in done.stdout
    assert "insufficient" in done.stdout
    out = release_repo / "golive-out"
    assert {path.name for path in out.iterdir()} >= FORMAT_FILES
    document = json.loads((out / "result.json").read_text())
    statuses = {item["id"]: item["status"] for item in document["items"]}
    assert statuses["tests.unit"] == "insufficient"
    assert statuses["release.version_tag"] == "insufficient"  # inventory configured: versions unproven
    assert not [path for path in out.iterdir() if path.name.startswith(".golive-run-")]
    history = list((release_repo / ".golive" / "history" / "staging").glob("*.json"))
    assert len(history) == 1


def test_misspelled_key_exits_2_with_one_line_and_writes_nothing(tmp_path: Path) -> None:
    write(tmp_path / "bad.yml", "release: {repo: .}\nitmes: {}\n")
    done = golive("check", "--config", "bad.yml", cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1
    assert "bad.yml:2: unknown key 'itmes' in the top level (did you mean 'items'?)" in done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "golive-out").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--as-of", "yesterday"], "--as-of 'yesterday': not an ISO-8601 date"),
        (["--format", "md,pdf"], "--format 'pdf': unknown format"),
        (["--env", "prd"], "--env prd: no such environment"),
    ],
)
def test_bad_options_exit_2_before_anything_is_written(release_repo: Path, args: list[str], message: str) -> None:
    write(release_repo / "golive.yml", "release: {repo: .}\nenvironments:\n  prod: {}\n")
    done = golive("check", *args, cwd=release_repo)
    assert done.returncode == 2, done.stdout
    assert message in done.stderr
    assert not (release_repo / "golive-out").exists()


def test_unparsable_waivers_file_exits_2(release_repo: Path) -> None:
    write(release_repo / "golive.yml", "release: {repo: .}\nwaivers: waivers.yml\n")
    write(release_repo / "waivers.yml", "- item: [\n")
    done = golive("check", cwd=release_repo)
    assert done.returncode == 2
    assert "waivers.yml:2:1: YAML syntax error" in done.stderr
    assert not (release_repo / "golive-out").exists()


def test_full_go_exits_0(release_repo: Path) -> None:
    go_checklist(release_repo, keep_signoff=False)
    done = golive("check", "--as-of", AS_OF, "--format", "json", cwd=release_repo)
    assert done.returncode == 0, done.stdout + done.stderr
    document = json.loads((release_repo / "golive-out" / "result.json").read_text())
    assert document["decision"]["verdict"] == "GO"
    assert {entry["id"] for entry in document["decision"]["disabled"]} >= {"tests.unit", "kpi.sharpe"}
    signoffs = {item["id"]: item for item in document["items"] if item["signoff"]}
    assert {item["status"] for item in signoffs.values()} == {"skip"}
    assert "requires no sign-off" in signoffs["signoff.product_owner"]["summary"]
    assert {path.name for path in (release_repo / "golive-out").iterdir()} == {"result.json", "evidence"}


def test_go_pending_signoff_exits_3(release_repo: Path) -> None:
    go_checklist(release_repo, keep_signoff=True)
    done = golive("check", "--as-of", AS_OF, "--format", "json", cwd=release_repo)
    assert done.returncode == 3
    document = json.loads((release_repo / "golive-out" / "result.json").read_text())
    assert document["decision"]["verdict"] == "GO pending sign-off"
    assert "GO pending sign-off" in done.stdout


def test_report_rerenders_a_saved_result_and_refuses_a_modified_one(release_repo: Path) -> None:
    write(release_repo / "golive.yml", "release: {repo: .}\n")
    assert golive("check", "--as-of", AS_OF, cwd=release_repo).returncode == 1
    result = release_repo / "golive-out" / "result.json"
    rendered = golive("report", str(result), "--format", "md", cwd=release_repo)
    assert rendered.returncode == 0
    assert rendered.stdout == (release_repo / "golive-out" / "RELEASE_REPORT.md").read_text()
    document = json.loads(result.read_text())
    document["decision"]["verdict"] = "GO"
    tampered = write(release_repo / "tampered.json", json.dumps(document))
    refused = golive("report", str(tampered), "--format", "md", cwd=release_repo)
    assert refused.returncode == 2
    assert "digest mismatch" in refused.stderr
    not_json = write(release_repo / "broken.json", '{\n  "schema": \n')
    assert "broken.json:3:1: not JSON" in golive("report", str(not_json), cwd=release_repo).stderr


def test_list_shows_every_design_id(tmp_path: Path) -> None:
    done = golive("list", cwd=tmp_path)
    assert done.returncode == 0
    listed = {line.split()[0] for line in done.stdout.splitlines() if line and not line.startswith(" ")}
    assert set(DESIGN_IDS) <= listed


def test_explain_prints_why_and_fix_and_rejects_unknown_ids() -> None:
    runner = CliRunner()
    done = runner.invoke(main, ["explain", "tests.coverage"])
    assert done.exit_code == 0
    assert "Why it matters:" in done.output and "How to fix:" in done.output
    assert "min_percent: 70" in done.output
    unknown = runner.invoke(main, ["explain", "test.coverage"])
    assert unknown.exit_code == 2
    assert "did you mean 'tests.coverage'?" in unknown.output


def test_init_refuses_to_overwrite(tmp_path: Path) -> None:
    assert golive("init", cwd=tmp_path).returncode == 0
    again = golive("init", cwd=tmp_path)
    assert again.returncode == 2
    assert "already exist" in again.stderr


def test_help_does_not_import_ansible_or_rich() -> None:
    probe = (
        "import sys, golive.cli; print(sorted(m for m in sys.modules if m.split('.')[0] in {'ansible', 'ansible_runner', 'rich', 'yaml'}))"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_inventory_that_does_not_parse_exits_2_naming_the_file(release_repo: Path) -> None:
    write(release_repo / "inventory.yml", "all:\n  hosts:\n    app1: {ansible_host: [\n")
    write(release_repo / "golive.yml", "release: {repo: .}\ninventory: inventory.yml\n")
    done = golive("check", cwd=release_repo)
    assert done.returncode == 2, done.stdout
    assert done.stderr.count("\n") == 1
    assert "inventory.yml" in done.stderr
    assert not (release_repo / "golive-out").exists()
