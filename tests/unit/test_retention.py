"""Retention: `history: {dir, keep}` keeps the newest results per environment (and always the
newest GO); `archives: {keep}` the newest evidence archives in --out."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from golive.cli import main
from tests.conftest import git, go_checklist, write


def check(repo: Path, config: str = "golive.yml", as_of: str | None = None) -> int:
    moment = as_of or dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()
    done = CliRunner().invoke(
        main, ["check", "--config", str(repo / config), "--out", str(repo / "golive-out"), "--as-of", moment, "--format", "json"]
    )
    return done.exit_code


def test_history_keeps_the_newest_results_and_always_the_newest_go(release_repo: Path) -> None:
    go_checklist(release_repo, keep_signoff=False)
    retention = "history: {dir: .golive/history, keep: 2}\narchives: {keep: 1}\n"
    write(release_repo / "golive.yml", (release_repo / "golive.yml").read_text() + retention)
    git(release_repo, "commit", "-q", "-am", "retention")
    git(release_repo, "tag", "-f", "-a", "v1.4.0", "-m", "1.4.0")
    assert check(release_repo) == 0
    history = release_repo / ".golive" / "history" / "default"
    (go_result,) = history.glob("*.json")
    # An untracked configuration dirties the tree: every later run is a NO-GO.
    write(release_repo / "other.yml", "release: {repo: .}\n" + retention)
    for second in range(3):
        assert check(release_repo, "other.yml", f"2026-12-0{second + 3}T00:00:00+00:00") == 1
    kept = sorted(history.glob("*.json"))
    verdicts = [json.loads(path.read_text())["decision"]["verdict"] for path in kept]
    assert go_result in kept and verdicts.count("NO-GO") == 2 and len(kept) == 3
    assert "20261203T" not in " ".join(path.name for path in kept)  # the oldest NO-GO went
    archives = sorted((release_repo / "golive-out").glob("golive-evidence-*.tar.gz"))
    assert len(archives) == 1 and "20261205T" in archives[0].name


@pytest.mark.parametrize(
    ("block", "message"),
    [
        ("history: {dir: h, keep: 0}\n", "history.keep must be a whole number from 1 to 100000, got 0"),
        ("history: {dir: h, keep: true}\n", "history.keep must be a whole number"),
        ("history: {keep: 3}\n", "history.dir: the folder results are kept in is required"),
        ("archives: {keep: 2.5}\n", "archives.keep must be a whole number"),
        ("archives: {kept: 2}\n", "unknown key 'kept' in archives (did you mean 'keep'?)"),
    ],
)
def test_bad_retention_is_exit_2_naming_the_key(tmp_path: Path, block: str, message: str) -> None:
    write(tmp_path / "golive.yml", "release: {repo: .}\n" + block)
    done = CliRunner().invoke(main, ["check", "--config", str(tmp_path / "golive.yml"), "--out", str(tmp_path / "out")])
    assert done.exit_code == 2
    assert message in done.output
    assert not (tmp_path / "out").exists()
