"""Signatures beside a finished result: one per sign-off role, and the runner's.

A signature file `RESULT.json.<role>.sig` (or `RESULT.json.runner.sig`) holds the signed
statement (digest, role, environment, commit, verdict, ...) followed by its SSH signature.
Any change to the result changes its digest and so voids every signature.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from golive import signing

KIND = "golive-signoff-v1"
RUNNER_KIND = "golive-runner-v1"
RUNNER_FILE_ROLE = "runner"


def signature_path(result: Path, role: str) -> Path:
    return result.with_name(f"{result.name}.{role}.sig")


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


def _runner_statement(document: dict[str, Any], principal: str, signed_at: str) -> str:
    return signing.statement(
        RUNNER_KIND,
        [
            ("digest", document["digest"]),
            ("runner", principal),
            ("environment", str(document["environment"])),
            ("commit", str(document["release"].get("commit") or "")),
            ("verdict", document["decision"]["verdict"]),
            ("checklist-digest", str(document.get("checklist_digest") or "")),
            ("signed-at", signed_at),
        ],
    )


def _write(targets: list[Path], content: str) -> None:
    for target in targets:
        handle, temporary = tempfile.mkstemp(prefix=".golive-sig-", dir=target.parent)
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(content)
        os.replace(temporary, target)


def _beside(result: Path, document: dict[str, Any], role: str) -> list[Path]:
    targets = [signature_path(result, role)]
    history_copy = document.get("history_file")
    if history_copy and Path(history_copy).is_file() and Path(history_copy).resolve() != result.resolve():
        targets.append(signature_path(Path(history_copy), role))
    return targets


def sign_result(
    result: Path,
    document: dict[str, Any],
    role: str,
    key: Path,
    acknowledge_no_go: bool,
    now: dt.datetime,
    allowed_signers: Path | None = None,
) -> list[Path]:
    """Write the role's signature beside the result (and beside its history copy); returns the files.

    With `allowed_signers`, the signature is verified for `role` before anything is written,
    so a key whose line limits it to another namespace or an expired validity is refused at once."""
    text = _statement(document, role, acknowledge_no_go, now.isoformat())
    signature = signing.sign(text, key)
    if allowed_signers is not None:
        verification = signing.verify(text, signature, allowed_signers, role)
        if not verification.valid:
            raise signing.SigningError(
                f"{key}: {allowed_signers} does not accept this key's signature for role {role}: {verification.reason}"
            )
    targets = _beside(result, document, role)
    _write(targets, text + signature)
    return targets


def runner_signature(document: dict[str, Any], principal: str, key: Path, now: dt.datetime) -> str:
    """The runner's signature file content for a finished result (written by `golive check --sign-key`)."""
    text = _runner_statement(document, principal, now.isoformat())
    return text + signing.sign(text, key)


@dataclass
class RoleCheck:
    role: str
    valid: bool
    reason: str
    fingerprint: str = ""
    comment: str = ""


def _read_signed(path: Path) -> tuple[str, str, str, dict[str, str]]:
    signed, signature = signing.split_armored(path.read_text(encoding="utf-8"))
    kind, fields = signing.parse_statement(signed)
    return signed, signature, kind, fields


@dataclass
class _Signed:
    fields: dict[str, str]
    verification: signing.Verification


def _check_file(
    path: Path,
    label: str,
    kind: str,
    identity: tuple[str, str],
    rebuild: Callable[[dict[str, str]], str],
    document: dict[str, Any],
    allowed_signers: Path,
    missing: str,
) -> RoleCheck | _Signed:
    """The checks every signature file gets: present, readable, of `kind`, over this digest, for
    this identity, a statement this result rebuilds byte for byte, and a good signature by a
    key allowed for the identity. A RoleCheck says why not; _Signed carries what was verified."""
    if not path.is_file():
        return RoleCheck(label, False, missing)
    try:
        signed, signature, found_kind, fields = _read_signed(path)
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        return RoleCheck(label, False, f"{path.name}: unreadable signature file: {exc}")
    name, value = identity
    if found_kind != kind:
        return RoleCheck(label, False, f"{path.name}: not a {kind} signature")
    if fields.get("digest") != document["digest"]:
        return RoleCheck(label, False, f"{path.name} signs digest {fields.get('digest')}, the result is {document['digest']}")
    if fields.get(name) != value:
        return RoleCheck(label, False, f"{path.name} is signed as {name} {fields.get(name)}, not {value}")
    if signed != rebuild(fields):
        return RoleCheck(label, False, f"{path.name}: the signed statement does not describe this result")
    verification = signing.verify(signed, signature, allowed_signers, value)
    if not verification.valid:
        return RoleCheck(label, False, f"{path.name}: {verification.reason}")
    return _Signed(fields, verification)


def check_role(result: Path, document: dict[str, Any], role: str, allowed_signers: Path) -> RoleCheck:
    path = signature_path(result, role)
    checked = _check_file(
        path,
        role,
        KIND,
        ("role", role),
        lambda fields: _statement(document, role, fields.get("acknowledge-no-go") == "yes", fields.get("signed-at", "")),
        document,
        allowed_signers,
        f"no signature ({path.name} missing)",
    )
    if isinstance(checked, RoleCheck):
        return checked
    fingerprint, comment = checked.verification.fingerprint, checked.verification.comment
    if checked.fields.get("acknowledge-no-go") == "yes":
        return RoleCheck(role, False, f"{path.name} acknowledges a NO-GO; it can never make a GO", fingerprint)
    return RoleCheck(role, True, f"signed at {checked.fields.get('signed-at')} by a key allowed for {role}", fingerprint, comment)


def check_runner(result: Path, document: dict[str, Any], principal: str, allowed_signers: Path) -> RoleCheck:
    """Whether the runner holding `principal`'s key signed exactly this result."""
    path = signature_path(result, RUNNER_FILE_ROLE)
    label = f"runner {principal}"
    checked = _check_file(
        path,
        label,
        RUNNER_KIND,
        ("runner", principal),
        lambda fields: _runner_statement(document, principal, fields.get("signed-at", "")),
        document,
        allowed_signers,
        f"no runner signature ({path.name} missing): run `golive check --sign-key KEY`",
    )
    if isinstance(checked, RoleCheck):
        return checked
    return RoleCheck(
        label, True, f"signed at {checked.fields.get('signed-at')}", checked.verification.fingerprint, checked.verification.comment
    )
