"""The GO attestation, checked by securesystemslib's DSSE code (not golive's) with real ssh-keygen keys."""

from __future__ import annotations

import base64
import datetime as dt
import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.serialization import load_pem_public_key, load_ssh_public_key
from securesystemslib.dsse import Envelope
from securesystemslib.exceptions import VerificationError
from securesystemslib.signer import SSlibKey

from golive import intoto
from golive.signing import SigningError
from golive.yamlfile import ConfigError

COMMIT = "4f2a9c0d6e1b3a5c7d9e0f1a2b3c4d5e6f708192"
IMAGE_HEX = "a3" * 32
POLICY_HEX = "5e" * 32
RESULT_HEX = "11" * 32
RUNNER_SIG_HEX = "22" * 32
VERIFIED_AT = dt.datetime(2026, 12, 2, 6, 30, 15, tzinfo=dt.UTC)


def ssh_keygen(folder: Path, name: str, *kind: str) -> Path:
    key = folder / name
    subprocess.run(["ssh-keygen", "-q", "-N", "", "-C", name, "-f", str(key), *kind], check=True, capture_output=True)
    return key


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("keys")
    return {
        "ed25519": ssh_keygen(folder, "runner_ed25519", "-t", "ed25519"),
        "ecdsa": ssh_keygen(folder, "runner_ecdsa", "-t", "ecdsa", "-b", "256"),
        "other_ed25519": ssh_keygen(folder, "other_ed25519", "-t", "ed25519"),
        "rsa": ssh_keygen(folder, "runner_rsa", "-t", "rsa", "-b", "2048"),
        "p384": ssh_keygen(folder, "runner_p384", "-t", "ecdsa", "-b", "384"),
    }


def statement() -> dict[str, Any]:
    return intoto.vsa_statement(
        [
            intoto.commit_subject("git+https://git.example/lunia/lunia.git", COMMIT),
            intoto.image_subject("registry.example/lunia/bot:1.4.0", "sha256:" + IMAGE_HEX),
        ],
        verifier_id="https://golive.example/verifier/prod",
        verifier_version="0.1.0",
        time_verified=VERIFIED_AT,
        resource_uri="git+https://git.example/lunia/lunia.git@1.4.0",
        policy_uri="file:///etc/golive/golive.yml",
        policy_sha256=POLICY_HEX,
        input_attestations=[
            ("file:///srv/out/result.json", RESULT_HEX),
            ("file:///srv/out/result.json.runner.sig", RUNNER_SIG_HEX),
        ],
    )


def independent_key(public_key_file: Path) -> SSlibKey:
    """The verifier's key as a deploy step builds it: from the runner's .pub, keyid computed by securesystemslib."""
    return SSlibKey.from_crypto(load_ssh_public_key(public_key_file.read_bytes()))


def verify_independently(envelope: dict[str, Any], key: SSlibKey) -> dict[str, Any]:
    # from_dict rewrites the signature entries it is given, so it gets a copy.
    parsed = Envelope.from_dict(json.loads(json.dumps(envelope)))
    parsed.verify([key], 1)
    assert parsed.payload_type == "application/vnd.in-toto+json"
    loaded: dict[str, Any] = json.loads(parsed.payload)
    return loaded


@pytest.mark.parametrize("kind", ["ed25519", "ecdsa"])
def test_securesystemslib_verifies_the_signed_vsa(keys: dict[str, Path], kind: str) -> None:
    envelope = intoto.sign_envelope(statement(), keys[kind])

    verified = verify_independently(envelope, independent_key(keys[kind].with_suffix(".pub")))

    assert verified == statement()
    assert verified["_type"] == "https://in-toto.io/Statement/v1"
    assert verified["predicateType"] == "https://slsa.dev/verification_summary/v1"
    assert verified["subject"] == [
        {"name": "git+https://git.example/lunia/lunia.git", "digest": {"gitCommit": COMMIT}},
        {"name": "registry.example/lunia/bot:1.4.0", "digest": {"sha256": IMAGE_HEX}},
    ]
    predicate = verified["predicate"]
    assert predicate["verifier"] == {"id": "https://golive.example/verifier/prod", "version": {"golive": "0.1.0"}}
    assert predicate["timeVerified"] == "2026-12-02T06:30:15Z"
    assert predicate["resourceUri"] == "git+https://git.example/lunia/lunia.git@1.4.0"
    assert predicate["policy"] == {"uri": "file:///etc/golive/golive.yml", "digest": {"sha256": POLICY_HEX}}
    assert predicate["inputAttestations"] == [
        {"uri": "file:///srv/out/result.json", "digest": {"sha256": RESULT_HEX}},
        {"uri": "file:///srv/out/result.json.runner.sig", "digest": {"sha256": RUNNER_SIG_HEX}},
    ]
    assert predicate["verificationResult"] == "PASSED"
    assert predicate["verifiedLevels"] == ["GOLIVE_VERIFIED_GO"]


@pytest.mark.parametrize("kind", ["ed25519", "ecdsa"])
def test_public_key_pem_gives_the_verifying_key(keys: dict[str, Path], kind: str) -> None:
    envelope = intoto.sign_envelope(statement(), keys[kind])
    for source in (keys[kind], keys[kind].with_suffix(".pub")):
        key = SSlibKey.from_crypto(load_pem_public_key(intoto.public_key_pem(source).encode()))
        assert verify_independently(envelope, key) == statement()


def flip_a_byte(encoded: str, at: int) -> str:
    raw = bytearray(base64.b64decode(encoded))
    raw[at % len(raw)] ^= 0x01
    return base64.b64encode(bytes(raw)).decode()


@pytest.mark.parametrize("kind", ["ed25519", "ecdsa"])
@pytest.mark.parametrize("at", [0, 57, -1])
def test_a_flipped_payload_byte_is_rejected(keys: dict[str, Path], kind: str, at: int) -> None:
    envelope = intoto.sign_envelope(statement(), keys[kind])
    envelope["payload"] = flip_a_byte(envelope["payload"], at)
    with pytest.raises(VerificationError):
        verify_independently(envelope, independent_key(keys[kind].with_suffix(".pub")))


@pytest.mark.parametrize("kind", ["ed25519", "ecdsa"])
@pytest.mark.parametrize("at", [0, 20, -1])
def test_a_flipped_signature_byte_is_rejected(keys: dict[str, Path], kind: str, at: int) -> None:
    envelope = intoto.sign_envelope(statement(), keys[kind])
    envelope["signatures"][0]["sig"] = flip_a_byte(envelope["signatures"][0]["sig"], at)
    with pytest.raises(VerificationError):
        verify_independently(envelope, independent_key(keys[kind].with_suffix(".pub")))


def test_a_changed_payload_type_is_rejected(keys: dict[str, Path]) -> None:
    envelope = intoto.sign_envelope(statement(), keys["ed25519"])
    envelope["payloadType"] = "application/json"
    with pytest.raises(VerificationError):
        verify_independently(envelope, independent_key(keys["ed25519"].with_suffix(".pub")))


def test_another_key_does_not_verify(keys: dict[str, Path]) -> None:
    envelope = intoto.sign_envelope(statement(), keys["ed25519"])
    other = independent_key(keys["other_ed25519"].with_suffix(".pub"))
    with pytest.raises(VerificationError):
        verify_independently(envelope, other)
    # Even when the envelope names the other key's id, its signature is not the other key's.
    envelope["signatures"][0]["keyid"] = other.keyid
    with pytest.raises(VerificationError):
        verify_independently(envelope, other)


@pytest.mark.parametrize("kind", ["ed25519", "ecdsa"])
def test_keyid_is_the_one_securesystemslib_computes(keys: dict[str, Path], kind: str) -> None:
    envelope = intoto.sign_envelope(statement(), keys[kind])
    assert envelope["signatures"][0]["keyid"] == independent_key(keys[kind].with_suffix(".pub")).keyid


@pytest.mark.parametrize(("kind", "named"), [("rsa", "RSA key"), ("p384", "ECDSA secp384r1 key")])
def test_other_key_types_are_refused(keys: dict[str, Path], kind: str, named: str) -> None:
    with pytest.raises(SigningError, match=named) as refused:
        intoto.sign_envelope(statement(), keys[kind])
    assert "\n" not in str(refused.value)
    with pytest.raises(SigningError, match=named):
        intoto.public_key_pem(keys[kind].with_suffix(".pub"))


def test_a_passphrase_protected_key_is_refused(tmp_path: Path) -> None:
    key = tmp_path / "locked"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "secret", "-f", str(key)], check=True, capture_output=True)
    with pytest.raises(SigningError, match="passphrase-protected"):
        intoto.sign_envelope(statement(), key)


def test_a_missing_or_malformed_key_is_refused(tmp_path: Path, keys: dict[str, Path]) -> None:
    with pytest.raises(SigningError, match="key not found"):
        intoto.sign_envelope(statement(), tmp_path / "absent")
    (tmp_path / "garbage").write_text("not a key\n")
    with pytest.raises(SigningError, match="not an OpenSSH"):
        intoto.sign_envelope(statement(), tmp_path / "garbage")
    with pytest.raises(SigningError, match="not an OpenSSH"):
        intoto.sign_envelope(statement(), keys["ed25519"].with_suffix(".pub"))


def vsa(**changes: Any) -> dict[str, Any]:
    arguments: dict[str, Any] = {
        "subjects": [intoto.commit_subject("git+https://git.example/lunia/lunia.git", COMMIT)],
        "verifier_id": "https://golive.example/verifier/prod",
        "verifier_version": "0.1.0",
        "time_verified": VERIFIED_AT,
        "resource_uri": "git+https://git.example/lunia/lunia.git@1.4.0",
        "policy_uri": "file:///etc/golive/golive.yml",
        "policy_sha256": POLICY_HEX,
        "input_attestations": [("file:///srv/out/result.json", RESULT_HEX)],
    }
    arguments.update(changes)
    subjects = arguments.pop("subjects")
    return intoto.vsa_statement(subjects, **arguments)


def test_empty_subjects_are_refused() -> None:
    with pytest.raises(ValueError, match="at least one subject"):
        vsa(subjects=[])


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"time_verified": dt.datetime(2026, 12, 2, 6, 30)}, "time zone"),
        ({"policy_sha256": "sha256:" + POLICY_HEX}, "policy digest"),
        ({"policy_uri": "golive.yml"}, "policy URI"),
        ({"verifier_id": ""}, "verifier id"),
        ({"input_attestations": [("file:///srv/out/result.json", "abc")]}, "digest of"),
        ({"verified_levels": []}, "at least one level"),
        ({"verified_levels": ["SLSA_GOLIVE_GO"]}, "must not start with SLSA_"),
        ({"verified_levels": ["FAILED"]}, "contradicts"),
        ({"verified_levels": ["SLSA_BUILD_LEVEL_1", "SLSA_BUILD_LEVEL_2"]}, "BUILD track twice"),
    ],
)
def test_malformed_statement_fields_are_refused(change: dict[str, Any], reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        vsa(**change)


def test_a_standard_slsa_level_may_sit_beside_golives() -> None:
    levels = vsa(verified_levels=["SLSA_BUILD_LEVEL_UNEVALUATED", "GOLIVE_VERIFIED_GO"])["predicate"]["verifiedLevels"]
    assert levels == ["SLSA_BUILD_LEVEL_UNEVALUATED", "GOLIVE_VERIFIED_GO"]


def test_time_verified_is_utc_with_z() -> None:
    plus_two = dt.timezone(dt.timedelta(hours=2))
    moment = dt.datetime(2026, 12, 2, 8, 30, 15, 250000, tzinfo=plus_two)
    assert vsa(time_verified=moment)["predicate"]["timeVerified"] == "2026-12-02T06:30:15.25Z"


@pytest.mark.parametrize(
    "digest",
    ["sha256:" + "A3" * 32, "sha256:" + "a3" * 31, "sha512:" + "a3" * 32, "a3" * 32, "sha256:" + "g3" * 32],
)
def test_malformed_image_digests_are_refused(digest: str) -> None:
    with pytest.raises(ValueError, match="image digest"):
        intoto.image_subject("registry.example/lunia/bot:1.4.0", digest)


def test_an_image_reference_pinning_another_digest_is_refused() -> None:
    with pytest.raises(ValueError, match="pins"):
        intoto.image_subject("registry.example/lunia/bot@sha256:" + "b4" * 32, "sha256:" + IMAGE_HEX)
    pinned = intoto.image_subject("registry.example/lunia/bot@sha256:" + IMAGE_HEX, "sha256:" + IMAGE_HEX)
    assert pinned.to_dict() == {"name": "registry.example/lunia/bot", "digest": {"sha256": IMAGE_HEX}}


@pytest.mark.parametrize("commit", ["4f2a9c0", COMMIT.upper(), COMMIT + "0", ""])
def test_malformed_commits_are_refused(commit: str) -> None:
    with pytest.raises(ValueError, match="git commit id"):
        intoto.commit_subject("git+https://git.example/lunia/lunia.git", commit)


def test_write_attestation_writes_one_json_line(tmp_path: Path, keys: dict[str, Path]) -> None:
    envelope = intoto.sign_envelope(statement(), keys["ecdsa"])
    target = tmp_path / "verdict.intoto.jsonl"
    target.write_text("an older attestation\n")

    intoto.write_attestation(target, envelope)

    text = target.read_text()
    assert text.endswith("\n") and text.count("\n") == 1
    assert json.loads(text) == envelope
    assert [entry.name for entry in tmp_path.iterdir()] == ["verdict.intoto.jsonl"]
    assert verify_independently(json.loads(text), independent_key(keys["ecdsa"].with_suffix(".pub"))) == statement()


def test_write_attestation_refuses_a_missing_folder(tmp_path: Path) -> None:
    target = tmp_path / "absent" / "verdict.intoto.jsonl"
    with pytest.raises(ConfigError, match=r"folder .*absent does not exist"):
        intoto.write_attestation(target, {"payload": ""})
    assert not target.parent.exists()


def test_write_attestation_refuses_a_folder_as_target(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="it is a folder"):
        intoto.write_attestation(tmp_path, {"payload": ""})
