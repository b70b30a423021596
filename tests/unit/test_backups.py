"""infra.backups on host-pass outputs recorded from the sandbox (restic and borg on web2)."""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any

import pytest

from golive.checks.backups import short
from golive.model import Status
from tests.unit.test_waf import host_keys, judged, recorded


def backups(data: dict[str, Any]) -> dict[str, Any]:
    repositories: dict[str, Any] = data["hosts"]["web2"]["backups"]["repositories"]
    return repositories


@pytest.mark.parametrize("fixture", ["compliant", "restore-test"])
def test_compliant_backup_host_passes_from_a_record_or_a_restore_now(fixture: str) -> None:
    result = judged(recorded(fixture), "infra.backups")
    assert result.status is Status.PASS, result.summary
    assert result.hosts is not None and set(result.hosts) == {"web2"}


@pytest.mark.parametrize(
    ("fixture", "key", "words"),
    [
        ("snapshot-stale", "backup:restic:snapshot", "stale snapshot"),
        ("pack-corrupted", "backup:restic:check", "restic check --read-data-subset=100%` exited 1"),
        ("restore-checksum-mismatch", "backup:restic:restore", "restore checksum mismatch restoring /var/lib/lunia/canary"),
        ("restore-record-snapshot-deleted", "backup:restic:restore", "which no longer exists in the repository"),
    ],
)
def test_each_recorded_breakage_fails_naming_the_cause(fixture: str, key: str, words: str) -> None:
    result = judged(recorded(fixture), "infra.backups")
    assert result.status is Status.FAIL
    assert result.hosts is not None and words in result.hosts["web2"].summary
    assert key in host_keys(result, "web2")


def test_snapshot_age_is_measured_from_as_of() -> None:
    data = recorded("compliant")
    recorded_at = dt.datetime.fromisoformat(data["_recorded_at"])
    assert judged(data, "infra.backups", as_of=recorded_at + dt.timedelta(hours=25)).status is Status.PASS
    late = judged(data, "infra.backups", as_of=recorded_at + dt.timedelta(hours=27))
    assert {"backup:restic:snapshot", "backup:borg:snapshot"} <= host_keys(late, "web2")
    assert judged(data, "infra.backups", as_of=recorded_at + dt.timedelta(hours=27), max_snapshot_age_hours=30).status is Status.PASS


def test_a_restore_record_older_than_the_window_does_not_count() -> None:
    data = recorded("compliant")
    later = dt.datetime.fromisoformat(data["_recorded_at"]) + dt.timedelta(days=8)
    result = judged(data, "infra.backups", as_of=later, max_snapshot_age_hours=24 * 9)
    assert result.hosts is not None and "old (max 7 days)" in result.hosts["web2"].summary


def test_a_record_whose_checksums_differ_from_the_snapshot_fails() -> None:
    data = copy.deepcopy(recorded("compliant"))
    backups(data)["restic"]["record"]["mismatched"] = [{"file": "canary.txt", "recorded": "00", "snapshot": "11"}]
    result = judged(data, "infra.backups")
    assert result.hosts is not None and "checksum mismatch against snapshot" in result.hosts["web2"].summary


def test_an_unverified_record_is_not_a_pass() -> None:
    data = copy.deepcopy(recorded("compliant"))
    del backups(data)["borg"]["record"]["mismatched"]
    assert judged(data, "infra.backups").status is Status.ERROR


def test_no_record_and_no_restore_test_fails_pointing_at_restore_test() -> None:
    data = copy.deepcopy(recorded("compliant"))
    backups(data)["restic"]["record"] = {"path": "/var/lib/golive/restore-records/restic.json", "missing": True}
    result = judged(data, "infra.backups")
    assert result.hosts is not None and "--restore-test" in result.hosts["web2"].summary


def test_an_unread_repository_is_an_error() -> None:
    data = copy.deepcopy(recorded("compliant"))
    backups(data)["borg"] = {"env_file": "/etc/lunia/borg.env", "configured": True, "error": "borg list exited 2: passphrase wrong"}
    result = judged(data, "infra.backups")
    assert result.status is Status.ERROR and "backup:borg" in host_keys(result, "web2")


def test_host_without_any_repository_fails() -> None:
    data = copy.deepcopy(recorded("compliant"))
    for repository in backups(data).values():
        repository.clear()
        repository.update({"env_file": "/etc/lunia/x.env", "configured": False})
    result = judged(data, "infra.backups")
    assert result.status is Status.FAIL and "no backup repository configured" in result.summary


def test_restore_test_error_fails() -> None:
    data = copy.deepcopy(recorded("restore-test"))
    backups(data)["restic"]["restore_test"] = {"snapshot": "x", "error": "restic restore exited 1: wrong password"}
    assert "backup:restic:restore" in host_keys(judged(data, "infra.backups"), "web2")


def test_short_ids_shorten_only_restic_hashes() -> None:
    assert short("a" * 64) == "aaaaaaaa"
    assert short("lunia-20261129T074425") == "lunia-20261129T074425"
