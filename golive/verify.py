"""`golive verify`: a result is data until the verifier's own policy and signatures vouch for it.

Nothing that decides the outcome is taken from the result: the required roles, the runner,
the maximum age, the waiver rules and the checklist come from the verifier's configuration;
the verdict is re-derived from the items under the blocking rule; every embedded signed
waiver is re-checked; every signature must come from a distinct key.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from golive.decision import Waiver, blocking_rule, signed_waiver_problem, utc_day
from golive.document import digest
from golive.model import Status, Verdict
from golive.policy import Policy, checklist_digest, first_differences
from golive.signing import SigningError, read_signers
from golive.signoffs import RoleCheck, check_role, check_runner
from golive.timeutil import parse_aware
from golive.yamlfile import ConfigError

# Items that only a provider adds (one per testinfra test), never listed in a checklist.
PROVIDED_PREFIXES = ("spec.",)


@dataclass
class Verifier:
    """The verifier's side: its policy, its effective checklist, its signers file."""

    policy: Policy
    effective: dict[str, Any]
    signers: Path
    environment: str | None
    max_age_hours: float


@dataclass
class Verified:
    go: bool
    reasons: list[str]
    roles: list[RoleCheck] = field(default_factory=list)
    runner: RoleCheck | None = None
    notes: list[str] = field(default_factory=list)


def verify_document(result: Path, document: dict[str, Any], verifier: Verifier, now: dt.datetime) -> Verified:
    """GO only when the result holds under the verifier's own checklist, policy and signers."""
    if document["digest"] != digest(document):
        return Verified(False, ["digest mismatch: the result was modified after golive wrote it; its signatures are void"])
    if document.get("partial"):
        return Verified(False, ["the result is partial (--only/--skip): a partial run is never signed or verified"])
    reasons: list[str] = []
    if verifier.environment is not None and document["environment"] != verifier.environment:
        reasons.append(f"the result is for environment '{document['environment']}', the verifier's is '{verifier.environment}'")
    reasons += _checklist_reasons(document, verifier)
    if reasons:
        return Verified(False, reasons)
    reasons += _decision_reasons(document, verifier)
    reasons += _waiver_reasons(document, verifier)
    reasons += _age_reasons(document, verifier.max_age_hours, now)
    try:
        notes = read_signers(verifier.signers).refused
        roles = [check_role(result, document, role, verifier.signers) for role in verifier.policy.signoff.roles]
        runner = (
            check_runner(result, document, verifier.policy.signoff.runner, verifier.signers) if verifier.policy.signoff.runner else None
        )
    except SigningError as exc:
        return Verified(False, [*reasons, str(exc)])
    reasons += [f"{check.role}: {check.reason}" for check in roles if not check.valid]
    if runner is not None and not runner.valid:
        reasons.append(f"{runner.role}: {runner.reason}")
    reasons += _four_eyes(roles, runner, verifier.policy.signoff.distinct_signers)
    return Verified(not reasons, reasons, roles, runner, notes)


def _checklist_reasons(document: dict[str, Any], verifier: Verifier) -> list[str]:
    recorded = document.get("effective_checklist")
    if not isinstance(recorded, dict) or document.get("checklist_digest") != checklist_digest(recorded):
        return ["the result's effective checklist does not match its recorded checklist digest"]
    if document["checklist_digest"] == checklist_digest(verifier.effective):
        return []
    return [f"judged under a different checklist or policy: {line}" for line in first_differences(recorded, verifier.effective)]


def _decision_reasons(document: dict[str, Any], verifier: Verifier) -> list[str]:
    """The items must be exactly the checklist's, and the decision must follow from them."""
    reasons: list[str] = []
    spec = {item["id"]: item for item in verifier.effective["items"]}
    items = document["items"]
    seen: set[str] = set()
    judged: list[tuple[str, str, Status, bool]] = []
    for item in items:
        item_id = item["id"]
        if item_id in seen:
            reasons.append(f"item {item_id} appears twice")
            continue
        seen.add(item_id)
        expected = spec.get(item_id)
        if expected is None and not item_id.startswith(PROVIDED_PREFIXES):
            reasons.append(f"item {item_id} is not in the verifier's checklist")
            continue
        if expected is None and (item["kind"] != "check" or item["signoff"]):
            # Provided items are judged checks, never rendered boxes or sign-offs.
            reasons.append(f"item {item_id} is a provided check but is recorded as kind {item['kind']} or as a sign-off")
        severity = expected["severity"] if expected else item["severity"]
        if item["severity"] != severity:
            reasons.append(f"item {item_id} is recorded as {item['severity']}, the checklist says {severity}")
        if expected and (expected["kind"] != item["kind"] or expected["signoff"] != item["signoff"]):
            reasons.append(f"item {item_id}: kind or sign-off mark differs from the checklist")
        inconsistent = _status_inconsistency(item)
        if inconsistent:
            reasons.append(f"item {item_id}: {inconsistent}")
        if item["kind"] == "check":
            judged.append((item_id, severity, Status(item["status"]), bool(expected and expected["signoff"])))
    reasons += [f"item {item_id} of the checklist is missing from the result" for item_id in spec if item_id not in seen]
    reasons += _protected_reasons(document, spec)
    reasons += _signoff_item_reasons(items, verifier.policy)
    verdict, blocking = blocking_rule(judged, partial=False)
    recorded = document["decision"]
    if recorded["verdict"] != verdict.value or list(recorded["blocking"]) != blocking:
        reasons.append(
            f"the decision does not follow from the items: recorded {recorded['verdict']} blocking {recorded['blocking']}, "
            f"the items give {verdict.value} blocking {blocking}"
        )
    if verdict is Verdict.NO_GO:
        reasons.append("the result is NO-GO: " + ", ".join(blocking))
    return reasons


def _status_inconsistency(item: dict[str, Any]) -> str | None:
    """An item, host or finding shown `waived` must carry its waiver or owe it to a waived part;
    no status may be better than the worst of its parts."""
    hosts = item.get("hosts") or {}
    for finding in item["findings"]:
        if (finding["status"] == Status.WAIVED.value) != bool(finding.get("waiver")):
            return f"finding {finding['key']} is {finding['status']} " + ("with" if finding.get("waiver") else "without") + " a waiver"
    for name, host in hosts.items():
        own = [Status(finding["status"]) for finding in item["findings"] if finding.get("host") == name]
        problem = _waivable(f"host {name}", Status(host["status"]), bool(host.get("waiver")), own)
        if problem:
            return problem
    parts = [Status(host["status"]) for host in hosts.values()]
    parts += [Status(finding["status"]) for finding in item["findings"] if finding.get("host") not in hosts]
    return _waivable("it", Status(item["status"]), bool(item.get("waiver")), parts)


def _waivable(what: str, status: Status, has_waiver: bool, parts: list[Status]) -> str | None:
    if has_waiver:
        return None if status is Status.WAIVED else f"{what} carries a waiver but is {status.value}"
    worst = max(parts, key=lambda part: part.rank, default=Status.PASS)
    if worst.rank > status.rank:
        return f"{what} is {status.value} although a part of it is {worst.value}"
    # Waived without a waiver of its own only when its worst part is a waived one.
    if status is Status.WAIVED and worst is not Status.WAIVED:
        return f"{what} is waived without a waiver"
    return None


def _protected_reasons(document: dict[str, Any], spec: dict[str, dict[str, Any]]) -> list[str]:
    reasons = []
    protected = {item_id for item_id, item in spec.items() if item["protected"]}
    for item in document["items"]:
        if item["id"] in protected and any(record for record, _, _ in _waiver_records(item)):
            reasons.append(f"protected item {item['id']} is waived")
    reasons += [f"protected item {entry['id']} is disabled" for entry in document["decision"]["disabled"] if entry.get("id") in protected]
    return reasons


def _signoff_item_reasons(items: list[dict[str, Any]], policy: Policy) -> list[str]:
    reasons = []
    by_role = {item["params"].get("role"): item for item in items if item.get("signoff") and item["params"].get("role")}
    for role in policy.signoff.roles:
        item = by_role.get(role)
        if item is None:
            reasons.append(f"no sign-off item for required role {role}")
        elif item["status"] != Status.PENDING.value:
            reasons.append(f"sign-off item {item['id']} is {item['status']}, not pending: only signatures sign a result off")
    return reasons


def _waiver_records(item: dict[str, Any]) -> list[tuple[dict[str, Any] | None, str | None, str | None]]:
    """(waiver record, host, finding) for the item itself, each host and each finding."""
    records: list[tuple[dict[str, Any] | None, str | None, str | None]] = [(item.get("waiver"), None, None)]
    records += [(host.get("waiver"), name, None) for name, host in (item.get("hosts") or {}).items()]
    records += [(finding.get("waiver"), finding.get("host"), finding.get("key")) for finding in item["findings"]]
    return records


def _waiver_reasons(document: dict[str, Any], verifier: Verifier) -> list[str]:
    reasons = []
    as_of = _as_of(document)
    policy = verifier.policy.waivers
    for item in document["items"]:
        for record, host, finding in _waiver_records(item):
            if not record:
                continue
            where = item["id"] + (f" on {host}" if host else "") + (f" ({finding})" if finding else "")
            if not record.get("signed"):
                if not policy.unsigned_allowed:
                    reasons.append(f"waiver of {where} is unsigned; the verifier's policy refuses unsigned waivers")
                continue
            problem = _signed_record_problem(record, item["id"], host, finding, verifier, as_of)
            if problem:
                reasons.append(f"waiver of {where}: {problem}")
    return reasons


def _signed_record_problem(
    record: dict[str, Any], item_id: str, host: str | None, finding: str | None, verifier: Verifier, as_of: dt.datetime | None
) -> str | None:
    if as_of is None:
        return "the result's as_of is not a timezone-aware time"
    try:
        expires = dt.date.fromisoformat(str(record.get("expires")))
    except ValueError:
        return "its expiry is not a date"
    scope = record.get("scope") or {}
    waiver = Waiver(
        item=item_id,
        reason=str(record.get("reason", "")),
        approver=str(record.get("approver", "")),
        expires=expires,
        where=str(record.get("source", "")),
        host=scope.get("host"),
        finding=scope.get("finding"),
        ticket=record.get("ticket"),
        role=record.get("role"),
        signed_at=record.get("signed_at"),
        signature=str(record.get("signature") or ""),
    )
    # A waiver applies exactly at its signed scope: an item waiver to the item, a host waiver
    # to that host, a finding waiver to that finding (on its host, when it names one).
    if finding is not None:
        in_scope = waiver.finding == finding and waiver.host in (None, host)
    elif host is not None:
        in_scope = waiver.host == host and waiver.finding is None
    else:
        in_scope = waiver.host is None and waiver.finding is None
    if not in_scope:
        return "its signed scope does not match where it is applied"
    from golive.decision import statement_of

    if record.get("statement") != statement_of(waiver):
        return "the embedded signed statement does not match the waiver"
    if expires < utc_day(as_of):
        return f"expired on {expires.isoformat()}"
    problem, _ = signed_waiver_problem(waiver, verifier.policy.waivers, verifier.signers, as_of)
    return problem


def _as_of(document: dict[str, Any]) -> dt.datetime | None:
    try:
        return parse_aware(document["as_of"], "as_of")
    except ConfigError:
        return None


def _age_reasons(document: dict[str, Any], max_age_hours: float, now: dt.datetime) -> list[str]:
    as_of = _as_of(document)
    if as_of is None:
        return [f"the result's as_of {document['as_of']!r} is not a timezone-aware ISO-8601 time"]
    if not math.isfinite(max_age_hours) or max_age_hours <= 0:
        return [f"maximum age {max_age_hours!r} h is not a positive finite number"]
    age = now - as_of
    reasons = []
    if age > dt.timedelta(hours=max_age_hours):
        reasons.append(
            f"the result is {age.total_seconds() / 3600:.1f} h old (as of {document['as_of']}); the maximum age is {max_age_hours:g} h"
        )
    # Clocks differ by seconds, not minutes: a result from the future was not made by a runner.
    if age < -dt.timedelta(minutes=5):
        reasons.append(f"the result's as-of {document['as_of']} is in the future")
    return reasons


def _four_eyes(roles: list[RoleCheck], runner: RoleCheck | None, distinct: bool) -> list[str]:
    reasons = []
    seen: dict[str, str] = {}
    runner_key = runner.fingerprint if runner is not None and runner.valid else ""
    for check in roles:
        if not check.valid or not check.fingerprint:
            continue
        if runner_key and check.fingerprint == runner_key:
            reasons.append(f"{check.role}: signed with the runner's key ({check.fingerprint}); the runner key signs no human role")
        if distinct and check.fingerprint in seen:
            reasons.append(
                f"{check.role}: signed with the same key ({check.fingerprint}) as {seen[check.fingerprint]}; one key signs one role"
            )
        seen.setdefault(check.fingerprint, check.role)
    return reasons
