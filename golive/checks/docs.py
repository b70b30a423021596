"""Documentation & Support: the documents exist and have content (attestations come on top)."""

from __future__ import annotations

from typing import cast

from golive.checklist import ItemSpec
from golive.checks import JudgeContext, check
from golive.collectors import Evidence, Request
from golive.collectors.docs import FILE, SOURCE, DocsData
from golive.model import Outcome, Status


def document_requests(item: ItemSpec) -> list[Request]:
    """The item's document, when it names one (`path`, relative to sources.docs.root)."""
    path = str(item.params.get("path") or "")
    return [Request(SOURCE, FILE, {"path": path}, key=path)] if path else []


@check("docs.install", "docs.deploy", "docs.runbook", "docs.user_guide", "docs.rollback", "docs.document", requests=document_requests)
def document(item: ItemSpec, evidence: Evidence, ctx: JudgeContext) -> Outcome:
    """The document exists and has content; its `attestation` parameter then asks for a signature."""
    path = str(item.params.get("path") or "")
    if not path:
        return Outcome.passed("")
    data = cast("DocsData", evidence.data)
    entry = data["files"].get(path)
    if entry is None or not entry["exists"]:
        return Outcome(Status.FAIL, f"{path} not found under {data['root']}")
    if "error" in entry:
        return Outcome(Status.ERROR, f"{path}: {entry['error']}")
    if entry["blank"]:
        return Outcome(Status.FAIL, f"{path} is empty")
    return Outcome.passed(f"{path} present ({entry['bytes']} bytes, sha256 {str(entry['sha256'])[:12]})")
