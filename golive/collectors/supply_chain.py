"""Release images: the manifest's name + digest, each digest's cosign signature verified
offline against the configured public key, and the SBOMs published for it.

Layout (all paths relative to golive.yml):

    sources:
      supply_chain:
        manifest: release/images.json     # {"images": [{"name": REPO[:TAG], "digest": "sha256:..."}]} (JSON or YAML)
        public_key: keys/cosign.pub       # PEM, as written by `cosign generate-key-pair`
        signatures: release/signatures    # sha256-<hex>.sig (base64) + sha256-<hex>.payload.json (exact signed bytes)
        sboms: release/sbom               # sha256-<hex>.spdx.json and/or sha256-<hex>.cdx.json

The file names follow cosign's own `sha256-<hex>.sig` tag convention, so one digest
published under two names shares its signature and SBOM files.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, ClassVar, TypedDict

from golive.collectors import CollectContext, Collector, Evidence, register
from golive.supply_chain import ReportError, load_json, read_bounded
from golive.supply_chain.cosign import PublicKeyError, load_public_key, parse_payload, verify_signature
from golive.supply_chain.sbom import inspect
from golive.yamlfile import ConfigError, parse

DIGEST = re.compile(r"sha256:[0-9a-f]{64}")
SBOM_SUFFIXES = (".spdx.json", ".cdx.json")
REQUIRED = ("manifest", "public_key", "signatures", "sboms")


class SignedClaims(TypedDict):
    """What the signed payload claims (golive.supply_chain.cosign.Payload); None where it says nothing."""

    docker_reference: str | None
    digest: str | None
    type: str | None


class SignatureFacts(TypedDict):
    file: str
    payload_file: str
    # The signature verified against the public key (its payload may still be unreadable).
    verified: bool
    problem: str | None
    payload: SignedClaims | None


class SbomFacts(TypedDict):
    file: str
    format: str
    version: str
    problems: list[str]
    subject_digests: list[str]
    subject: str
    packages: int


class _ImageAlways(TypedDict):
    name: str
    digest: str


class Image(_ImageAlways, total=False):
    """A manifest image; the collector adds its signature and SBOM facts."""

    signature: SignatureFacts
    sboms: list[SbomFacts]


class SupplyChainData(TypedDict):
    """The supply_chain source's evidence data."""

    manifest: str
    public_key: str
    signatures: str
    sboms: str
    images: list[Image]


@register
class SupplyChainCollector(Collector):
    source = "supply_chain"
    settings_keys: ClassVar[set[str]] = set(REQUIRED)
    default_timeout = 60.0

    def collect(self, ctx: CollectContext) -> Evidence:
        missing = [key for key in REQUIRED if not ctx.settings.get(key)]
        if len(missing) == len(REQUIRED):
            return Evidence.unavailable(self.source, "sources.supply_chain (manifest, public_key, signatures, sboms) not configured")
        if missing:
            return Evidence.unavailable(self.source, f"sources.supply_chain.{', '.join(missing)} not configured")
        paths = {key: ctx.config.resolve(str(ctx.settings[key])) for key in REQUIRED}
        try:
            images = read_manifest(paths["manifest"])
            key_path = paths["public_key"]
            try:
                key = load_public_key(read_bounded(key_path))
            except PublicKeyError as exc:
                raise ReportError(f"{key_path}: {exc}") from None
        except ReportError as exc:
            return Evidence(self.source, error=str(exc))
        for image in images:
            stem = image["digest"].replace(":", "-")
            image["signature"] = signature_facts(key, paths["signatures"], stem)
            image["sboms"] = [
                sbom_facts(paths["sboms"] / (stem + suffix)) for suffix in SBOM_SUFFIXES if (paths["sboms"] / (stem + suffix)).exists()
            ]
        data: SupplyChainData = {
            "manifest": str(paths["manifest"]),
            "public_key": str(paths["public_key"]),
            "signatures": str(paths["signatures"]),
            "sboms": str(paths["sboms"]),
            "images": images,
        }
        return Evidence(self.source, data=dict(data), files=[ctx.write_evidence("supply_chain", data)])


def read_manifest(path: Path) -> list[Image]:
    """The images of the release manifest; ReportError naming the file when it is not one."""
    content = read_bounded(path)
    if path.suffix == ".json":
        data = load_json(path, content)
    else:
        try:
            data = parse(content.decode("utf-8"), path).data
        except UnicodeDecodeError as exc:
            raise ReportError(f"{path}: not YAML: {exc}") from None
        except ConfigError as exc:
            raise ReportError(f"not YAML: {exc}") from None
    raw = data.get("images") if isinstance(data, dict) else data
    if not isinstance(raw, list):
        raise ReportError(f"{path}: a release manifest is a list of images (or a mapping with an 'images' list)")
    images: list[Image] = []
    for index, entry in enumerate(raw):
        name = entry.get("name") if isinstance(entry, dict) else None
        digest = entry.get("digest") if isinstance(entry, dict) else None
        if not isinstance(name, str) or not name.strip():
            raise ReportError(f"{path}: images[{index}] has no name")
        if not isinstance(digest, str) or not DIGEST.fullmatch(digest):
            raise ReportError(f"{path}: images[{index}] ({name}) digest {digest!r} is not sha256:<64 hex>")
        images.append({"name": name.strip(), "digest": digest})
    return images


def signature_facts(key: Any, folder: Path, stem: str) -> SignatureFacts:
    sig_path = folder / f"{stem}.sig"
    payload_path = folder / f"{stem}.payload.json"
    facts: SignatureFacts = {"file": str(sig_path), "payload_file": str(payload_path), "verified": False, "problem": None, "payload": None}
    if not sig_path.is_file() or not payload_path.is_file():
        absent = [p.name for p in (sig_path, payload_path) if not p.is_file()]
        facts["problem"] = f"no signature: {', '.join(absent)} not found in {folder}"
        return facts
    try:
        signature = read_bounded(sig_path, 64 * 1024)
        payload = read_bounded(payload_path, 1024 * 1024)
    except ReportError as exc:
        facts["problem"] = str(exc)
        return facts
    problem = verify_signature(key, payload, signature)
    if problem:
        facts["problem"] = f"{sig_path.name}: {problem}"
        return facts
    facts["verified"] = True
    try:
        claims = parse_payload(payload)
    except ValueError as exc:
        facts["problem"] = f"{payload_path.name}: {exc}"
        return facts
    facts["payload"] = {"docker_reference": claims.docker_reference, "digest": claims.digest, "type": claims.type}
    return facts


def sbom_facts(path: Path) -> SbomFacts:
    try:
        document = load_json(path, read_bounded(path))
    except ReportError as exc:
        return {
            "file": str(path),
            "format": "unknown",
            "version": "",
            "problems": [str(exc)],
            "subject_digests": [],
            "subject": "",
            "packages": 0,
        }
    info = inspect(document)
    return {
        "file": str(path),
        "format": info.format,
        "version": info.version,
        "problems": [f"{path.name}: {problem}" for problem in info.problems],
        "subject_digests": info.subject_digests,
        "subject": info.subject,
        "packages": info.packages,
    }
