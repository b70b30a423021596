"""Waivers and the fail-closed GO / NO-GO decision."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from golive import signing
from golive.model import ItemResult, Outcome, Status, Verdict
from golive.policy import WaiverPolicy
from golive.timeutil import parse_aware
from golive.yamlfile import ConfigError, load

KIND = "golive-waiver-v1"
_WAIVER_KEYS = {"item", "host", "finding", "reason", "approver", "ticket", "expires", "role", "signed-at", "signature"}
_UNSIGNED_REQUIRED = ("item", "reason", "approver", "expires")
_SIGNED_REQUIRED = ("item", "reason", "expires", "role", "signed-at", "signature")
HEADER = "# golive waivers: `golive waive` appends signed entries; any edit of a signed entry voids it.\n"


@dataclass
class Waiver:
    item: str
    reason: str
    approver: str
    expires: dt.date
    where: str
    host: str | None = None
    finding: str | None = None
    ticket: str | None = None
    role: str | None = None
    signed_at: str | None = None
    signature: str | None = None
    fingerprint: str | None = None

    def record(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "reason": self.reason,
            "approver": self.approver,
            "ticket": self.ticket,
            "expires": self.expires.isoformat(),
            "scope": {"host": self.host, "finding": self.finding},
            "source": self.where,
            "signed": self.signature is not None,
        }
        if self.signature is not None:
            # The signed statement travels with the item, so `golive verify` can re-check it.
            data.update(
                role=self.role, signed_at=self.signed_at, signer=self.fingerprint, statement=statement_of(self), signature=self.signature
            )
        return data


def statement_of(waiver: Waiver) -> str:
    return waiver_statement(
        waiver.item, waiver.host, waiver.finding, waiver.reason, waiver.ticket, waiver.expires, waiver.role or "", waiver.signed_at or ""
    )


def waiver_statement(
    item: str, host: str | None, finding: str | None, reason: str, ticket: str | None, expires: dt.date, role: str, signed_at: str
) -> str:
    return signing.statement(
        KIND,
        [
            ("item", item),
            ("host", host or ""),
            ("finding", finding or ""),
            ("reason", reason),
            ("ticket", ticket or ""),
            ("expires", expires.isoformat()),
            ("role", role),
            ("signed-at", signed_at),
        ],
    )


def make_waiver(
    item: str,
    host: str | None,
    finding: str | None,
    reason: str,
    ticket: str | None,
    expires: dt.date,
    role: str,
    now: dt.datetime,
    key: Path,
) -> dict[str, Any]:
    """A signed waivers-file entry (`golive waive`)."""
    signed_at = now.isoformat()
    text = waiver_statement(item, host, finding, reason, ticket, expires, role, signed_at)
    entry: dict[str, Any] = {"item": item}
    if host:
        entry["host"] = host
    if finding:
        entry["finding"] = finding
    entry.update(reason=reason)
    if ticket:
        entry["ticket"] = ticket
    entry.update({"expires": expires.isoformat(), "role": role, "signed-at": signed_at, "signature": signing.sign(text, key)})
    return entry


def signed_waiver_problem(
    waiver: Waiver, policy: WaiverPolicy, signers: Path | None, as_of: dt.datetime
) -> tuple[str | None, signing.Verification | None]:
    """Why a signed waiver waives nothing under `policy`, or None (with the signature's verification)."""
    assert waiver.signature is not None
    if waiver.role not in policy.approver_roles:
        return (
            f"signed as role {waiver.role}, which may not approve waivers (waivers.approver_roles: {', '.join(policy.approver_roles)})",
            None,
        )
    try:
        signed_at = parse_aware(waiver.signed_at or "", "signed-at")
    except ConfigError as exc:
        return str(exc), None
    if signed_at > as_of:
        return f"signed at {signed_at.isoformat()}, after --as-of", None
    signed_day = utc_day(signed_at)
    if waiver.expires < signed_day:
        return "expires before it was signed", None
    if (waiver.expires - signed_day).days > policy.max_days:
        return f"expires {(waiver.expires - signed_day).days} days after signing; waivers.max_days is {policy.max_days}", None
    looks_secret = secret_looking_field(waiver)
    if looks_secret:
        # Every output masks secrets, which would rewrite the signed statement and void it.
        return f"its {looks_secret} holds something that looks secret; a waiver must not carry one", None
    if signers is None:
        return "no signers file configured to verify its signature", None
    try:
        verification = signing.verify(statement_of(waiver), waiver.signature, signers, waiver.role or "")
    except signing.SigningError as exc:
        return str(exc), None
    if not verification.valid:
        return f"signature not valid for role {waiver.role}: {verification.reason}", verification
    return None, verification


def load_waivers(
    path: Path | None,
    as_of: dt.datetime,
    item_ids: set[str],
    protected: set[str] | None = None,
    policy: WaiverPolicy | None = None,
    signers: Path | None = None,
) -> tuple[list[Waiver], list[str]]:
    """Valid waivers, and one problem line for each waiver that waives nothing.

    A file that is missing or not YAML is a configuration error (exit 2); a single
    malformed, unsigned (unless the policy allows it), badly signed, over-long or expired
    entry only loses its effect, and the reports say why. Protected items are never waived.
    """
    if path is None:
        return [], []
    policy = policy or WaiverPolicy()
    located = load(path, "waivers file")
    data = located.data
    prefix: tuple[str, ...] = ()
    if isinstance(data, dict) and set(data) == {"waivers"}:
        data, prefix = data["waivers"], ("waivers",)
    if data is None:
        return [], []
    if not isinstance(data, list):
        raise ConfigError(f"{path}:1: a waivers file is a list of waivers (or a mapping with a 'waivers' list)")
    valid: list[Waiver] = []
    problems: list[str] = []
    for index, raw in enumerate(data):
        where = located.where((*prefix, index))
        problem, waiver = _parse_waiver(raw, where, item_ids)
        if problem is None and waiver is not None:
            problem = _waiver_problem(waiver, protected or set(), policy, signers, as_of)
        if problem:
            problems.append(f"{where}: {problem}: waives nothing")
            continue
        assert waiver is not None
        valid.append(waiver)
    return valid, problems


def _waiver_problem(waiver: Waiver, protected: set[str], policy: WaiverPolicy, signers: Path | None, as_of: dt.datetime) -> str | None:
    if waiver.item in protected:
        return f"{waiver.item} is protected; no waiver can cover it"
    if waiver.signature is None:
        if not policy.unsigned_allowed:
            return f"waiver for {_scope(waiver)} is unsigned and this environment refuses unsigned waivers (sign it with `golive waive`)"
    else:
        problem, verification = signed_waiver_problem(waiver, policy, signers, as_of)
        if problem:
            return f"waiver for {_scope(waiver)}: {problem}"
        assert verification is not None
        waiver.fingerprint = verification.fingerprint
        waiver.approver = f"{waiver.role} ({verification.comment or verification.fingerprint})"
    if waiver.expires < utc_day(as_of):
        return f"waiver for {_scope(waiver)} expired on {waiver.expires.isoformat()}"
    return None


def utc_day(moment: dt.datetime) -> dt.date:
    """The UTC calendar day of `moment`: expiry dates are days, compared in one calendar."""
    return moment.astimezone(dt.UTC).date()


def secret_looking_field(waiver: Waiver) -> str | None:
    """The first signed field that golive's masking would change, if any."""
    from golive.secrets import mask_text

    for name, value in (("reason", waiver.reason), ("ticket", waiver.ticket), ("host", waiver.host), ("finding", waiver.finding)):
        if value and mask_text(value) != value:
            return name
    return None


def _parse_waiver(raw: Any, where: str, item_ids: set[str]) -> tuple[str | None, Waiver | None]:
    if not isinstance(raw, dict):
        return "a waiver is a mapping (item, reason, expires, role, signed-at, signature; optional host, finding, ticket)", None
    unknown = sorted(str(key) for key in raw if key not in _WAIVER_KEYS)
    if unknown:
        return f"unknown key(s) {', '.join(unknown)}", None
    required = _SIGNED_REQUIRED if "signature" in raw else _UNSIGNED_REQUIRED
    missing = [key for key in required if raw.get(key) in (None, "")]
    if missing:
        return f"waiver for {raw.get('item', '?')} has no {', '.join(missing)}", None
    if raw["item"] not in item_ids:
        return f"waiver names unknown item '{raw['item']}'", None
    expires = raw["expires"]
    if isinstance(expires, str):
        try:
            expires = dt.date.fromisoformat(expires)
        except ValueError:
            return f"waiver for {raw['item']}: expires {expires!r} is not a YYYY-MM-DD date", None
    if isinstance(expires, dt.datetime):
        expires = expires.date()
    if not isinstance(expires, dt.date):
        return f"waiver for {raw['item']}: expires must be a YYYY-MM-DD date", None
    for key in ("host", "finding", "ticket", "reason", "approver", "role", "signed-at", "signature"):
        if key in raw and raw[key] is not None and not isinstance(raw[key], (str, int)):
            return f"waiver for {raw['item']}: {key} must be a string", None
    role = _text(raw.get("role"))
    return None, Waiver(
        item=raw["item"],
        reason=str(raw["reason"]),
        approver=str(raw.get("approver") or role or ""),
        expires=expires,
        where=where,
        host=_text(raw.get("host")),
        finding=_text(raw.get("finding")),
        ticket=_text(raw.get("ticket")),
        role=role,
        signed_at=_text(raw.get("signed-at")),
        signature=_text(raw.get("signature")),
    )


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def _scope(waiver: Waiver) -> str:
    scope = waiver.item
    if waiver.host:
        scope += f" on {waiver.host}"
    if waiver.finding:
        scope += f" ({waiver.finding})"
    return scope


def apply_waivers(item: ItemResult, waivers: list[Waiver]) -> None:
    """Waive what each matching waiver covers, narrowest scope first.

    A finding waiver covers that finding (on its host when the waiver names one), a
    host waiver covers that host's status, and an item waiver covers the item's
    status; a waiver never turns a pass into anything else.
    """
    mine = [waiver for waiver in waivers if waiver.item == item.id]
    for waiver in (w for w in mine if w.finding):
        for finding in item.findings:
            if finding.key == waiver.finding and (waiver.host is None or finding.host == waiver.host) and finding.status is not Status.PASS:
                finding.waiver = waiver.record()
    for waiver in (w for w in mine if w.host and not w.finding):
        outcome = (item.hosts or {}).get(waiver.host or "")
        if outcome is not None:
            _waive(outcome, waiver)
    for waiver in (w for w in mine if not w.host and not w.finding):
        if item.unwaived is not Status.PASS and item.outcome.waiver is None:
            item.outcome.waiver = waiver.record()


def _waive(outcome: Outcome, waiver: Waiver) -> None:
    if outcome.unwaived is not Status.PASS and outcome.waiver is None:
        outcome.waiver = waiver.record()


@dataclass
class Decision:
    verdict: Verdict
    blocking: list[str]


def decide(items: list[ItemResult], partial: bool = False) -> Decision:
    """GO only when no blocker item is fail, error, insufficient or pending.

    When the only blockers are sign-off items awaiting signatures, the verdict is
    `GO pending sign-off`: `golive verify` turns it into GO once every role signed.
    A partial run (--only/--skip) is at best `PARTIAL PASS`, never a GO.
    """
    verdict, blocking = blocking_rule([(item.id, item.severity, item.status, item.signoff) for item in items], partial)
    return Decision(verdict, blocking)


def blocking_rule(items: list[tuple[str, str, Status, bool]], partial: bool) -> tuple[Verdict, list[str]]:
    """The verdict from (id, severity, status, is-sign-off) of every judged item; `golive verify`
    re-derives a result's decision with this same rule."""
    blocking = [(item_id, status, signoff) for item_id, severity, status, signoff in items if severity == "blocker" and status.blocking]
    ids = [item_id for item_id, _, _ in blocking]
    if not blocking:
        return (Verdict.PARTIAL_PASS if partial else Verdict.GO), []
    if not partial and all(signoff and status is Status.PENDING for _, status, signoff in blocking):
        return Verdict.GO_PENDING_SIGNOFF, ids
    return Verdict.NO_GO, ids
