"""Offline verification of cosign key-pair signatures over the "simple signing" payload.

`cosign sign --key cosign.key` signs the exact bytes of a JSON payload
`{"critical": {"identity": {"docker-reference": REPO}, "image": {"docker-manifest-digest":
DIGEST}, "type": "cosign container image signature"}, "optional": ...}` with ECDSA and
stores the base64 DER signature. Verifying needs those exact bytes, the signature and
the public key (`cosign.pub`, a PEM SubjectPublicKeyInfo); nothing is re-serialised.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

PAYLOAD_TYPE = "cosign container image signature"

# sigstore pairs each ECDSA curve with this hash (cosign's own keys are P-256 / SHA-256).
_CURVE_HASHES: dict[str, type[hashes.HashAlgorithm]] = {
    "secp256r1": hashes.SHA256,
    "secp384r1": hashes.SHA384,
    "secp521r1": hashes.SHA512,
}


class PublicKeyError(Exception):
    """The public key cannot be used."""


def load_public_key(pem: bytes) -> ec.EllipticCurvePublicKey:
    try:
        key = serialization.load_pem_public_key(pem)
    except (ValueError, TypeError) as exc:
        raise PublicKeyError(f"not a PEM public key: {exc}") from None
    if not isinstance(key, ec.EllipticCurvePublicKey) or key.curve.name not in _CURVE_HASHES:
        raise PublicKeyError(f"unsupported key type {type(key).__name__}: cosign key pairs are ECDSA P-256 (or P-384/P-521)")
    return key


def verify_signature(key: ec.EllipticCurvePublicKey, payload: bytes, signature_b64: bytes) -> str | None:
    """None when `signature_b64` is a valid signature of `payload` by `key`, else why not."""
    try:
        signature = base64.b64decode(b"".join(signature_b64.split()), validate=True)
    except (binascii.Error, ValueError):
        return "signature file is not base64"
    if not signature:
        return "signature file is empty"
    try:
        key.verify(signature, payload, ec.ECDSA(_CURVE_HASHES[key.curve.name]()))
    except InvalidSignature:
        return "signature does not verify against the public key (other key, or the payload was changed)"
    return None


@dataclass
class Payload:
    docker_reference: str | None
    digest: str | None
    type: str | None


def parse_payload(payload: bytes) -> Payload:
    """The claims of a simple-signing payload; ValueError when it is not one."""
    try:
        data: Any = json.loads(payload.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise ValueError(f"payload is not JSON: {exc}") from None
    critical = data.get("critical") if isinstance(data, dict) else None
    if not isinstance(critical, dict):
        raise ValueError("payload has no 'critical' object")
    identity = critical.get("identity")
    image = critical.get("image")
    reference = identity.get("docker-reference") if isinstance(identity, dict) else None
    digest = image.get("docker-manifest-digest") if isinstance(image, dict) else None
    kind = critical.get("type")
    return Payload(
        reference if isinstance(reference, str) else None,
        digest if isinstance(digest, str) else None,
        kind if isinstance(kind, str) else None,
    )


def repository(name: str) -> str:
    """`name` without its tag or digest: what cosign writes as docker-reference."""
    name = name.split("@", 1)[0]
    last = name.rsplit("/", 1)[-1]
    if ":" in last:
        name = name[: len(name) - len(last)] + last.split(":", 1)[0]
    return name
