"""infra.images on hand-made evidence: cosign simple-signing verification, SBOM validation, the manifest."""

from __future__ import annotations

import base64
import contextlib
import json
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from hypothesis import given, settings
from hypothesis import strategies as st

from golive.model import Status
from golive.supply_chain.cosign import PAYLOAD_TYPE, PublicKeyError, load_public_key, parse_payload, repository, verify_signature
from golive.supply_chain.sbom import inspect
from tests.conftest import write
from tests.unit.test_security import collect, configure, judge

DIGEST = "sha256:" + "5f95ef1d87cc2796f8ec5c7c0c801d93f38be7650fbace77db1a7885d0e6b01c"
OTHER = "sha256:" + "0" * 64
NAME = "registry.lunia.example/lunia/app"


def simple_signing_payload(reference: str, digest: str) -> bytes:
    """The payload `cosign sign` signs, byte for byte in its field order."""
    return json.dumps(
        {
            "critical": {"identity": {"docker-reference": reference}, "image": {"docker-manifest-digest": digest}, "type": PAYLOAD_TYPE},
            "optional": None,
        },
        separators=(",", ":"),
    ).encode()


def sign(key: ec.EllipticCurvePrivateKey, payload: bytes) -> bytes:
    """cosign's signature file: base64 of the DER ECDSA signature over SHA-256 of the payload."""
    return base64.b64encode(key.sign(payload, ec.ECDSA(hashes.SHA256())))


def public_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


def spdx_sbom(subject: str, digest: str) -> dict[str, Any]:
    return {
        "spdxVersion": "SPDX-2.3",
        "dataLicense": "CC0-1.0",
        "SPDXID": "SPDXRef-DOCUMENT",
        "name": subject,
        "documentNamespace": f"https://anchore.com/syft/image/{subject}-1",
        "creationInfo": {"created": "2026-11-28T10:00:00Z", "creators": ["Tool: syft-1.18.1"]},
        "packages": [
            {"name": subject, "SPDXID": "SPDXRef-DocumentRoot-Image", "versionInfo": digest, "downloadLocation": "NOASSERTION"},
            {"name": "openssl", "SPDXID": "SPDXRef-Package-openssl", "versionInfo": "3.0.15", "downloadLocation": "NOASSERTION"},
        ],
        "relationships": [
            {"spdxElementId": "SPDXRef-DOCUMENT", "relatedSpdxElement": "SPDXRef-DocumentRoot-Image", "relationshipType": "DESCRIBES"}
        ],
    }


def cyclonedx_sbom(subject: str, digest: str, spec: str = "1.6") -> dict[str, Any]:
    return {
        "bomFormat": "CycloneDX",
        "specVersion": spec,
        "version": 1,
        "metadata": {"component": {"bom-ref": "1", "type": "container", "name": subject, "version": digest}},
        "components": [{"type": "library", "name": "openssl", "version": "3.0.15"}],
    }


@pytest.fixture(scope="module")
def key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def publish(root: Path, key: ec.EllipticCurvePrivateKey, images: list[dict[str, str]], payloads: dict[str, bytes] | None = None) -> None:
    write(root / "release" / "images.yml", json.dumps({"images": images}))
    (root / "keys").mkdir(exist_ok=True)
    (root / "keys" / "cosign.pub").write_bytes(public_pem(key))
    for image in images:
        stem = image["digest"].replace(":", "-")
        payload = (payloads or {}).get(image["digest"]) or simple_signing_payload(repository(image["name"]), image["digest"])
        write(root / "sig" / f"{stem}.payload.json", "").write_bytes(payload)
        write(root / "sig" / f"{stem}.sig", "").write_bytes(sign(key, payload))
        write(root / "sbom" / f"{stem}.spdx.json", json.dumps(spdx_sbom(image["name"], image["digest"])))


SOURCES = "sources:\n  supply_chain: {manifest: release/images.yml, public_key: keys/cosign.pub, signatures: sig, sboms: sbom}\n"


def images_outcome(root: Path) -> Any:
    config = configure(root, SOURCES)
    return judge(config, "infra.images", collect(config, "supply_chain"))


def test_signed_image_with_its_sbom_passes(tmp_path: Path, key: ec.EllipticCurvePrivateKey) -> None:
    publish(tmp_path, key, [{"name": f"{NAME}:1.4.0", "digest": DIGEST}])
    outcome = images_outcome(tmp_path)
    assert outcome.status is Status.PASS, outcome.summary
    assert "spdx SPDX-2.3" in outcome.summary


def test_signature_by_another_key_fails_naming_the_image(tmp_path: Path, key: ec.EllipticCurvePrivateKey) -> None:
    publish(tmp_path, key, [{"name": NAME, "digest": DIGEST}])
    (tmp_path / "keys" / "cosign.pub").write_bytes(public_pem(ec.generate_private_key(ec.SECP256R1())))
    outcome = images_outcome(tmp_path)
    assert outcome.status is Status.FAIL
    assert [finding.key for finding in outcome.findings] == [f"image:{NAME}@{DIGEST}"]
    assert "does not verify" in outcome.summary


def test_valid_signature_of_another_digest_fails(tmp_path: Path, key: ec.EllipticCurvePrivateKey) -> None:
    publish(tmp_path, key, [{"name": NAME, "digest": DIGEST}], {DIGEST: simple_signing_payload(NAME, OTHER)})
    outcome = images_outcome(tmp_path)
    assert outcome.status is Status.FAIL
    assert f"signature is for {OTHER}, not this digest" in outcome.summary


def test_valid_signature_for_another_repository_fails(tmp_path: Path, key: ec.EllipticCurvePrivateKey) -> None:
    publish(tmp_path, key, [{"name": NAME, "digest": DIGEST}], {DIGEST: simple_signing_payload("registry.lunia.example/evil", DIGEST)})
    outcome = images_outcome(tmp_path)
    assert outcome.status is Status.FAIL
    assert "docker-reference is 'registry.lunia.example/evil'" in outcome.summary


def test_missing_signature_and_missing_sbom_each_fail(tmp_path: Path, key: ec.EllipticCurvePrivateKey) -> None:
    publish(tmp_path, key, [{"name": NAME, "digest": DIGEST}])
    stem = DIGEST.replace(":", "-")
    (tmp_path / "sig" / f"{stem}.sig").unlink()
    (tmp_path / "sbom" / f"{stem}.spdx.json").unlink()
    outcome = images_outcome(tmp_path)
    assert outcome.status is Status.FAIL
    assert f"{stem}.sig not found" in outcome.summary and "no SBOM published" in outcome.summary


def test_only_the_broken_image_of_two_is_a_finding(tmp_path: Path, key: ec.EllipticCurvePrivateKey) -> None:
    publish(tmp_path, key, [{"name": NAME, "digest": DIGEST}, {"name": f"{NAME}-web", "digest": OTHER}])
    write(tmp_path / "sbom" / f"{OTHER.replace(':', '-')}.spdx.json", json.dumps(spdx_sbom(NAME, DIGEST)))
    outcome = images_outcome(tmp_path)
    assert [finding.key for finding in outcome.findings] == [f"image:{NAME}-web@{OTHER}"]
    assert "describes" in outcome.findings[0].detail


def test_sbom_format_not_accepted_by_the_item_fails(tmp_path: Path, key: ec.EllipticCurvePrivateKey) -> None:
    publish(tmp_path, key, [{"name": NAME, "digest": DIGEST}])
    config = configure(tmp_path, SOURCES)
    outcome = judge(config, "infra.images", collect(config, "supply_chain"), sbom_formats=["cyclonedx"])
    assert outcome.status is Status.FAIL
    assert "is spdx, accepted: cyclonedx" in outcome.summary


@pytest.mark.parametrize(
    ("manifest", "expected"),
    [
        ("images: [{name: app, digest: 'sha256:abc'}]", "digest 'sha256:abc' is not sha256:<64 hex>"),
        ("images: [{digest: 'sha256:abc'}]", "images[0] has no name"),
        ("{images: ", "not YAML"),
        ("just text", "a release manifest is a list"),
    ],
)
def test_malformed_manifest_is_an_error_naming_it(tmp_path: Path, key: ec.EllipticCurvePrivateKey, manifest: str, expected: str) -> None:
    publish(tmp_path, key, [])
    write(tmp_path / "release" / "images.yml", manifest)
    config = configure(tmp_path, SOURCES)
    evidence = collect(config, "supply_chain")
    assert evidence.error and "images.yml" in evidence.error and expected in evidence.error


def test_empty_manifest_is_insufficient(tmp_path: Path, key: ec.EllipticCurvePrivateKey) -> None:
    publish(tmp_path, key, [])
    assert images_outcome(tmp_path).status is Status.INSUFFICIENT


def test_unusable_public_key_is_an_error_naming_it(tmp_path: Path, key: ec.EllipticCurvePrivateKey) -> None:
    publish(tmp_path, key, [{"name": NAME, "digest": DIGEST}])
    (tmp_path / "keys" / "cosign.pub").write_text("-----BEGIN PUBLIC KEY-----\nnot a key\n-----END PUBLIC KEY-----\n")
    evidence = collect(configure(tmp_path, SOURCES), "supply_chain")
    assert evidence.error and "cosign.pub: not a PEM public key" in evidence.error


def test_partial_configuration_names_what_is_missing(tmp_path: Path) -> None:
    evidence = collect(configure(tmp_path, "sources:\n  supply_chain: {manifest: m.yml}\n"), "supply_chain")
    assert evidence.missing == "sources.supply_chain.public_key, signatures, sboms not configured"


# ------------------------------------------------------------------------------ cosign


def test_signature_verifies_only_over_the_exact_payload_bytes(key: ec.EllipticCurvePrivateKey) -> None:
    payload = simple_signing_payload(NAME, DIGEST)
    signature = sign(key, payload)
    public = load_public_key(public_pem(key))
    assert verify_signature(public, payload, signature) is None
    # Same JSON, other whitespace: a different message, so not a valid signature.
    respaced = json.dumps(json.loads(payload)).encode()
    assert verify_signature(public, respaced, signature) is not None
    assert verify_signature(public, payload, b"!!notbase64") == "signature file is not base64"
    assert verify_signature(public, payload, b"") == "signature file is empty"


def test_rsa_public_key_is_refused() -> None:
    rsa_pem = (
        rsa.generate_private_key(65537, 2048)
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    with pytest.raises(PublicKeyError, match="unsupported key type"):
        load_public_key(rsa_pem)


def test_payload_claims_are_read_and_non_payloads_rejected() -> None:
    claims = parse_payload(simple_signing_payload(NAME, DIGEST))
    assert (claims.docker_reference, claims.digest, claims.type) == (NAME, DIGEST, PAYLOAD_TYPE)
    with pytest.raises(ValueError, match="no 'critical' object"):
        parse_payload(b"[1, 2]")


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("registry.lunia.example/lunia/app:1.4.0", "registry.lunia.example/lunia/app"),
        ("localhost:5000/app", "localhost:5000/app"),
        ("localhost:5000/app:v1@sha256:" + "a" * 64, "localhost:5000/app"),
        ("app", "app"),
    ],
)
def test_repository_drops_tag_and_digest_but_keeps_the_registry_port(name: str, expected: str) -> None:
    assert repository(name) == expected


# ------------------------------------------------------------------------------ SBOM


def test_spdx_and_cyclonedx_sboms_name_their_subject_digest() -> None:
    spdx = inspect(spdx_sbom("app", DIGEST))
    cdx = inspect(cyclonedx_sbom("app", DIGEST))
    assert spdx.valid and cdx.valid
    assert spdx.subject_digests == [DIGEST] and cdx.subject_digests == [DIGEST]


@pytest.mark.parametrize(
    ("document", "problem"),
    [
        ({**spdx_sbom("app", DIGEST), "spdxVersion": "SPDX-2.2"}, "is not SPDX-2.3"),
        ({**spdx_sbom("app", DIGEST), "relationships": []}, "no package is DESCRIBED"),
        ({**spdx_sbom("app", DIGEST), "creationInfo": {"created": "x", "creators": []}}, "creators is empty"),
        (cyclonedx_sbom("app", DIGEST, "1.3"), "not CycloneDX 1.4 or later"),
        ({**cyclonedx_sbom("app", DIGEST), "metadata": {}}, "metadata.component"),
        ({**cyclonedx_sbom("app", DIGEST), "version": "1"}, "version must be an integer"),
        ({"hello": "world"}, "neither SPDX"),
    ],
)
def test_structurally_invalid_sboms_are_rejected_with_the_reason(document: dict[str, Any], problem: str) -> None:
    info = inspect(document)
    assert not info.valid
    assert any(problem in text for text in info.problems), info.problems


def test_digest_of_an_inner_package_does_not_count_as_the_subject() -> None:
    document = spdx_sbom("app", OTHER)
    document["packages"][1]["versionInfo"] = DIGEST
    assert DIGEST not in inspect(document).subject_digests


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=10),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                [
                    "spdxVersion",
                    "packages",
                    "SPDXID",
                    "relationships",
                    "bomFormat",
                    "specVersion",
                    "metadata",
                    "component",
                    "version",
                    "hashes",
                ]
            )
            | st.text(max_size=6),
            children,
            max_size=5,
        )
    ),
    max_leaves=25,
)


@settings(max_examples=400, deadline=None)
@given(json_values)
def test_sbom_inspection_never_crashes(document: object) -> None:
    info = inspect(document)
    assert info.valid or info.problems


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=300))
def test_payload_parser_raises_only_value_error(payload: bytes) -> None:
    with contextlib.suppress(ValueError):
        parse_payload(payload)


def test_an_sbom_listing_no_package_does_not_count(tmp_path: Path, key: ec.EllipticCurvePrivateKey) -> None:
    publish(tmp_path, key, [{"name": NAME, "digest": DIGEST}])
    stem = DIGEST.replace(":", "-")
    (tmp_path / "sbom" / f"{stem}.spdx.json").unlink()
    empty = {**cyclonedx_sbom(NAME, DIGEST), "components": []}
    write(tmp_path / "sbom" / f"{stem}.cdx.json", json.dumps(empty))
    outcome = images_outcome(tmp_path)
    assert outcome.status is Status.FAIL and "lists no package" in outcome.summary
