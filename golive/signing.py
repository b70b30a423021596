"""SSH signatures (`ssh-keygen -Y`, namespace `golive`) over small canonical statements.

Sign-offs and attestations both sign a statement: a header line and `key: value`
lines in a fixed order. The statement travels beside the signature in clear text, so a
reader sees what was signed, and a verifier rebuilds the exact bytes from the fields.
Principals in the allowed_signers file are role names (`release-manager`,
`on-call-sre`, ...): a key may sign for a role only if its line lists that role.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import shlex
import shutil
import stat
import subprocess
import tempfile
from dataclasses import dataclass, field
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


def _regular_or_missing(path: Path, what: str) -> bool:
    """Whether `path` exists; a FIFO, device or directory there is refused before anything opens it
    (ssh-keygen reading a FIFO would block the command)."""
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        return False
    except OSError as exc:
        raise SigningError(f"{path}: cannot read the {what}: {exc.strerror}") from None
    if not stat.S_ISREG(mode):
        raise SigningError(f"{path}: the {what} is not a regular file")
    return True


def sign(text: str, key: Path) -> str:
    """The armored SSH signature of `text` made with private key `key` (or its agent-held twin)."""
    if not _regular_or_missing(key, "key"):
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
    # SHA256:... of the key that made a valid signature, and that key's allowed_signers comment.
    fingerprint: str = ""
    comment: str = ""


_KEY_TYPES = re.compile(
    r"^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(256|384|521)|sk-ssh-ed25519@openssh\.com|sk-ecdsa-sha2-nistp256@openssh\.com)$"
)
_GOOD = re.compile(r"with \S+ key (SHA256:[A-Za-z0-9+/]+)")
_WILDCARD = re.compile(r"[*?!]")


def fingerprint(blob_base64: str) -> str:
    """OpenSSH's SHA256 fingerprint of a base64 public key blob."""
    try:
        blob = base64.b64decode(blob_base64, validate=True)
    except (binascii.Error, ValueError):
        return ""
    return "SHA256:" + base64.b64encode(hashlib.sha256(blob).digest()).decode().rstrip("=")


@dataclass
class SignerLine:
    line: int
    principals: list[str]
    fingerprint: str
    comment: str
    text: str

    @property
    def wildcard(self) -> bool:
        return any(_WILDCARD.search(principal) for principal in self.principals)


@dataclass
class Signers:
    """An allowed_signers file as golive reads it for roles: wildcard lines are refused."""

    path: Path
    lines: list[SignerLine] = field(default_factory=list)

    @property
    def refused(self) -> list[str]:
        return [
            f"{self.path}:{entry.line}: principals '{','.join(entry.principals)}' contain a wildcard; refused for roles"
            for entry in self.lines
            if entry.wildcard
        ]

    def for_roles_text(self) -> str:
        return "".join(entry.text + "\n" for entry in self.lines if not entry.wildcard)

    def comment_of(self, key_fingerprint: str) -> str:
        return next((entry.comment for entry in self.lines if entry.fingerprint == key_fingerprint and not entry.wildcard), "")

    def allows(self, key_fingerprint: str, principal: str) -> bool:
        return any(entry.fingerprint == key_fingerprint and principal in entry.principals for entry in self.lines if not entry.wildcard)


def read_signers(path: Path) -> Signers:
    """Parse allowed_signers (principals [options] keytype key [comment]); unreadable -> SigningError."""
    if not _regular_or_missing(path, "allowed signers file"):
        raise SigningError(f"{path}: allowed signers file not found")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SigningError(f"{path}: cannot read the allowed signers file: {exc}") from None
    signers = Signers(path)
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        try:
            tokens = shlex.split(line, comments=False, posix=True)
        except ValueError:
            tokens = line.split()
        at = next((index for index, token in enumerate(tokens) if _KEY_TYPES.match(token)), None)
        if at is None or at + 1 >= len(tokens):
            continue
        principals = [name for name in tokens[0].split(",") if name]
        signers.lines.append(SignerLine(number, principals, fingerprint(tokens[at + 1]), " ".join(tokens[at + 2 :]), line))
    return signers


def public_key_fingerprint(key: Path) -> str:
    """Fingerprint of private key `key` (from KEY.pub, else derived with ssh-keygen -y)."""
    public = key.with_name(key.name + ".pub")
    try:
        text = public.read_text(encoding="utf-8") if _regular_or_missing(public, "public key") else ""
    except (OSError, UnicodeDecodeError):
        text = ""
    if not text:
        if not _regular_or_missing(key, "key"):
            raise SigningError(f"{key}: key not found")
        done = subprocess.run([_ssh_keygen(), "-y", "-f", str(key)], capture_output=True, timeout=60, stdin=subprocess.DEVNULL)
        if done.returncode != 0:
            raise SigningError(f"{key}: cannot read the public half of the key")
        text = done.stdout.decode(errors="replace")
    parts = text.split()
    value = fingerprint(parts[1]) if len(parts) >= 2 else ""
    if not value:
        raise SigningError(f"{public if public.is_file() else key}: not an OpenSSH public key")
    return value


def verify(text: str, signature: str, allowed_signers: Path, principal: str) -> Verification:
    """Whether `signature` over `text` was made by a key allowed_signers lists for `principal`.

    Lines whose principals hold a wildcard never vouch for anyone: a `*` line would let one
    key speak for every role."""
    signers = read_signers(allowed_signers)
    with tempfile.TemporaryDirectory(prefix="golive-sig-") as folder:
        sig_file = Path(folder) / "statement.sig"
        sig_file.write_text(signature)
        filtered = Path(folder) / "allowed_signers"
        filtered.write_text(signers.for_roles_text())
        done = subprocess.run(
            [_ssh_keygen(), "-Y", "verify", "-f", str(filtered), "-I", principal, "-n", NAMESPACE, "-s", str(sig_file)],
            input=text.encode(),
            capture_output=True,
            timeout=60,
        )
        found = subprocess.run(
            [_ssh_keygen(), "-Y", "find-principals", "-f", str(filtered), "-s", str(sig_file)],
            capture_output=True,
            timeout=60,
        )
    principals = found.stdout.decode().split() if found.returncode == 0 else []
    if done.returncode == 0:
        good = _GOOD.search((done.stdout + done.stderr).decode(errors="replace"))
        key_fingerprint = good.group(1) if good else ""
        return Verification(True, f"good signature for {principal}", principals, key_fingerprint, signers.comment_of(key_fingerprint))
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
