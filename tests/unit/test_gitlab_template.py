"""examples/ci/gitlab-ci.yml: its jobs' script lines, run locally the way a GitLab shell runner
runs them, judge a real release and leave the JUnit report where `artifacts:reports` says."""

from __future__ import annotations

import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import yaml

from tests.conftest import git, go_checklist, write

TEMPLATE = Path(__file__).resolve().parents[2] / "examples" / "ci" / "gitlab-ci.yml"


def template() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(TEMPLATE.read_text())
    return loaded


def run_job(name: str, repo: Path) -> subprocess.CompletedProcess[str]:
    """The job's script lines in one shell that stops at the first failing line (as GitLab's
    runner does); installing golive is replaced by this interpreter's golive on PATH."""
    jobs = template()
    bin_dir = write(repo.parent / "bin" / "golive", f'#!/bin/sh\nexec {sys.executable} -m golive "$@"\n').parent
    (bin_dir / "golive").chmod(0o755)
    lines = [line for line in jobs[name]["script"] if not line.startswith("python3 -m pip install")]
    env = {
        **os.environ,
        **{key: str(value) for key, value in jobs["variables"].items()},
        "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
        "CI": "true",
        "NO_COLOR": "1",
    }
    return subprocess.run(
        ["bash", "-e", "-o", "pipefail", "-c", "\n".join(lines)], cwd=repo, env=env, capture_output=True, text=True, timeout=300
    )


def gated_release(repo: Path, keep_signoff: bool) -> None:
    go_checklist(repo, keep_signoff)
    key = repo.parent / "rm_ed25519"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)], check=True)
    write(repo / "allowed_signers", f'release-manager namespaces="golive" {(repo.parent / "rm_ed25519.pub").read_text().strip()}\n')
    policy = "" if keep_signoff else "signoff: {roles: []}\n"
    write(
        repo / "golive.yml", f"release: {{repo: .}}\nchecklist: team.yml\nsigners: allowed_signers\nenvironments:\n  prod: {{}}\n{policy}"
    )
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "gitlab template test")
    git(repo, "tag", "-f", "-a", "v1.4.0", "-m", "1.4.0")


def test_the_template_names_the_junit_report_the_judge_job_writes() -> None:
    jobs = template()
    assert jobs["stages"] == ["judge", "gate", "deploy"]
    assert jobs["golive:judge"]["artifacts"]["reports"]["junit"] == "$GOLIVE_OUT/junit.xml"
    assert jobs["golive:gate"]["rules"] == [{"if": "$CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH"}]


def test_judge_job_keeps_a_pending_result_and_its_junit_report(release_repo: Path) -> None:
    gated_release(release_repo, keep_signoff=True)
    done = run_job("golive:judge", release_repo)
    assert done.returncode == 0, done.stdout + done.stderr
    report = ET.parse(release_repo / "golive-out" / "junit.xml").getroot()
    cases = {case.get("name") for case in report.iter("testcase")}
    assert {"release.version_tag", "release.commit_sha", "signoff.release_manager"} <= cases
    # The gate refuses the unsigned result.
    gate = run_job("golive:gate", release_repo)
    assert gate.returncode == 1, gate.stderr
    assert "release-manager: no signature (result.json.release-manager.sig missing)" in gate.stdout


def test_judge_job_fails_on_a_no_go(release_repo: Path) -> None:
    write(release_repo / "golive.yml", "release: {repo: .}\nenvironments:\n  prod: {}\n")
    done = run_job("golive:judge", release_repo)
    assert done.returncode == 1, done.stdout + done.stderr
    assert (release_repo / "golive-out" / "junit.xml").is_file()


def test_gate_job_passes_a_go_that_needs_no_signature(release_repo: Path) -> None:
    gated_release(release_repo, keep_signoff=False)
    assert run_job("golive:judge", release_repo).returncode == 0
    gate = run_job("golive:gate", release_repo)
    assert gate.returncode == 0, gate.stdout + gate.stderr
