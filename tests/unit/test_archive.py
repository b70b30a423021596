"""The evidence archive: written by every check, recorded in the result, re-verifiable."""

from __future__ import annotations

import io
import json
import tarfile
from pathlib import Path

from golive.archive import verify_archive
from golive.secrets import MASK, mask_value
from tests.conftest import write
from tests.unit.test_cli import AS_OF, golive


def checked(repo: Path) -> tuple[dict[str, object], Path]:
    write(repo / "golive.yml", "release: {repo: .}\n")
    done = golive("check", "--as-of", AS_OF, "--format", "json", cwd=repo)
    assert done.returncode == 1, done.stderr
    document = json.loads((repo / "golive-out" / "result.json").read_text())
    archive = repo / "golive-out" / document["archive"]["file"]
    return document, archive


def rewrite(archive: Path, change: dict[str, bytes | None]) -> None:
    """Rebuild `archive` with members replaced (bytes) or removed (None), as tampering would."""
    with tarfile.open(archive, "r:gz") as tar:
        members = {m.name: tar.extractfile(m).read() for m in tar.getmembers() if m.isfile()}  # type: ignore[union-attr]
    for name, content in change.items():
        if content is None:
            members.pop(name, None)
        else:
            members[name] = content
    with tarfile.open(archive, "w:gz") as tar:
        for name, content in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(content)
            tar.addfile(info, io.BytesIO(content))


def test_check_writes_an_archive_that_passes_verify_all_and_verifies(release_repo: Path) -> None:
    document, archive = checked(release_repo)
    assert archive.name.startswith("golive-evidence-default-")
    item = next(item for item in document["items"] if item["id"] == "platform.verify_all")  # type: ignore[attr-defined]
    assert item["status"] == "pass", item["summary"]
    check = verify_archive(archive, document["archive"]["manifest_sha256"])  # type: ignore[index]
    assert check.ok and check.files >= 2
    done = golive("verify-archive", str(archive), "--result", "golive-out/result.json", cwd=release_repo)
    assert done.returncode == 0, done.stdout
    assert done.stdout.startswith("intact: ")


def test_changed_added_or_missing_evidence_is_not_intact(release_repo: Path) -> None:
    _, archive = checked(release_repo)
    for change, problem in (
        ({"evidence/git/git.json": b"{}"}, "evidence/git/git.json: SHA-256 differs from MANIFEST"),
        ({"evidence/extra.txt": b"planted"}, "evidence/extra.txt: in the archive but not in MANIFEST"),
        ({"evidence/docs/docs.json": None}, "evidence/docs/docs.json: listed in MANIFEST but missing"),
    ):
        pristine = archive.read_bytes()
        rewrite(archive, change)
        done = golive("verify-archive", str(archive), cwd=release_repo)
        assert done.returncode == 1
        assert problem in done.stdout
        archive.write_bytes(pristine)


def test_archive_of_another_run_does_not_match_the_result(release_repo: Path) -> None:
    _, archive = checked(release_repo)
    rewrite(archive, {"evidence/git/git.json": b"{}", "MANIFEST": b""})
    done = golive("verify-archive", str(archive), "--result", "golive-out/result.json", cwd=release_repo)
    assert done.returncode == 1
    assert "is not the result's sha256:" in done.stdout


def test_not_an_archive_is_reported_not_crashed(tmp_path: Path) -> None:
    bogus = write(tmp_path / "x.tar.gz", "not a tarball")
    done = golive("verify-archive", str(bogus), cwd=tmp_path)
    assert done.returncode == 1
    assert "not a readable tar.gz archive" in done.stdout
    assert golive("verify-archive", str(tmp_path / "missing.tar.gz"), cwd=tmp_path).returncode == 2


def test_evidence_files_never_hold_secret_looking_values() -> None:
    facts = {"env": {"LUNIA_API_SECRET": "s3cr3t", "BINANCE_LIVE_TRADING": "true"}, "units": [{"db_password": "pw", "name": "x"}]}
    assert mask_value(facts) == {
        "env": {"LUNIA_API_SECRET": MASK, "BINANCE_LIVE_TRADING": "true"},
        "units": [{"db_password": MASK, "name": "x"}],
    }
