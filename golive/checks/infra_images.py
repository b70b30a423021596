"""Infrastructure: every release image is signed (cosign) and has a published SBOM (Syft)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import cast

from golive.checklist import ItemSpec
from golive.checks import JudgeContext, check
from golive.collectors import Evidence
from golive.collectors.supply_chain import Image, SupplyChainData
from golive.model import Finding, Outcome, Status
from golive.supply_chain.cosign import PAYLOAD_TYPE, repository


def image_problems(image: Image, sbom_folder: str, accepted_formats: list[str]) -> list[str]:
    """Why `image` is not provably signed and described, empty when it is."""
    digest = image["digest"]
    problems: list[str] = []
    signature = image["signature"]
    payload: Mapping[str, object] = signature.get("payload") or {}
    problem = signature.get("problem")
    if problem:
        problems.append(problem)
    elif not signature.get("verified"):
        problems.append("signature not verified")
    else:
        if payload.get("type") != PAYLOAD_TYPE:
            problems.append(f"signed payload type is {payload.get('type')!r}, not {PAYLOAD_TYPE!r}")
        if payload.get("digest") != digest:
            problems.append(f"signature is for {payload.get('digest')}, not this digest")
        expected = repository(image["name"])
        if payload.get("docker_reference") != expected:
            problems.append(f"signature's docker-reference is {payload.get('docker_reference')!r}, not {expected!r}")
    sboms = image.get("sboms") or []
    if not sboms:
        problems.append(f"no SBOM published in {sbom_folder}")
    matching = 0
    for sbom in sboms:
        name = sbom["file"].rsplit("/", 1)[-1]
        if sbom["problems"]:
            problems.append(f"invalid SBOM {'; '.join(sbom['problems'])}")
        elif sbom["format"] not in accepted_formats:
            problems.append(f"SBOM {name} is {sbom['format']}, accepted: {', '.join(accepted_formats)}")
        elif not sbom.get("packages"):
            # An SBOM of nothing answers "are we affected?" with a false no.
            problems.append(f"SBOM {name} lists no package")
        elif digest not in sbom["subject_digests"]:
            named = ", ".join(sbom["subject_digests"]) or "no digest"
            problems.append(f"SBOM {name} describes {sbom['subject'] or '?'} ({named}), not this digest")
        else:
            matching += 1
    if sboms and not matching and not problems:
        problems.append("no valid SBOM names this digest")
    return problems


@check("infra.images")
def images(item: ItemSpec, evidence: Evidence, ctx: JudgeContext) -> Outcome:
    data = cast("SupplyChainData", evidence.data)
    listed = data.get("images") or []
    if not listed:
        return Outcome(Status.INSUFFICIENT, f"release manifest {data.get('manifest')} lists no image")
    accepted = [str(value) for value in item.params["sbom_formats"]]
    findings: list[Finding] = []
    passed: list[str] = []
    for image in listed:
        label = f"{repository(image['name'])}@{image['digest']}"
        problems = image_problems(image, str(data.get("sboms")), accepted)
        if problems:
            findings.append(Finding(f"image:{label}", Status.FAIL, f"{label}: " + "; ".join(problems)))
        else:
            formats = ", ".join(f"{sbom['format']} {sbom['version']}" for sbom in image["sboms"])
            passed.append(f"{label[: label.index('@') + 19]}… ({formats})")
    return Outcome.from_findings(
        findings, f"{len(passed)} image(s) signed with a verified cosign signature and an SBOM naming their digest: " + "; ".join(passed)
    )
