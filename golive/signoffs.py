"""Sign-off of a finished result: each required role signs its digest; verify turns it into GO.

A signature file `RESULT.json.<role>.sig` holds the signed statement (digest, role,
verdict, whether a NO-GO was acknowledged, when) followed by its SSH signature. Any
change to the result changes its digest and so voids every signature.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from golive import signing
from golive.document import digest
from golive.model import Verdict

KIND = "golive-signoff-v1"


def signature_path(result: Path, role: str) -> Path:
    return result.with_name(f"{result.name}.{role}.sig")


def required_roles(document: dict[str, Any]) -> list[str]:
    """Roles whose sign-off items the result's checklist kept (in checklist order)."""
    return [
        str(item["params"]["role"])
        for item in document["items"]
        if item.get("signoff") and item["id"].startswith("signoff.") and item.get("params", {}).get("role")
    ]


def _statement(document: dict[str, Any], role: str, acknowledge_no_go: bool, signed_at: str) -> str:
    return signing.statement(
        KIND,
        [
            ("digest", document["digest"]),
            ("role", role),
            ("environment", str(document["environment"])),
            ("commit", str(document["release"].get("commit") or "")),
            ("verdict", document["decision"]["verdict"]),
            ("acknowledge-no-go", "yes" if acknowledge_no_go else "no"),
            ("signed-at", signed_at),
        ],
    )


def sign_result(result: Path, document: dict[str, Any], role: str, key: Path, acknowledge_no_go: bool, now: dt.datetime) -> list[Path]:
    """Write the role's signature beside the result (and beside its history copy); returns the files."""
    text = _statement(document, role, acknowledge_no_go, now.isoformat())
    content = text + signing.sign(text, key)
    targets = [signature_path(result, role)]
    history_copy = document.get("history_file")
    if history_copy and Path(history_copy).is_file() and Path(history_copy).resolve() != result.resolve():
        targets.append(signature_path(Path(history_copy), role))
    for target in targets:
        handle, temporary = tempfile.mkstemp(prefix=".golive-sig-", dir=target.parent)
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(content)
        os.replace(temporary, target)
    return targets


@dataclass
class RoleCheck:
    role: str
    valid: bool
    reason: str


def check_role(result: Path, document: dict[str, Any], role: str, allowed_signers: Path) -> RoleCheck:
    path = signature_path(result, role)
    if not path.is_file():
        return RoleCheck(role, False, f"no signature ({path.name} missing)")
    try:
        signed, signature = signing.split_armored(path.read_text(encoding="utf-8"))
        kind, fields = signing.parse_statement(signed)
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        return RoleCheck(role, False, f"{path.name}: unreadable signature file: {exc}")
    if kind != KIND:
        return RoleCheck(role, False, f"{path.name}: not a golive sign-off")
    if fields.get("digest") != document["digest"]:
        return RoleCheck(role, False, f"{path.name} signs digest {fields.get('digest')}, the result is {document['digest']}")
    if fields.get("role") != role:
        return RoleCheck(role, False, f"{path.name} is signed as role {fields.get('role')}")
    if signed != _statement(document, role, fields.get("acknowledge-no-go") == "yes", fields.get("signed-at", "")):
        return RoleCheck(role, False, f"{path.name}: the signed statement does not describe this result")
    verification = signing.verify(signed, signature, allowed_signers, role)
    if not verification.valid:
        return RoleCheck(role, False, f"{path.name}: {verification.reason}")
    if fields.get("acknowledge-no-go") == "yes":
        return RoleCheck(role, False, f"{path.name} acknowledges a NO-GO; it can never make a GO")
    return RoleCheck(role, True, f"signed at {fields.get('signed-at')} by a key allowed for {role}")


@dataclass
class Verified:
    go: bool
    reasons: list[str]
    roles: list[RoleCheck]


def verify_result(result: Path, document: dict[str, Any], allowed_signers: Path, max_age_hours: float, now: dt.datetime) -> Verified:
    """GO only for a GO-pending-sign-off result, every required role validly signed, young enough."""
    reasons: list[str] = []
    if document["digest"] != digest(document):
        return Verified(False, ["digest mismatch: the result was modified after golive wrote it; its signatures are void"], [])
    verdict = document["decision"]["verdict"]
    roles = required_roles(document)
    checks = [check_role(result, document, role, allowed_signers) for role in roles]
    if verdict == Verdict.NO_GO.value:
        reasons.append("the result is NO-GO: " + ", ".join(document["decision"]["blocking"]))
    elif verdict == Verdict.GO_PENDING_SIGNOFF.value:
        signoff_ids = {item["id"] for item in document["items"] if item.get("signoff")}
        other = [item_id for item_id in document["decision"]["blocking"] if item_id not in signoff_ids]
        if other:
            reasons.append("blocking items besides sign-off: " + ", ".join(other))
    reasons += [f"{check.role}: {check.reason}" for check in checks if not check.valid]
    as_of = dt.datetime.fromisoformat(document["as_of"])
    age_hours = (now - as_of).total_seconds() / 3600
    if age_hours > max_age_hours:
        reasons.append(f"the result is {age_hours:.1f} h old (as of {document['as_of']}); --max-age is {max_age_hours:g} h")
    if age_hours < -0.1:
        reasons.append(f"the result's as-of {document['as_of']} is in the future")
    return Verified(not reasons, reasons, checks)
