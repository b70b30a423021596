"""History, diff and the promotion chain on real results signed with real SSH keys."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from golive.checklist import load_default
from tests.conftest import git, make_release_repo, write
from tests.integration.test_signoff import KEPT, ROLES, attest_all, golive, keys  # noqa: F401  (keys is a fixture)

pytestmark = pytest.mark.integration


@pytest.fixture
def chain(tmp_path: Path, keys: dict[str, Path]) -> Path:  # noqa: F811
    """A release with staging and prod sharing one history; prod promotes from staging."""
    now = (dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)).isoformat()
    repo = make_release_repo(tmp_path / "release", now)
    kept = KEPT | {"promotion.staging_go"}
    disabled = [item.id for item in load_default().items if item.id not in kept and not item.protected]
    write(
        repo / "team.yml",
        "disable:\n" + "".join(f"  - {{id: {item_id}, reason: outside this test, approver: tests}}\n" for item_id in disabled),
    )
    write(repo / "reports" / "pentest.pdf", "%PDF-1.4 findings: none open\n")
    write(repo / "allowed_signers", "".join(f'{role} namespaces="golive" {keys[role].with_suffix(".pub").read_text()}' for role in ROLES))
    write(
        repo / "golive.yml",
        "release: {repo: .}\nchecklist: team.yml\nattestations: attestations.yml\nsigners: allowed_signers\nhistory: .golive/history\n"
        "items:\n  security.pentest: {report: reports/pentest.pdf}\n"
        "environments:\n  staging: {}\n  prod: {promote_from: staging}\n",
    )
    (repo / ".gitignore").write_text("golive-out*/\n.golive/\nattestations.yml\n")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "golive config", date=now)
    git(repo, "tag", "-f", "-a", "v1.4.0", "-m", "1.4.0", date=now)
    attest_all(repo, keys, env="staging")
    return repo


def run(repo: Path, env: str) -> dict[str, object]:
    done = golive("check", "--env", env, "--out", f"golive-out-{env}", "--format", "json", cwd=repo)
    assert done.returncode in (1, 3), done.stderr
    return json.loads((repo / f"golive-out-{env}" / "result.json").read_text())


def promotion(document: dict[str, object]) -> dict[str, str]:
    return next(item for item in document["items"] if item["id"] == "promotion.staging_go")  # type: ignore[attr-defined]


def sign_all(repo: Path, env: str, keys: dict[str, Path]) -> None:  # noqa: F811
    for role in ROLES:
        done = golive("sign", f"golive-out-{env}/result.json", "--env", env, "--role", role, "--key", str(keys[role]), cwd=repo)
        assert done.returncode == 0, done.stderr


def test_prod_needs_a_signed_staging_go_for_the_same_commit(chain: Path, keys: dict[str, Path]) -> None:  # noqa: F811
    item = promotion(run(chain, "prod"))
    assert item["status"] == "fail"
    assert "no staging result for commit" in item["summary"]

    staging = run(chain, "staging")
    assert staging["decision"]["verdict"] == "GO pending sign-off"  # type: ignore[index]
    assert promotion(staging)["status"] == "skip"
    item = promotion(run(chain, "prod"))
    assert item["status"] == "fail"
    assert "does not verify under staging's policy: release-manager: no signature" in item["summary"]

    sign_all(chain, "staging", keys)
    prod = run(chain, "prod")
    item = promotion(prod)
    assert item["status"] == "pass", item["summary"]
    assert prod["decision"]["verdict"] == "GO pending sign-off"  # type: ignore[index]

    # A new commit has no staging GO of its own.
    (chain / "CHANGELOG.md").write_text("1.4.1\n")
    git(chain, "add", ".")
    git(chain, "commit", "-q", "-m", "1.4.1")
    git(chain, "tag", "-a", "v1.4.1", "-m", "1.4.1")
    item = promotion(run(chain, "prod"))
    assert item["status"] == "fail"
    assert "no staging result for commit" in item["summary"]


def test_report_carries_changes_since_the_last_go_and_diff_shows_them(chain: Path, keys: dict[str, Path]) -> None:  # noqa: F811
    first = run(chain, "staging")
    assert first["changes_since_last_go"] is None
    (chain / "reports" / "pentest.pdf").write_text("%PDF-1.4 findings: one open\n")
    second = run(chain, "staging")
    changes = second["changes_since_last_go"]
    assert changes["result"] == first["history_file"]  # type: ignore[index]
    assert {"item": "security.pentest", "old": "pass", "new": "pending"} in changes["status_changes"]  # type: ignore[index]
    done = golive("diff", first["history_file"], second["history_file"], cwd=chain)  # type: ignore[arg-type]
    assert done.returncode == 0
    assert "security.pentest: pass -> pending" in done.stdout
    assert golive("diff", first["history_file"], "nope.json", cwd=chain).returncode == 2  # type: ignore[arg-type]
