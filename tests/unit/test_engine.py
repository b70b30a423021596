"""The engine end to end on real git repositories and documents, without hosts."""

from __future__ import annotations

import datetime as dt
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from golive import collectors, engine
from golive.collectors import CollectContext, Collector, Evidence, settings_keys
from golive.config import Config, load_config
from golive.decision import load_waivers
from golive.document import digest
from golive.policy import WaiverPolicy
from golive.scheduling import needed_sources
from tests.conftest import git, write

AS_OF = dt.datetime(2026, 11, 29, 12, 0, tzinfo=dt.UTC)


def run(repo: Path, body: str = "", as_of: dt.datetime = AS_OF, timeout: float = 60.0, env: str | None = None) -> dict[str, Any]:
    path = write(repo / "golive.yml", "release: {repo: .}\n" + body)
    config = load_config(path, env, settings_keys())
    waivers, problems = load_waivers(config.waivers, as_of, set(config.checklist.ids()), policy=WaiverPolicy(unsigned="allow"))
    options = engine.RunOptions(as_of=as_of, timeout=timeout, out_dir=repo / "golive-out")
    return engine.run(config, options, repo / "golive-out" / "evidence", waivers, problems)


def items(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {item["id"]: item for item in document["items"]}


def test_tagged_clean_release_passes_release_metadata(release_repo: Path) -> None:
    # golive.yml is part of the release: commit it, then tag that commit.
    write(release_repo / "golive.yml", "release: {repo: .}\n")
    git(release_repo, "add", ".")
    git(release_repo, "commit", "-q", "-m", "config")
    git(release_repo, "tag", "-f", "-a", "v1.4.0", "-m", "1.4.0")
    document = run(release_repo)
    by_id = items(document)
    assert by_id["release.version_tag"]["status"] == "pass", by_id["release.version_tag"]["summary"]
    assert by_id["release.commit_sha"]["status"] == "pass", by_id["release.commit_sha"]["summary"]
    assert by_id["release.date"]["status"] == "pass"
    head = git(release_repo, "rev-parse", "HEAD").strip()
    assert document["release"]["commit"] == head
    assert document["release"]["version"] == "1.4.0"
    assert document["release"]["tag"] == "v1.4.0"
    assert by_id["release.version_tag"]["evidence"] == ["evidence/git/git.json"]


def test_dirty_tree_fails_commit_sha_naming_the_file(release_repo: Path) -> None:
    (release_repo / "docs" / "INSTALL.md").write_text("changed\n")
    by_id = items(run(release_repo))
    assert by_id["release.commit_sha"]["status"] == "fail"
    assert "docs/INSTALL.md" in by_id["release.commit_sha"]["summary"]


def test_missing_tag_fails_version_tag(release_repo: Path) -> None:
    git(release_repo, "tag", "-d", "v1.4.0")
    git(release_repo, "tag", "build-17")
    by_id = items(run(release_repo))
    assert by_id["release.version_tag"]["status"] == "fail"
    assert "no tag matching v*" in by_id["release.version_tag"]["summary"]
    assert "build-17" in by_id["release.version_tag"]["summary"]


def test_two_version_tags_at_head_are_ambiguous(release_repo: Path) -> None:
    git(release_repo, "tag", "v1.4.1")
    by_id = items(run(release_repo))
    assert by_id["release.version_tag"]["status"] == "fail"
    assert "ambiguous" in by_id["release.version_tag"]["summary"]


def test_release_date_after_as_of_fails(release_repo: Path) -> None:
    by_id = items(run(release_repo, as_of=dt.datetime(2026, 11, 1, tzinfo=dt.UTC)))
    assert by_id["release.date"]["status"] == "fail"
    assert "after --as-of" in by_id["release.date"]["summary"]


def test_not_a_git_repository_is_an_error_not_a_pass(tmp_path: Path) -> None:
    by_id = items(run(tmp_path))
    for item_id in ("release.version_tag", "release.commit_sha", "release.date"):
        assert by_id[item_id]["status"] == "error"
        assert "not a git repository" in by_id[item_id]["summary"]


def test_version_consistency_unproven_when_hosts_are_configured(release_repo: Path) -> None:
    write(release_repo / "inventory.yml", "all: {}\n")
    by_id = items(run(release_repo, "inventory: inventory.yml\n"))
    assert by_id["release.version_tag"]["status"] == "insufficient"
    assert "hosts versions" in by_id["release.version_tag"]["summary"]


def test_docs_missing_or_empty_fail_and_present_ones_await_attestation(release_repo: Path) -> None:
    (release_repo / "docs" / "DEPLOY.md").unlink()
    (release_repo / "docs" / "USER_GUIDE.md").write_text("  \n")
    by_id = items(run(release_repo))
    assert by_id["docs.deploy"]["status"] == "fail"
    assert "docs/DEPLOY.md not found" in by_id["docs.deploy"]["summary"]
    assert by_id["docs.user_guide"]["status"] == "fail"
    assert "empty" in by_id["docs.user_guide"]["summary"]
    assert by_id["docs.install"]["status"] == "pending"
    assert "awaiting a signed attestation by role on-call-sre: reviewed by the on-call SRE" in by_id["docs.runbook"]["summary"]


def test_items_without_a_collector_are_insufficient_and_give_no_go(release_repo: Path) -> None:
    write(
        release_repo / "team.yml",
        "items:\n  - {id: change.ticket, section: Extra, title: Change ticket approved, source: ticketing, why: w, fix: f}\n",
    )
    document = run(release_repo, "checklist: team.yml\n")
    ticket = items(document)["change.ticket"]
    assert ticket["status"] == "insufficient"
    assert ticket["summary"] == "no collector configured for source 'ticketing'"
    assert document["decision"]["verdict"] == "NO-GO"
    assert "change.ticket" in document["decision"]["blocking"]
    assert items(document)["decision.no_go"]["status"] == "pass"
    assert items(document)["decision.go"]["status"] == "skip"


def test_promotion_item_skipped_without_promote_from(release_repo: Path) -> None:
    by_id = items(run(release_repo))
    assert by_id["promotion.staging_go"]["status"] == "skip"
    body = "environments:\n  staging: {}\n  prod: {promote_from: staging}\n"
    by_id = items(run(release_repo, body, env="prod"))
    assert by_id["promotion.staging_go"]["status"] == "insufficient"


def test_waived_item_shows_what_it_was(release_repo: Path) -> None:
    write(release_repo / "waivers.yml", "- {item: tests.unit, reason: suite moved, approver: jane, ticket: LUN-9, expires: 2026-12-31}\n")
    document = run(release_repo, "waivers: waivers.yml\n")
    unit = items(document)["tests.unit"]
    assert unit["status"] == "waived"
    assert unit["was"] == "insufficient"
    assert unit["waiver"]["approver"] == "jane"
    assert "tests.unit" not in document["decision"]["blocking"]


def test_digest_covers_everything_but_itself(release_repo: Path) -> None:
    document = run(release_repo)
    assert document["digest"] == digest(document)
    document["items"][0]["status"] = "pass" if document["items"][0]["status"] != "pass" else "fail"
    assert document["digest"] != digest(document)


def test_as_of_drives_freshness_and_is_recorded(release_repo: Path) -> None:
    document = run(release_repo, as_of=dt.datetime(2026, 11, 21, tzinfo=dt.UTC))
    assert document["as_of"] == "2026-11-21T00:00:00+00:00"
    assert items(document)["release.date"]["status"] == "pass"


class _SleepyCollector(Collector):
    """Starts a process tree that outlives its parent, like a hung ssh or test runner."""

    source = "sleepy"
    marker = ""

    def collect(self, ctx: CollectContext) -> Evidence:
        ctx.run(["sh", "-c", f"sleep 300 & sleep 301; : {self.marker}"], timeout=600)
        return Evidence(self.source, data={"never": True})


class _CrashingCollector(Collector):
    source = "crashing"

    def collect(self, ctx: CollectContext) -> Evidence:
        raise RuntimeError("parser exploded")


@pytest.fixture
def extra_sources(release_repo: Path) -> Iterator[str]:
    marker = f"golive-test-{uuid.uuid4().hex}"
    _SleepyCollector.marker = marker
    collectors.REGISTRY.update({"sleepy": _SleepyCollector, "crashing": _CrashingCollector})
    write(
        release_repo / "team.yml",
        "items:\n"
        + "".join(
            f"  - {{id: extra.{name}, section: Extra, title: {name}, source: {name}, check: docs.document, why: w, fix: f}}\n"
            for name in ("sleepy", "crashing")
        ),
    )
    yield marker
    collectors.REGISTRY.pop("sleepy", None)
    collectors.REGISTRY.pop("crashing", None)
    subprocess.run(["pkill", "-f", marker], check=False)


def _alive(marker: str) -> bool:
    return subprocess.run(["pgrep", "-f", marker], capture_output=True).returncode == 0


def test_collector_timeout_kills_its_processes_and_marks_items_insufficient(release_repo: Path, extra_sources: str) -> None:
    started = time.monotonic()
    document = run(release_repo, "checklist: team.yml\nsources:\n  sleepy: {timeout: 1}\n")
    assert time.monotonic() - started < 20
    by_id = items(document)
    assert by_id["extra.sleepy"]["status"] == "insufficient"
    assert "did not finish within its 1 s timeout" in by_id["extra.sleepy"]["summary"]
    assert by_id["release.commit_sha"]["status"] in {"pass", "fail"}  # other collectors still judged
    time.sleep(0.2)
    assert not _alive(extra_sources)


def test_global_timeout_bounds_every_collector(release_repo: Path, extra_sources: str) -> None:
    document = run(release_repo, "checklist: team.yml\n", timeout=1.5)
    assert "--timeout 1.5 s" in items(document)["extra.sleepy"]["summary"]
    time.sleep(0.2)
    assert not _alive(extra_sources)


def test_crashing_collector_is_an_error_for_its_items_only(release_repo: Path, extra_sources: str) -> None:
    by_id = items(run(release_repo, "checklist: team.yml\nsources:\n  sleepy: {timeout: 1}\n"))
    assert by_id["extra.crashing"]["status"] == "error"
    assert "parser exploded" in by_id["extra.crashing"]["summary"]
    assert by_id["release.version_tag"]["status"] == "pass"


def test_config_for_engine_is_reusable(release_repo: Path) -> None:
    path = write(release_repo / "golive.yml", "release: {repo: .}\n")
    config: Config = load_config(path, None, settings_keys())
    assert "git" in needed_sources(config)
    assert "signatures" not in needed_sources(config)
