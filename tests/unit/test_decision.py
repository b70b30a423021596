"""The fail-closed decision and waivers, on hand-made item results (no collectors)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from golive.decision import Waiver, apply_waivers, decide, load_waivers
from golive.model import Finding, ItemResult, Outcome, Status, Verdict, worst
from golive.policy import WaiverPolicy
from golive.yamlfile import ConfigError
from tests.conftest import write

AS_OF = dt.datetime(2026, 11, 29, 12, 0, tzinfo=dt.UTC)
# These tests pin the waiver rules themselves; signatures have their own tests (test_trust.py).
ALLOW_UNSIGNED = WaiverPolicy(unsigned="allow")


def item(
    item_id: str, status: Status, severity: str = "blocker", signoff: bool = False, hosts: dict[str, Outcome] | None = None
) -> ItemResult:
    return ItemResult(
        item_id, "Section", item_id, True, severity, Outcome(status, f"{item_id} is {status}"), "fix it", hosts=hosts, signoff=signoff
    )


def waiver(item_id: str, host: str | None = None, finding: str | None = None, expires: dt.date = dt.date(2026, 12, 31)) -> Waiver:
    return Waiver(item_id, "known issue", "jane (release manager)", expires, "waivers.yml:1", host=host, finding=finding, ticket="LUN-1")


def test_status_order_is_worst_first_as_designed() -> None:
    order = [Status.FAIL, Status.ERROR, Status.INSUFFICIENT, Status.PENDING, Status.WARN, Status.WAIVED, Status.SKIP, Status.PASS]
    assert sorted(Status, key=lambda status: -status.rank) == order
    assert worst([Status.PASS, Status.WARN, Status.SKIP]) is Status.WARN
    assert {status for status in Status if status.blocking} == {Status.FAIL, Status.ERROR, Status.INSUFFICIENT, Status.PENDING}


def test_all_pass_is_go() -> None:
    assert decide([item("a", Status.PASS), item("b", Status.SKIP)]).verdict is Verdict.GO


@pytest.mark.parametrize("status", [Status.FAIL, Status.ERROR, Status.INSUFFICIENT, Status.PENDING])
def test_each_blocking_status_gives_no_go(status: Status) -> None:
    decision = decide([item("a", Status.PASS), item("b", status)])
    assert decision.verdict is Verdict.NO_GO
    assert decision.blocking == ["b"]
    assert decision.verdict.exit_code == 1


def test_missing_evidence_gives_no_go() -> None:
    assert decide([item("tests.unit", Status.INSUFFICIENT)]).verdict is Verdict.NO_GO


def test_warn_does_not_block() -> None:
    assert decide([item("tests.coverage", Status.WARN)]).verdict is Verdict.GO


def test_advisory_item_never_blocks() -> None:
    assert decide([item("x", Status.FAIL, severity="advisory")]).verdict is Verdict.GO


def test_only_pending_signoff_gives_go_pending_signoff_which_exits_3() -> None:
    decision = decide([item("a", Status.PASS), item("signoff.release_manager", Status.PENDING, signoff=True)])
    assert decision.verdict is Verdict.GO_PENDING_SIGNOFF
    assert decision.verdict.exit_code == 3


def test_partial_run_is_at_best_partial_pass_and_never_go() -> None:
    assert decide([item("a", Status.PASS)], partial=True).verdict is Verdict.PARTIAL_PASS
    assert Verdict.PARTIAL_PASS.exit_code == 4
    pending = [item("a", Status.PASS), item("signoff.release_manager", Status.PENDING, signoff=True)]
    assert decide(pending, partial=True).verdict is Verdict.NO_GO
    assert decide([item("a", Status.FAIL)], partial=True).verdict is Verdict.NO_GO


def test_unsigned_waiver_waives_nothing_unless_the_policy_allows_it(tmp_path: Path) -> None:
    path = write(tmp_path / "waivers.yml", "- {item: tests.load, reason: r, approver: a, expires: 2026-12-01}\n")
    valid, problems = load_waivers(path, AS_OF, {"tests.load"})
    assert valid == []
    assert "unsigned and this environment refuses unsigned waivers" in problems[0]
    assert len(load_waivers(path, AS_OF, {"tests.load"}, policy=ALLOW_UNSIGNED)[0]) == 1


def test_waiver_of_a_protected_item_waives_nothing(tmp_path: Path) -> None:
    path = write(tmp_path / "waivers.yml", "- {item: signoff.release_manager, reason: r, approver: a, expires: 2026-12-01}\n")
    valid, problems = load_waivers(path, AS_OF, {"signoff.release_manager"}, {"signoff.release_manager"}, ALLOW_UNSIGNED)
    assert valid == []
    assert "is protected; no waiver can cover it" in problems[0]


def test_pending_attestation_is_not_a_signoff() -> None:
    items = [item("docs.runbook", Status.PENDING), item("signoff.release_manager", Status.PENDING, signoff=True)]
    assert decide(items).verdict is Verdict.NO_GO


def test_valid_item_waiver_turns_fail_into_waived_and_allows_go() -> None:
    failing = item("tests.load", Status.FAIL)
    apply_waivers(failing, [waiver("tests.load")])
    assert failing.status is Status.WAIVED
    assert failing.unwaived is Status.FAIL
    assert decide([failing]).verdict is Verdict.GO


def test_waiver_never_changes_a_pass() -> None:
    passing = item("tests.load", Status.PASS)
    apply_waivers(passing, [waiver("tests.load")])
    assert passing.status is Status.PASS
    assert passing.outcome.waiver is None


def test_host_waiver_covers_only_that_host() -> None:
    hosts = {"app1": Outcome(Status.FAIL, "lunia_bot inactive"), "app2": Outcome(Status.FAIL, "lunia_bot inactive")}
    services = item("infra.systemd_services", Status.PASS, hosts=hosts)
    apply_waivers(services, [waiver("infra.systemd_services", host="app2")])
    assert hosts["app2"].status is Status.WAIVED
    assert services.status is Status.FAIL
    apply_waivers(services, [waiver("infra.systemd_services", host="app1")])
    assert services.status is Status.WAIVED


def test_finding_waiver_lowers_status_only_as_far_as_other_evidence_allows() -> None:
    findings = [Finding("CVE-2024-1@openssl", Status.FAIL, "critical"), Finding("CVE-2024-2@zlib", Status.FAIL, "critical")]
    scanners = item("security.scanners", Status.PASS)
    scanners.outcome = Outcome(Status.PASS, "2 critical", findings)
    apply_waivers(scanners, [waiver("security.scanners", finding="CVE-2024-1@openssl")])
    assert scanners.status is Status.FAIL
    apply_waivers(scanners, [waiver("security.scanners", finding="CVE-2024-2@zlib")])
    assert scanners.status is Status.WAIVED


def test_expired_waiver_blocks(tmp_path: Path) -> None:
    path = write(tmp_path / "waivers.yml", "- {item: tests.load, reason: r, approver: a, expires: 2026-11-28}\n")
    valid, problems = load_waivers(path, AS_OF, {"tests.load"}, policy=ALLOW_UNSIGNED)
    assert valid == []
    assert problems == [f"{path}:1: waiver for tests.load expired on 2026-11-28: waives nothing"]
    failing = item("tests.load", Status.FAIL)
    apply_waivers(failing, valid)
    assert decide([failing]).verdict is Verdict.NO_GO


def test_waiver_expiring_on_as_of_day_still_holds(tmp_path: Path) -> None:
    path = write(tmp_path / "waivers.yml", "- {item: tests.load, reason: r, approver: a, expires: 2026-11-29}\n")
    valid, problems = load_waivers(path, AS_OF, {"tests.load"}, policy=ALLOW_UNSIGNED)
    assert len(valid) == 1 and problems == []


@pytest.mark.parametrize(
    ("entry", "problem"),
    [
        ("{item: tests.load, reason: r, expires: 2026-12-31}", "waiver for tests.load has no approver"),
        ("{item: tests.load, approver: a, reason: r, expires: soon}", "expires 'soon' is not a YYYY-MM-DD date"),
        ("{item: tests.lod, approver: a, reason: r, expires: 2026-12-31}", "waiver names unknown item 'tests.lod'"),
        ("{item: tests.load, approver: a, reason: r, expires: 2026-12-31, scope: all}", "unknown key(s) scope"),
        ("just a string", "a waiver is a mapping"),
    ],
)
def test_malformed_waiver_waives_nothing_and_says_why(tmp_path: Path, entry: str, problem: str) -> None:
    path = write(tmp_path / "waivers.yml", f"waivers:\n  - {entry}\n")
    valid, problems = load_waivers(path, AS_OF, {"tests.load"}, policy=ALLOW_UNSIGNED)
    assert valid == []
    assert len(problems) == 1
    assert problems[0].startswith(f"{path}:2: ")
    assert problem in problems[0]


def test_unparsable_waivers_file_is_a_config_error(tmp_path: Path) -> None:
    path = write(tmp_path / "waivers.yml", "- item: [\n")
    with pytest.raises(ConfigError, match=r"waivers.yml:2:1: YAML syntax error"):
        load_waivers(path, AS_OF, set())
