"""infra.backups: on each backup host, every configured restic/borg repository has a
fresh snapshot, passes a check that reads data, and has a restore test (done now with
--restore-test, or a verified restore record within N days)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from golive.checklist import ItemSpec
from golive.checks import JudgeContext, check
from golive.checks.hostfacts import on_item_hosts, per_host
from golive.checks.waf import parse_time
from golive.collectors import Evidence, Request
from golive.model import Finding, Outcome, Status


def short(snapshot: Any) -> str:
    """restic's 64-hex ids shortened as restic prints them; borg archive names whole."""
    text = str(snapshot)
    return text[:8] if len(text) == 64 and all(char in "0123456789abcdef" for char in text) else text


def _age(as_of: dt.datetime, stamp: dt.datetime) -> str:
    hours = (as_of - stamp).total_seconds() / 3600
    return f"{hours:.1f} h" if hours < 72 else f"{hours / 24:.1f} days"


def judge_repository(
    host: str, tool: str, repo: dict[str, Any], params: dict[str, Any], as_of: dt.datetime, restore_now: bool
) -> list[Finding]:
    key = f"backup:{tool}"
    where = f"{tool} repository {repo.get('repository') or repo.get('env_file')}"
    if repo.get("error"):
        return [Finding(key, Status.ERROR, f"{where}: {repo['error']}", host=host)]
    findings: list[Finding] = []
    max_hours = float(params["max_snapshot_age_hours"])
    latest = repo.get("latest") or {}
    taken = parse_time(latest.get("time"))
    if taken is None:
        findings.append(Finding(f"{key}:snapshot", Status.FAIL, f"{where} has no snapshot", host=host))
    elif taken > as_of + dt.timedelta(minutes=5):
        findings.append(
            Finding(
                f"{key}:snapshot", Status.INSUFFICIENT, f"{where}: latest snapshot {latest.get('id')} is dated after --as-of", host=host
            )
        )
    elif as_of - taken > dt.timedelta(hours=max_hours):
        detail = f"{where}: stale snapshot, latest {short(latest.get('id'))} is {_age(as_of, taken)} old (max {max_hours:g} h)"
        findings.append(Finding(f"{key}:snapshot", Status.FAIL, detail, host=host))
    checked = repo.get("check") or {}
    if checked.get("rc") != 0:
        detail = f"{where}: `{' '.join(checked.get('argv') or [tool, 'check'])}` exited {checked.get('rc')}: {str(checked.get('output', ''))[-240:]}"
        findings.append(Finding(f"{key}:check", Status.FAIL, detail, host=host))
    if restore_now:
        findings += _restore_now(host, key, where, repo.get("restore_test") or {})
    else:
        findings += _record(host, key, where, repo.get("record") or {}, int(params["restore_record_max_age_days"]), as_of)
    return findings


def _restore_now(host: str, key: str, where: str, test: dict[str, Any]) -> list[Finding]:
    if test.get("error"):
        return [
            Finding(
                f"{key}:restore",
                Status.FAIL,
                f"{where}: restore test of {test.get('snapshot', 'the latest snapshot')} failed: {test['error']}",
                host=host,
            )
        ]
    if not test:
        return [Finding(f"{key}:restore", Status.ERROR, f"{where}: --restore-test asked, but no restore test result came back", host=host)]
    findings = []
    if not test.get("matched"):
        files = ", ".join(test.get("mismatched") or []) or "nothing restored"
        detail = f"{where}: restore checksum mismatch restoring {test.get('canary')} from {short(test.get('snapshot'))} ({files})"
        findings.append(Finding(f"{key}:restore", Status.FAIL, detail, host=host))
    if not test.get("cleaned_up"):
        findings.append(
            Finding(
                f"{key}:restore",
                Status.WARN if findings == [] else Status.FAIL,
                f"{where}: restore test left its temporary directory",
                host=host,
            )
        )
    if test.get("record_error"):
        findings.append(Finding(f"{key}:record", Status.WARN, f"{where}: restore record not written: {test['record_error']}", host=host))
    return findings


def _record(host: str, key: str, where: str, record: dict[str, Any], max_days: int, as_of: dt.datetime) -> list[Finding]:
    def fail(detail: str, status: Status = Status.FAIL) -> list[Finding]:
        return [Finding(f"{key}:restore", status, f"{where}: {detail}", host=host)]

    path = record.get("path")
    if record.get("missing"):
        return fail(f"no restore record ({path}); run `golive check --restore-test`")
    if record.get("error"):
        return fail(f"restore record {path} unreadable: {record['error']}", Status.ERROR)
    restored = parse_time(record.get("restored_at"))
    snapshot = short(record.get("snapshot"))
    if restored is None:
        return fail(f"restore record {path} has no valid restored_at")
    if as_of - restored > dt.timedelta(days=max_days):
        return fail(f"last restore test ({path}) is {_age(as_of, restored)} old (max {max_days} days)")
    if not record.get("snapshot_exists"):
        return fail(f"restore record {path} names snapshot {snapshot}, which no longer exists in the repository")
    if not record.get("matched"):
        return fail(f"restore record {path} says the restore of {snapshot} did not match its source")
    mismatched = record.get("mismatched")
    if mismatched is None:
        return fail(f"restore record {path} was not verified against snapshot {snapshot}", Status.ERROR)
    unreadable = [f"{item.get('file')} ({item['error']})" for item in mismatched if item.get("error")]
    if unreadable:
        return fail(f"restore record {path} could not be verified: snapshot {snapshot} does not yield {', '.join(unreadable)}")
    if mismatched:
        files = ", ".join(str(item.get("file")) for item in mismatched)
        return fail(f"restore record {path}: checksum mismatch against snapshot {snapshot} for {files}")
    return []


def backups_requests(item: ItemSpec) -> list[Request]:
    params = item.params
    args = {
        "repositories": dict(params["repositories"]),
        "read_data_subset": params["read_data_subset"],
        "canary_path": params["canary_path"],
        "record_dir": params["restore_record_dir"],
        "timeout": params["command_timeout_seconds"],
    }
    return on_item_hosts(item, "backups", args)


@check("infra.backups", requests=backups_requests)
def backups(item: ItemSpec, evidence: Evidence, ctx: JudgeContext) -> dict[str, Outcome]:
    params = item.params

    def judge(host: str, facts: dict[str, Any]) -> Outcome:
        repos = {tool: repo for tool, repo in (facts.get("repositories") or {}).items() if isinstance(repo, dict)}
        configured = {tool: repo for tool, repo in repos.items() if repo.get("configured", True)}
        if not configured:
            files = ", ".join(str(repo.get("env_file")) for repo in repos.values())
            return Outcome(Status.FAIL, f"no backup repository configured (none of {files} exists)")
        restore_now = bool(facts.get("restore_test_requested"))
        findings = [
            finding for tool, repo in configured.items() for finding in judge_repository(host, tool, repo, params, ctx.as_of, restore_now)
        ]
        how = "restored and compared now" if restore_now else f"restore record within {params['restore_record_max_age_days']} days verified"
        tools = ", ".join(sorted(configured))
        return Outcome.from_findings(findings, f"{tools}: snapshot within {params['max_snapshot_age_hours']} h, check read data, {how}")

    return per_host(item, evidence, "backups", judge)
