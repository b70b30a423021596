"""Signed human attestations: "I, NAME in ROLE, attest ITEM, with this evidence, until then".

The attestations file (golive.yml `attestations:`) is a YAML list written by
`golive attest`; each entry holds the signed statement's fields and its SSH signature.
An item whose `attestation` parameter is set needs a valid one to pass: signature good
for the entry's role, role the one the item asks for, not expired at --as-of, and for a
file the file still has the SHA-256 that was signed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from golive import signing
from golive.model import Outcome, Status
from golive.timeutil import parse_aware
from golive.yamlfile import ConfigError

KIND = "golive-attestation-v1"
FIELDS = ("item", "by", "role", "evidence", "evidence-sha256", "attested-at", "expires")


def is_url(reference: str) -> bool:
    return reference.startswith(("https://", "http://"))


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def attestation_statement(entry: dict[str, str]) -> str:
    return signing.statement(KIND, [(field, str(entry.get(field, ""))) for field in FIELDS])


def make_entry(
    item: str, by: str, role: str, evidence: str, evidence_sha256: str, now: dt.datetime, valid_days: int, key: Path
) -> dict[str, str]:
    entry = {
        "item": item,
        "by": by,
        "role": role,
        "evidence": evidence,
        "evidence-sha256": evidence_sha256,
        "attested-at": now.isoformat(),
        "expires": (now + dt.timedelta(days=valid_days)).isoformat(),
    }
    entry["signature"] = signing.sign(attestation_statement(entry), key)
    return entry


ATTESTATIONS_HEADER = "# golive attestations: written by `golive attest`; each entry is signed, edits void it.\n"


def append(path: Path, entry: dict[str, Any], existing: list[Any], header: str = ATTESTATIONS_HEADER) -> None:
    """Write `existing + [entry]` to `path` atomically, so a crash never leaves half a file."""
    body = yaml.safe_dump([*existing, entry], sort_keys=False, allow_unicode=True, width=1000)
    handle, temporary = tempfile.mkstemp(prefix=".attestations-", dir=path.parent)
    with os.fdopen(handle, "w", encoding="utf-8") as out:
        out.write(header + body)
    os.replace(temporary, path)


@dataclass
class Checked:
    """One attestation entry as the collector found it: fields, signature verdict, file now."""

    where: str
    fields: dict[str, str]
    signature_valid: bool
    signature_reason: str
    current_sha256: str | None

    def to_json(self) -> dict[str, Any]:
        return {
            "where": self.where,
            "fields": self.fields,
            "signature_valid": self.signature_valid,
            "signature_reason": self.signature_reason,
            "current_sha256": self.current_sha256,
        }


def judge_attestation(item_id: str, params: dict[str, Any], entries: list[dict[str, Any]], as_of: dt.datetime) -> Outcome:
    """Pass with the newest valid attestation for `item_id`, else pending saying why none holds."""
    required_role = str(params.get("role") or "")
    required_evidence = str(params.get("report") or "")
    max_age_days = params.get("valid_days")
    rejected: list[str] = []
    valid: list[dict[str, str]] = []
    for entry in entries:
        fields = entry["fields"]
        if fields.get("item") != item_id:
            continue
        who = f"attestation by {fields.get('by', '?')} ({entry['where']})"
        problem = _problem(entry, fields, required_role, required_evidence, max_age_days, as_of)
        if problem:
            rejected.append(f"{who}: {problem}")
        else:
            valid.append(fields)
    if valid:
        best = max(valid, key=lambda fields: parse_aware(fields["attested-at"], "attested-at"))
        return Outcome.passed(
            f"attested by {best['by']} ({best['role']}) on {best['attested-at'][:10]}: {params.get('attestation')}; "
            f"evidence {best['evidence']}; valid until {best['expires'][:10]}"
        )
    return awaiting(params, "; ".join(rejected))


def awaiting(params: dict[str, Any], reason: str = "") -> Outcome:
    """Pending: what attestation the item needs, from which role, and why none counts yet."""
    role = str(params.get("role") or "")
    role_text = f" by role {role}" if role else ""
    return Outcome(
        Status.PENDING, f"awaiting a signed attestation{role_text}: {params.get('attestation')}" + (f" ({reason})" if reason else "")
    )


def _problem(entry: dict[str, Any], fields: dict[str, str], role: str, evidence: str, max_age_days: Any, as_of: dt.datetime) -> str | None:
    if not entry["signature_valid"]:
        return f"signature invalid: {entry['signature_reason']}"
    if role and fields.get("role") != role:
        return f"signed as role {fields.get('role')}, this item needs {role}"
    try:
        attested = parse_aware(fields.get("attested-at", ""), "attested-at")
        expires = parse_aware(fields.get("expires", ""), "expires")
    except ConfigError as exc:
        # Signed or not, a time without a zone cannot be compared with --as-of.
        return str(exc)
    if attested > as_of:
        return f"made at {attested.isoformat()}, after --as-of"
    if expires < as_of:
        return f"expired on {expires.isoformat()[:10]}"
    if isinstance(max_age_days, (int, float)) and not isinstance(max_age_days, bool):
        # Compared in days, not through a timedelta, which overflows on a huge limit.
        age_days = (as_of - attested).total_seconds() / 86400
        if not math.isfinite(max_age_days) or age_days > max_age_days:
            return f"older than {max_age_days:g} days"
    if evidence and os.path.normpath(fields.get("evidence", "")) != os.path.normpath(evidence):
        return f"covers {fields.get('evidence')}, not the configured {evidence}"
    signed_sha = fields.get("evidence-sha256", "")
    if signed_sha:
        if entry["current_sha256"] is None:
            return f"evidence file {fields.get('evidence')} no longer exists"
        if entry["current_sha256"] != signed_sha:
            return f"evidence file {fields.get('evidence')} changed since it was attested (sha256 {signed_sha[:12]} then, {entry['current_sha256'][:12]} now)"
    return None
