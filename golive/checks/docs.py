"""Documentation & Support: the documents exist and have content (attestations come on top)."""

from __future__ import annotations

from golive.checklist import ItemSpec
from golive.checks import JudgeContext, check
from golive.collectors import Evidence
from golive.model import Outcome, Status


@check("docs.install", "docs.deploy", "docs.runbook", "docs.user_guide", "docs.rollback", "docs.document")
def document(item: ItemSpec, evidence: Evidence, ctx: JudgeContext) -> Outcome:
    """The document exists and has content; its `attestation` parameter then asks for a signature."""
    path = str(item.params.get("path") or "")
    if not path:
        return Outcome.passed("")
    entry = evidence.data["files"].get(path)
    if entry is None or not entry["exists"]:
        return Outcome(Status.FAIL, f"{path} not found under {evidence.data['root']}")
    if "error" in entry:
        return Outcome(Status.ERROR, f"{path}: {entry['error']}")
    if entry["blank"]:
        return Outcome(Status.FAIL, f"{path} is empty")
    return Outcome.passed(f"{path} present ({entry['bytes']} bytes, sha256 {str(entry['sha256'])[:12]})")
