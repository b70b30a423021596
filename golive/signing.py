"""SSH signatures (`ssh-keygen -Y`, namespace `golive`) over small canonical statements.

Sign-offs and attestations both sign a statement: a header line and `key: value`
lines in a fixed order. The statement travels beside the signature in clear text, so a
reader sees what was signed, and a verifier rebuilds the exact bytes from the fields.
Principals in the allowed_signers file are role names (`release-manager`,
`on-call-sre`, ...): a key may sign for a role only if its line lists that role.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

NAMESPACE = "golive"
ARMOR_BEGIN = "-----BEGIN SSH SIGNATURE-----"
ARMOR_END = "-----END SSH SIGNATURE-----"


class SigningError(Exception):
    """Signing could not happen (no ssh-keygen, unreadable key, refused passphrase)."""


def statement(kind: str, fields: list[tuple[str, str]]) -> str:
    """The exact text that is signed: `kind` then one `key: value` line per field."""
    lines = [kind]
    for key, value in fields:
        if "\n" in value or "\r" in value:
            raise ValueError(f"{key} must be a single line")
        lines.append(f"{key}: {value}")
    return "\n".join(lines) + "\n"


def parse_statement(text: str) -> tuple[str, dict[str, str]]:
    lines = text.splitlines()
    if not lines:
        raise ValueError("empty statement")
    fields: dict[str, str] = {}
    for line in lines[1:]:
        key, sep, value = line.partition(": ")
        if not sep:
            raise ValueError(f"not a 'key: value' line: {line!r}")
        fields[key] = value
    return lines[0], fields


def _ssh_keygen() -> str:
    path = shutil.which("ssh-keygen")
    if path is None:
        raise SigningError("ssh-keygen not found (install openssh-client)")
    return path


def sign(text: str, key: Path) -> str:
    """The armored SSH signature of `text` made with private key `key` (or its agent-held twin)."""
    if not key.exists():
        raise SigningError(f"{key}: key not found")
    done = subprocess.run(
        [_ssh_keygen(), "-Y", "sign", "-q", "-f", str(key), "-n", NAMESPACE],
        input=text.encode(),
        capture_output=True,
        timeout=120,
    )
    if done.returncode != 0 or ARMOR_BEGIN.encode() not in done.stdout:
        reason = done.stderr.decode(errors="replace").strip().splitlines()
        raise SigningError(f"ssh-keygen could not sign with {key}: {reason[-1] if reason else 'exit ' + str(done.returncode)}")
    return done.stdout.decode().strip() + "\n"


@dataclass
class Verification:
    valid: bool
    reason: str
    principals: list[str]


def verify(text: str, signature: str, allowed_signers: Path, principal: str) -> Verification:
    """Whether `signature` over `text` was made by a key allowed_signers lists for `principal`."""
    with tempfile.TemporaryDirectory(prefix="golive-sig-") as folder:
        sig_file = Path(folder) / "statement.sig"
        sig_file.write_text(signature)
        done = subprocess.run(
            [_ssh_keygen(), "-Y", "verify", "-f", str(allowed_signers), "-I", principal, "-n", NAMESPACE, "-s", str(sig_file)],
            input=text.encode(),
            capture_output=True,
            timeout=60,
        )
        found = subprocess.run(
            [_ssh_keygen(), "-Y", "find-principals", "-f", str(allowed_signers), "-s", str(sig_file)],
            capture_output=True,
            timeout=60,
        )
    principals = found.stdout.decode().split() if found.returncode == 0 else []
    if done.returncode == 0:
        return Verification(True, f"good signature for {principal}", principals)
    if principals:
        return Verification(False, f"signed by a key allowed only for {', '.join(principals)}, not for {principal}", principals)
    output = (done.stdout + done.stderr).decode(errors="replace")
    if "incorrect signature" in output or "verification failed" in output.lower():
        return Verification(False, "signature does not match the signed statement or no allowed key made it", principals)
    return Verification(
        False, f"signature not verified: {output.strip().splitlines()[-1] if output.strip() else 'unknown error'}", principals
    )


def split_armored(text: str) -> tuple[str, str]:
    """(statement, signature) from a file holding a statement followed by its armored signature."""
    at = text.find(ARMOR_BEGIN)
    end = text.find(ARMOR_END)
    if at < 0 or end < at:
        raise ValueError("no SSH signature block")
    return text[:at], text[at : end + len(ARMOR_END)] + "\n"
