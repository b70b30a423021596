"""Structural validation of SPDX 2.3 and CycloneDX 1.4+ JSON SBOMs, and the image digest
they describe.

Validation is hand-written against the specifications' required fields rather than
done with spdx-tools or cyclonedx-python-lib: those load their full models and schemas
for every document, while the gate needs only "is this a well-formed SBOM of the
supported version, and which image does it describe".
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

SPDX_VERSIONS = ("SPDX-2.3",)
CYCLONEDX_MIN = (1, 4)
_DIGEST = re.compile(r"sha256:[0-9a-f]{64}")
_SPDX_DIGEST_IN_PURL = re.compile(r"@sha256(?::|%3[aA])([0-9a-f]{64})")


@dataclass
class SbomInfo:
    format: str = "unknown"
    version: str = ""
    problems: list[str] = field(default_factory=list)
    # Digests of the SBOM's subject (what it DESCRIBES), not of every package inside.
    subject_digests: list[str] = field(default_factory=list)
    subject: str = ""
    packages: int = 0

    @property
    def valid(self) -> bool:
        return not self.problems


def inspect(document: Any) -> SbomInfo:
    if not isinstance(document, dict):
        return SbomInfo(problems=["not a JSON object"])
    if "spdxVersion" in document:
        return _spdx(document)
    if document.get("bomFormat") == "CycloneDX":
        return _cyclonedx(document)
    return SbomInfo(problems=["neither SPDX (spdxVersion) nor CycloneDX (bomFormat) JSON"])


def _text(value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip())


def _spdx(doc: dict[str, Any]) -> SbomInfo:
    info = SbomInfo(format="spdx", version=str(doc.get("spdxVersion")))
    problems = info.problems
    if doc.get("spdxVersion") not in SPDX_VERSIONS:
        problems.append(f"spdxVersion {doc.get('spdxVersion')!r} is not {', '.join(SPDX_VERSIONS)}")
    if doc.get("dataLicense") != "CC0-1.0":
        problems.append("dataLicense must be CC0-1.0")
    if doc.get("SPDXID") != "SPDXRef-DOCUMENT":
        problems.append("SPDXID must be SPDXRef-DOCUMENT")
    for key in ("name", "documentNamespace"):
        if not _text(doc.get(key)):
            problems.append(f"{key} is missing")
    creation = doc.get("creationInfo")
    if not isinstance(creation, dict) or not _text(creation.get("created")):
        problems.append("creationInfo.created is missing")
    elif not isinstance(creation.get("creators"), list) or not creation["creators"]:
        problems.append("creationInfo.creators is empty")
    packages = doc.get("packages", [])
    if not isinstance(packages, list):
        problems.append("packages is not a list")
        packages = []
    by_id: dict[str, dict[str, Any]] = {}
    for index, package in enumerate(packages):
        if not isinstance(package, dict) or not _text(package.get("SPDXID")) or not _text(package.get("name")):
            problems.append(f"packages[{index}] lacks SPDXID or name")
            continue
        if "downloadLocation" not in package:
            problems.append(f"packages[{index}] ({package['name']}) lacks downloadLocation")
        by_id[package["SPDXID"]] = package
    info.packages = len(by_id)
    described = [ref for ref in doc.get("documentDescribes") or [] if isinstance(ref, str)]
    relationships = doc.get("relationships") or []
    if isinstance(relationships, list):
        for rel in relationships:
            if (
                isinstance(rel, dict)
                and rel.get("spdxElementId") == "SPDXRef-DOCUMENT"
                and rel.get("relationshipType") == "DESCRIBES"
                and isinstance(rel.get("relatedSpdxElement"), str)
            ):
                described.append(rel["relatedSpdxElement"])
    subjects = [by_id[ref] for ref in dict.fromkeys(described) if ref in by_id]
    if not subjects:
        problems.append("no package is DESCRIBED by the document")
    for package in subjects:
        info.subject = info.subject or str(package.get("name"))
        info.subject_digests.extend(_spdx_digests(package))
    info.subject_digests = list(dict.fromkeys(info.subject_digests))
    return info


def _spdx_digests(package: dict[str, Any]) -> list[str]:
    found: list[str] = []
    version = package.get("versionInfo")
    if isinstance(version, str) and _DIGEST.fullmatch(version):
        found.append(version)
    for checksum in package.get("checksums") or []:
        if isinstance(checksum, dict) and checksum.get("algorithm") == "SHA256" and isinstance(checksum.get("checksumValue"), str):
            found.append("sha256:" + checksum["checksumValue"].lower())
    for ref in package.get("externalRefs") or []:
        if isinstance(ref, dict) and ref.get("referenceType") == "purl" and isinstance(ref.get("referenceLocator"), str):
            found.extend("sha256:" + match for match in _SPDX_DIGEST_IN_PURL.findall(ref["referenceLocator"]))
    return found


def _cyclonedx(doc: dict[str, Any]) -> SbomInfo:
    spec = doc.get("specVersion")
    info = SbomInfo(format="cyclonedx", version=str(spec))
    problems = info.problems
    parsed = _version_tuple(spec)
    if parsed is None or parsed < CYCLONEDX_MIN:
        problems.append(f"specVersion {spec!r} is not CycloneDX {CYCLONEDX_MIN[0]}.{CYCLONEDX_MIN[1]} or later")
    version = doc.get("version", 1)
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        problems.append("version must be an integer >= 1")
    components = doc.get("components", [])
    if not isinstance(components, list):
        problems.append("components is not a list")
        components = []
    for index, component in enumerate(components):
        if not isinstance(component, dict) or not _text(component.get("type")) or not _text(component.get("name")):
            problems.append(f"components[{index}] lacks type or name")
    info.packages = len(components)
    metadata = doc.get("metadata")
    subject = metadata.get("component") if isinstance(metadata, dict) else None
    if not isinstance(subject, dict) or not _text(subject.get("name")):
        problems.append("metadata.component (the SBOM's subject) is missing")
        return info
    info.subject = subject["name"]
    version_text = subject.get("version")
    if isinstance(version_text, str) and _DIGEST.fullmatch(version_text):
        info.subject_digests.append(version_text)
    for digest in subject.get("hashes") or []:
        if isinstance(digest, dict) and digest.get("alg") == "SHA-256" and isinstance(digest.get("content"), str):
            info.subject_digests.append("sha256:" + digest["content"].lower())
    if isinstance(subject.get("purl"), str):
        info.subject_digests.extend("sha256:" + match for match in _SPDX_DIGEST_IN_PURL.findall(subject["purl"]))
    info.subject_digests = list(dict.fromkeys(info.subject_digests))
    return info


def _version_tuple(value: Any) -> tuple[int, ...] | None:
    if not isinstance(value, str) or not re.fullmatch(r"\d+(\.\d+)*", value):
        return None
    return tuple(int(part) for part in value.split("."))
