"""Sign-off, verification and attestations with real SSH keys and real `golive` runs."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from golive.checklist import load_default
from golive.document import digest
from tests.conftest import git, make_release_repo, needs, write

pytestmark = pytest.mark.integration

ROLES = ("release-manager", "security-lead", "product-owner")
# What a bare repository can prove, plus the sign-off and attested items under test.
KEPT = {
    "release.version_tag",
    "release.commit_sha",
    "release.date",
    "docs.install",
    "security.pentest",
    "platform.release_report",
    "signoff.release_manager",
    "signoff.security_lead",
    "signoff.product_owner",
    "decision.go",
    "decision.no_go",
}


def golive(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": "200", "NO_COLOR": "1"}
    return subprocess.run([sys.executable, "-m", "golive", *args], cwd=cwd, capture_output=True, text=True, env=env, timeout=120)


def keygen(path: Path) -> Path:
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", path.name, "-f", str(path)], check=True)
    return path


@pytest.fixture
def keys(tmp_path: Path) -> dict[str, Path]:
    needs(shutil.which("ssh-keygen") is not None, "ssh-keygen is not installed (apt openssh-client)")
    folder = tmp_path / "keys"
    folder.mkdir()
    return {name: keygen(folder / name) for name in (*ROLES, "on-call-sre", "intruder")}


@pytest.fixture
def release(tmp_path: Path, keys: dict[str, Path]) -> Path:
    """A tagged release, dated just before now, whose checklist ends in sign-off."""
    now = dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)
    repo = make_release_repo(tmp_path / "release", now.isoformat())
    disabled = [item.id for item in load_default().items if item.id not in KEPT and not item.protected]
    lines = ["disable:", *(f"  - {{id: {item_id}, reason: outside this test, approver: tests}}" for item_id in disabled)]
    write(repo / "team.yml", "\n".join(lines) + "\n")
    write(repo / "reports" / "pentest.pdf", "%PDF-1.4 findings: none open\n")
    signers = "".join(f'{role} namespaces="golive" {keys[role].with_suffix(".pub").read_text()}' for role in (*ROLES, "on-call-sre"))
    write(repo / "allowed_signers", signers)
    write(
        repo / "golive.yml",
        "release: {repo: .}\nchecklist: team.yml\nattestations: attestations.yml\nsigners: allowed_signers\nhistory: .golive/history\n"
        "items:\n  security.pentest: {report: reports/pentest.pdf}\n",
    )
    (repo / ".gitignore").write_text("golive-out/\n.golive/\nattestations.yml\n")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "golive config", date=now.isoformat())
    git(repo, "tag", "-f", "-a", "v1.4.0", "-m", "1.4.0", date=now.isoformat())
    return repo


def attest_all(repo: Path, keys: dict[str, Path], valid_days: int = 30, env: str | None = None) -> None:
    for item, role, evidence in (
        ("docs.install", "release-manager", "https://ci.example/runs/981"),
        ("security.pentest", "security-lead", "reports/pentest.pdf"),
    ):
        done = golive(
            "attest", item, "--by", f"{role} person", "--role", role, "--evidence", evidence,
            "--valid-days", str(valid_days), "--key", str(keys[role]), *(["--env", env] if env else []), cwd=repo,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr


def check(repo: Path, *args: str) -> dict[str, object]:
    done = golive("check", "--format", "json,md", *args, cwd=repo)
    assert done.returncode in (1, 3), done.stderr
    return json.loads((repo / "golive-out" / "result.json").read_text())


def statuses(document: dict[str, object]) -> dict[str, str]:
    return {item["id"]: item["status"] for item in document["items"]}  # type: ignore[attr-defined]


def sign(repo: Path, role: str, key: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return golive("sign", "golive-out/result.json", "--role", role, "--key", str(key), *extra, cwd=repo)


def verify(repo: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return golive("verify", "golive-out/result.json", *extra, cwd=repo)


def test_fully_signed_go_verifies_and_exits_0(release: Path, keys: dict[str, Path]) -> None:
    attest_all(release, keys)
    document = check(release)
    assert document["decision"]["verdict"] == "GO pending sign-off", statuses(document)  # type: ignore[index]
    for role in ROLES:
        assert sign(release, role, keys[role]).returncode == 0
    done = verify(release)
    assert done.returncode == 0, done.stdout
    assert "platform.release_report: pass" in done.stdout
    assert done.stdout.splitlines()[-1].startswith("GO: default 1.4.0 commit ")
    # The signature is also kept beside the history copy, for the promotion chain.
    history_copy = Path(document["history_file"])  # type: ignore[arg-type]
    assert {path.name for path in history_copy.parent.glob("*.sig")} == {f"{history_copy.name}.{role}.sig" for role in ROLES}


def test_missing_role_is_not_go(release: Path, keys: dict[str, Path]) -> None:
    attest_all(release, keys)
    check(release)
    for role in ROLES[:2]:
        assert sign(release, role, keys[role]).returncode == 0
    done = verify(release)
    assert done.returncode == 1
    assert "product-owner: NOT signed: no signature (result.json.product-owner.sig missing)" in done.stdout
    assert "platform.release_report: pending" in done.stdout


def test_signature_by_a_key_not_allowed_for_the_role_is_rejected(release: Path, keys: dict[str, Path]) -> None:
    attest_all(release, keys)
    check(release)
    for role in ROLES[1:]:
        assert sign(release, role, keys[role]).returncode == 0
    # `golive sign` refuses at once a key the signers file does not allow for the role ...
    refused = sign(release, "release-manager", keys["product-owner"])
    assert refused.returncode == 2
    assert "does not allow this key for role release-manager" in refused.stderr
    # ... and a signature written past it does not verify either.
    from golive.signoffs import sign_result

    result = release / "golive-out" / "result.json"
    sign_result(result, json.loads(result.read_text()), "release-manager", keys["product-owner"], False, dt.datetime.now(dt.UTC))
    done = verify(release)
    assert done.returncode == 1
    assert "release-manager: NOT signed: result.json.release-manager.sig: signed by a key allowed only for product-owner" in done.stdout
    sign_result(result, json.loads(result.read_text()), "release-manager", keys["intruder"], False, dt.datetime.now(dt.UTC))
    assert "release-manager: NOT signed" in verify(release).stdout


def test_any_change_to_the_result_voids_its_signatures(release: Path, keys: dict[str, Path]) -> None:
    attest_all(release, keys)
    check(release)
    for role in ROLES:
        assert sign(release, role, keys[role]).returncode == 0
    result = release / "golive-out" / "result.json"
    document = json.loads(result.read_text())
    document["items"][0]["summary"] += " (edited)"
    result.write_text(json.dumps(document))
    done = verify(release)
    assert done.returncode == 1
    assert "digest mismatch" in done.stdout
    # Re-sealing the edit with a fresh digest does not help: the signatures name the old one.
    document["digest"] = digest(document)
    result.write_text(json.dumps(document))
    done = verify(release)
    assert done.returncode == 1
    assert "signs digest" in done.stdout


def test_no_go_needs_acknowledgement_and_never_verifies(release: Path, keys: dict[str, Path]) -> None:
    document = check(release)  # no attestations: docs.install and security.pentest pending
    assert document["decision"]["verdict"] == "NO-GO"  # type: ignore[index]
    refused = sign(release, "release-manager", keys["release-manager"])
    assert refused.returncode == 2
    assert "sign it only with --acknowledge-no-go" in refused.stderr
    for role in ROLES:
        assert sign(release, role, keys[role], "--acknowledge-no-go").returncode == 0
    done = verify(release)
    assert done.returncode == 1
    no_go = next(line for line in done.stdout.splitlines() if "the result is NO-GO:" in line)
    assert "security.pentest" in no_go and "docs.install" in no_go
    assert "acknowledges a NO-GO" in done.stdout


def test_old_result_is_refused_by_max_age(release: Path, keys: dict[str, Path]) -> None:
    attest_all(release, keys)
    check(release)
    for role in ROLES:
        sign(release, role, keys[role])
    assert verify(release, "--max-age", "24").returncode == 0
    done = verify(release, "--max-age", "0.0001")
    assert done.returncode == 1
    assert "the maximum age is 0.0001 h" in done.stdout
    assert verify(release, "--max-age", "nan").returncode == 2


def test_expired_attestation_leaves_the_item_pending(release: Path, keys: dict[str, Path]) -> None:
    attest_all(release, keys, valid_days=1)
    later = (dt.datetime.now(dt.UTC) + dt.timedelta(days=3)).isoformat()
    by_id = {item["id"]: item for item in check(release, "--as-of", later)["items"]}  # type: ignore[attr-defined]
    assert by_id["docs.install"]["status"] == "pending"
    assert "expired on" in by_id["docs.install"]["summary"]
    assert by_id["security.pentest"]["status"] == "pending"


def test_changed_pentest_report_voids_its_attestation(release: Path, keys: dict[str, Path]) -> None:
    attest_all(release, keys)
    assert statuses(check(release))["security.pentest"] == "pass"
    (release / "reports" / "pentest.pdf").write_text("%PDF-1.4 findings: two open\n")
    by_id = {item["id"]: item for item in check(release)["items"]}  # type: ignore[attr-defined]
    assert by_id["security.pentest"]["status"] == "pending"
    assert "changed since it was attested" in by_id["security.pentest"]["summary"]


def test_attestation_by_the_wrong_role_or_edited_entry_does_not_count(release: Path, keys: dict[str, Path]) -> None:
    refused = golive(
        "attest", "security.pentest", "--by", "x", "--role", "product-owner", "--evidence", "reports/pentest.pdf",
        "--key", str(keys["product-owner"]), cwd=release,
    )  # fmt: skip
    assert refused.returncode == 2
    assert "needs an attestation by role security-lead" in refused.stderr
    attest_all(release, keys)
    path = release / "attestations.yml"
    path.write_text(path.read_text().replace("by: release-manager person", "by: someone else"))
    by_id = {item["id"]: item for item in check(release)["items"]}  # type: ignore[attr-defined]
    assert by_id["docs.install"]["status"] == "pending"
    assert "signature invalid" in by_id["docs.install"]["summary"]
