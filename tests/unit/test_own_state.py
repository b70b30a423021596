"""golive's own state never dirties the release: the configured attestations and waivers
files, the history, --out, signatures and attestation verdicts are left out of
release.commit_sha's cleanliness rule by name, and nothing else is."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from golive.cli import main
from tests.conftest import git, write


def commit_sha(repo: Path) -> dict[str, object]:
    done = CliRunner().invoke(
        main,
        [
            "check",
            "--config",
            str(repo / "golive.yml"),
            "--out",
            str(repo / "reports" / "out"),
            "--as-of",
            "2026-11-29T12:00:00Z",
            "--format",
            "json",
        ],
    )
    assert done.exit_code in (1, 3), done.output
    document = json.loads((repo / "reports" / "out" / "result.json").read_text())
    item: dict[str, object] = next(item for item in document["items"] if item["id"] == "release.commit_sha")
    return item


def test_golives_state_in_the_release_tree_leaves_it_clean(release_repo: Path) -> None:
    write(
        release_repo / "golive.yml",
        "release: {repo: .}\nattestations: ops/attestations.yml\nwaivers: ops/waivers.yml\nhistory: ops/history\n",
    )
    write(release_repo / "ops" / "waivers.yml", "[]\n")
    git(release_repo, "add", "golive.yml")
    git(release_repo, "commit", "-q", "-m", "golive config")
    git(release_repo, "tag", "-f", "-a", "v1.4.0", "-m", "1.4.0")
    # What golive and its users write: attestations, waivers, history, signatures, verdicts.
    write(release_repo / "ops" / "attestations.yml", "[]\n")
    write(release_repo / "ops" / "history" / "prod" / "x.json", "{}\n")
    write(release_repo / "signed" / "result.json.release-manager.sig", "sig\n")
    write(release_repo / "signed" / "verdict.intoto.jsonl", "{}\n")
    item = commit_sha(release_repo)
    assert item["status"] == "pass", item["summary"]
    summary = str(item["summary"])
    for name in ("ops/attestations.yml", "ops/waivers.yml", "ops/history", "reports/out", "**/*.json.*.sig", "**/*.intoto.jsonl"):
        assert name in summary, name
    # Anything else is release content.
    write(release_repo / "ops" / "notes.txt", "not golive's\n")
    item = commit_sha(release_repo)
    assert item["status"] == "fail" and "uncommitted change(s): ops/" in str(item["summary"])
