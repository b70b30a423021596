"""golive's GO as a DSSE-signed in-toto Statement v1 with an SLSA Verification Summary (VSA v1).

A deploy step that trusts the runner's public key checks the envelope with any DSSE
implementation (securesystemslib, in-toto, sigstore tooling) and reads from the statement
which release commit and image digests golive verified, against which policy (URI and
SHA-256) and from which input files (the result and each signature file, by SHA-256).

The runner's OpenSSH private key signs the DSSE pre-authentication encoding directly
(`cryptography`, no ssh-keygen): an ed25519 key gives the raw 64-byte signature, an ECDSA
P-256 key a DER signature over SHA-256, the two encodings DSSE verifiers expect.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import os
import re
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519

from golive.signing import SigningError
from golive.yamlfile import ConfigError

STATEMENT_TYPE = "https://in-toto.io/Statement/v1"
VSA_PREDICATE_TYPE = "https://slsa.dev/verification_summary/v1"
PAYLOAD_TYPE = "application/vnd.in-toto+json"

# golive judges a release gate, not a SLSA track: claiming SLSA_BUILD_LEVEL_n would state
# something it never checked. VSA v1 requires `verifiedLevels` and allows custom values that
# do not start with "SLSA_"; this one means "golive verified a GO, signed off under the
# verifier's own policy", the value a deploy step agrees to look for (VSA "How to verify").
GOLIVE_VERIFIED_GO = "GOLIVE_VERIFIED_GO"

# The standard SlsaResult values of VSA v1.x; any other "SLSA_" value is forbidden.
_SLSA_LEVEL = re.compile(r"SLSA_(?P<track>[A-Z]+)_LEVEL_(?:[0-9]+|UNEVALUATED)")
_URI_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:\S")
_SHA256_HEX = re.compile(r"[0-9a-f]{64}")
# SHA-1 object names, and SHA-256 ones for repositories in git's sha256 object format.
_GIT_COMMIT = re.compile(r"[0-9a-f]{40}|[0-9a-f]{64}")


@dataclass(frozen=True)
class Subject:
    """One in-toto subject: a name and a DigestSet (algorithm -> lowercase hex)."""

    name: str
    digest: dict[str, str]

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "digest": dict(self.digest)}


def commit_subject(repo_uri: str, commit: str) -> Subject:
    """The release commit as a subject: `{"gitCommit": SHA}`, named by the repository's URI."""
    if not repo_uri.strip():
        raise ValueError("commit subject needs the repository's URI as its name")
    if not _GIT_COMMIT.fullmatch(commit):
        raise ValueError(f"commit {commit!r} is not a full git commit id (40 or 64 lowercase hex digits)")
    return Subject(repo_uri, {"gitCommit": commit})


def image_subject(ref: str, digest: str) -> Subject:
    """An image as a subject: `{"sha256": HEX}` from `sha256:HEX`, named by its reference.

    A reference that pins a digest itself (`REPO@sha256:...`) must pin this one; the
    subject's name is then the reference without it, since the digest set carries it.
    """
    algorithm, _, hex_digest = digest.partition(":")
    if algorithm != "sha256" or not _SHA256_HEX.fullmatch(hex_digest):
        raise ValueError(f"image digest {digest!r} is not sha256: followed by 64 lowercase hex digits")
    name, at, pinned = ref.partition("@")
    if at and pinned != digest:
        raise ValueError(f"image reference {ref!r} pins {pinned!r}, not {digest!r}")
    if not name.strip():
        raise ValueError(f"image reference {ref!r} has no repository name")
    return Subject(name, {"sha256": hex_digest})


def _require_uri(field: str, value: str) -> str:
    if not _URI_SCHEME.match(value):
        raise ValueError(f"{field} {value!r} is not a URI (scheme:...)")
    return value


def _require_sha256(field: str, value: str) -> str:
    if not _SHA256_HEX.fullmatch(value):
        raise ValueError(f"{field} {value!r} is not 64 lowercase hex digits")
    return value


def _checked_levels(levels: Sequence[str]) -> list[str]:
    if not levels:
        raise ValueError("verifiedLevels must name at least one level")
    tracks: set[str] = set()
    for level in levels:
        if level == "FAILED":
            raise ValueError("verifiedLevels FAILED contradicts verificationResult PASSED")
        standard = _SLSA_LEVEL.fullmatch(level)
        if level.startswith("SLSA_") and not standard:
            raise ValueError(f"verifiedLevels {level!r}: custom values must not start with SLSA_")
        if standard:
            if standard["track"] in tracks:
                raise ValueError(f"verifiedLevels names the SLSA {standard['track']} track twice")
            tracks.add(standard["track"])
    if len(set(levels)) != len(levels):
        raise ValueError("verifiedLevels lists a level twice")
    return list(levels)


def rfc3339_utc(moment: dt.datetime) -> str:
    """`moment` in UTC as RFC 3339 with a `Z`, the in-toto Timestamp form; naive times are refused."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("time of verification must carry a time zone")
    utc = moment.astimezone(dt.UTC)
    text = utc.strftime("%Y-%m-%dT%H:%M:%S")
    if utc.microsecond:
        text += f".{utc.microsecond:06d}".rstrip("0")
    return text + "Z"


def vsa_statement(
    subjects: Iterable[Subject],
    *,
    verifier_id: str,
    verifier_version: str,
    time_verified: dt.datetime,
    resource_uri: str,
    policy_uri: str,
    policy_sha256: str,
    input_attestations: Iterable[tuple[str, str]],
    verified_levels: Sequence[str] = (GOLIVE_VERIFIED_GO,),
) -> dict[str, Any]:
    """The in-toto Statement v1 of a PASSED verification (golive emits one for a GO only).

    `input_attestations` are (URI, SHA-256 hex) pairs: the result and every signature file
    verify read. `slsaVersion` is left out: no SLSA track level was evaluated.
    """
    subject_list = list(subjects)
    if not subject_list:
        raise ValueError("an attestation needs at least one subject (the release commit, the images)")
    inputs = [
        {"uri": _require_uri("input attestation URI", uri), "digest": {"sha256": _require_sha256(f"digest of {uri}", sha256)}}
        for uri, sha256 in input_attestations
    ]
    if not verifier_version.strip():
        raise ValueError("verifier version is empty")
    return {
        "_type": STATEMENT_TYPE,
        "subject": [subject.to_dict() for subject in subject_list],
        "predicateType": VSA_PREDICATE_TYPE,
        "predicate": {
            "verifier": {"id": _require_uri("verifier id", verifier_id), "version": {"golive": verifier_version}},
            "timeVerified": rfc3339_utc(time_verified),
            "resourceUri": _require_uri("resource URI", resource_uri),
            "policy": {
                "uri": _require_uri("policy URI", policy_uri),
                "digest": {"sha256": _require_sha256("policy digest", policy_sha256)},
            },
            "inputAttestations": inputs,
            "verificationResult": "PASSED",
            "verifiedLevels": _checked_levels(verified_levels),
        },
    }


def file_uri(path: Path) -> str:
    """A `file://` URI for a local file (policy or input attestation), from its absolute path."""
    return path.resolve().as_uri()


def pae(payload_type: str, payload: bytes) -> bytes:
    """DSSE v1 pre-authentication encoding: the exact bytes that are signed."""
    encoded_type = payload_type.encode()
    return b"DSSEv1 %d %b %d %b" % (len(encoded_type), encoded_type, len(payload), payload)


RunnerKey = ed25519.Ed25519PrivateKey | ec.EllipticCurvePrivateKey
RunnerPublicKey = ed25519.Ed25519PublicKey | ec.EllipticCurvePublicKey


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise SigningError(f"{path}: key not found") from None
    except OSError as exc:
        raise SigningError(f"{path}: cannot read the key: {exc.strerror or exc}") from None


def _unsupported(key: object, path: Path) -> SigningError:
    curve = getattr(key, "curve", None)
    kind = f"ECDSA {curve.name}" if curve is not None else type(key).__name__.removesuffix("PrivateKey").removesuffix("PublicKey")
    return SigningError(f"{path}: {kind} key cannot sign the attestation; use an ed25519 or ECDSA P-256 runner key")


def load_runner_key(path: Path) -> RunnerKey:
    """The unencrypted OpenSSH (or PEM) private key at `path`; SigningError in one line otherwise."""
    content = _read(path)
    try:
        if b"-----BEGIN OPENSSH PRIVATE KEY-----" in content:
            key: object = serialization.load_ssh_private_key(content, password=None)
        else:
            key = serialization.load_pem_private_key(content, password=None)
    except TypeError:
        # cryptography raises TypeError for a passphrase-protected key given no password.
        raise SigningError(f"{path}: the key is passphrase-protected; the attestation needs an unencrypted runner key") from None
    except (ValueError, UnsupportedAlgorithm):
        raise SigningError(f"{path}: not an OpenSSH (or PEM) private key") from None
    if isinstance(key, ed25519.Ed25519PrivateKey):
        return key
    if isinstance(key, ec.EllipticCurvePrivateKey) and isinstance(key.curve, ec.SECP256R1):
        return key
    raise _unsupported(key, path)


def _load_public(path: Path) -> RunnerPublicKey:
    content = _read(path)
    if not content.startswith((b"ssh-", b"ecdsa-")):
        return load_runner_key(path).public_key()
    try:
        key: object = serialization.load_ssh_public_key(content.split(b"\n", 1)[0].strip())
    except (ValueError, UnsupportedAlgorithm):
        raise SigningError(f"{path}: not an OpenSSH public key line") from None
    if isinstance(key, ed25519.Ed25519PublicKey):
        return key
    if isinstance(key, ec.EllipticCurvePublicKey) and isinstance(key.curve, ec.SECP256R1):
        return key
    raise _unsupported(key, path)


def public_key_pem(key_path: Path) -> str:
    """The runner key's public half as PEM SubjectPublicKeyInfo, from the private key or KEY.pub."""
    public = _load_public(key_path)
    return public.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()


def _canonical_json_string(text: str) -> str:
    # securesystemslib's canonical JSON escapes only backslash and quote (a PEM keeps its
    # newlines), so json.dumps would give other bytes and another keyid.
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def keyid(public: RunnerPublicKey) -> str:
    """The keyid securesystemslib's SSlibKey.from_crypto computes for this key by default.

    SHA-256 of the canonical JSON of {keytype, keyval: {public}, scheme}, so a verifier that
    builds its key from the runner's public key alone matches the envelope's signature.
    """
    if isinstance(public, ed25519.Ed25519PublicKey):
        keytype = scheme = "ed25519"
        value = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw).hex()
    else:
        keytype, scheme = "ecdsa", "ecdsa-sha2-nistp256"
        value = public.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    canonical = (
        '{"keytype":'
        + _canonical_json_string(keytype)
        + ',"keyval":{"public":'
        + _canonical_json_string(value)
        + '},"scheme":'
        + _canonical_json_string(scheme)
        + "}"
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def sign_envelope(statement: dict[str, Any], key_path: Path) -> dict[str, Any]:
    """The DSSE envelope of `statement`, signed with the runner's private key at `key_path`."""
    key = load_runner_key(key_path)
    payload = json.dumps(statement, separators=(",", ":"), ensure_ascii=False).encode()
    signed = pae(PAYLOAD_TYPE, payload)
    # ECDSA's sign() returns the DER encoding, which DSSE verifiers of ECDSA keys expect.
    signature = key.sign(signed) if isinstance(key, ed25519.Ed25519PrivateKey) else key.sign(signed, ec.ECDSA(hashes.SHA256()))
    return {
        "payloadType": PAYLOAD_TYPE,
        "payload": base64.b64encode(payload).decode(),
        "signatures": [{"keyid": keyid(key.public_key()), "sig": base64.b64encode(signature).decode()}],
    }


def write_attestation(path: Path, envelope: dict[str, Any]) -> None:
    """Write `envelope` as one JSON line to `path`, atomically: a reader sees the old file or the whole new one."""
    folder = path.parent
    if not folder.is_dir():
        raise ConfigError(f"{path}: cannot write the attestation: folder {folder} does not exist")
    if path.is_dir():
        raise ConfigError(f"{path}: cannot write the attestation: it is a folder")
    line = json.dumps(envelope, separators=(",", ":")) + "\n"
    try:
        handle, temporary = tempfile.mkstemp(prefix=".golive-intoto-", dir=folder)
    except OSError as exc:
        raise ConfigError(f"{path}: cannot write the attestation: {exc.strerror or exc}") from None
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(line)
        os.replace(temporary, path)
    except BaseException as exc:
        Path(temporary).unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise ConfigError(f"{path}: cannot write the attestation: {exc.strerror or exc}") from None
        raise
