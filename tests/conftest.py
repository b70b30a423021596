"""Shared helpers: throwaway release repositories and configurations."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from golive.checklist import load_default

GIT_ENV = {
    "GIT_AUTHOR_NAME": "golive tests",
    "GIT_AUTHOR_EMAIL": "tests@golive.invalid",
    "GIT_COMMITTER_NAME": "golive tests",
    "GIT_COMMITTER_EMAIL": "tests@golive.invalid",
    "GIT_AUTHOR_DATE": "2026-11-20T10:00:00+00:00",
    "GIT_COMMITTER_DATE": "2026-11-20T10:00:00+00:00",
}
DOCS = ("docs/INSTALL.md", "docs/DEPLOY.md", "docs/OPERATIONS_RUNBOOK.md", "docs/USER_GUIDE.md")


def git(repo: Path, *args: str, date: str | None = None) -> str:
    env = {**os.environ, **GIT_ENV}
    if date:
        env.update(GIT_AUTHOR_DATE=date, GIT_COMMITTER_DATE=date)
    return subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, text=True, env=env).stdout


@pytest.fixture
def release_repo(tmp_path: Path) -> Path:
    """A release repository: docs committed, HEAD tagged v1.4.0 (annotated), clean tree.

    Its commit and tag are dated 2026-11-20; tests judge it with a fixed --as-of.
    """
    return make_release_repo(tmp_path / "release", GIT_ENV["GIT_COMMITTER_DATE"])


def make_release_repo(repo: Path, date: str) -> Path:
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    for doc in DOCS:
        (repo / doc).parent.mkdir(parents=True, exist_ok=True)
        (repo / doc).write_text(f"# {doc}\n\nSteps.\n")
    (repo / ".gitignore").write_text("golive-out/\n.golive/\n")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "release 1.4.0", date=date)
    git(repo, "tag", "-a", "v1.4.0", "-m", "1.4.0", date=date)
    return repo


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def needs(available: bool, reason: str) -> None:
    """Skip a test whose real parts are missing here, except in CI, where all must run.

    CI (CI=true) installs and starts every part the tests need, so a missing one there
    is a broken pipeline, not a reason to skip.
    """
    if available:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI=true but {reason}")
    pytest.skip(reason)


def go_checklist(repo: Path, keep_signoff: bool) -> None:
    """A team checklist reduced to what a bare repository can prove, each removal approved."""
    keep = {"release.version_tag", "release.commit_sha", "release.date", "docs.install", "decision.go", "decision.no_go"}
    disabled = [item.id for item in load_default().items if item.id not in keep and not item.protected]
    lines = ["overrides:", "  docs.install: {params: {attestation: ''}}", "disable:"]
    lines += [f"  - {{id: {item_id}, reason: not part of this test, approver: test-suite}}" for item_id in disabled]
    write(repo / "team.yml", "\n".join(lines) + "\n")
    # Sign-off items are protected: an environment that needs no sign-off says so in its policy.
    policy = "" if keep_signoff else "signoff: {roles: []}\n"
    write(repo / "golive.yml", "release: {repo: .}\nchecklist: team.yml\n" + policy)
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "golive config")
    git(repo, "tag", "-f", "-a", "v1.4.0", "-m", "1.4.0")
