"""Documentation & Support: the documents exist, have content, and a human attested them."""

from __future__ import annotations

from golive.checklist import ItemSpec
from golive.checks import JudgeContext, check
from golive.collectors import Evidence
from golive.model import Outcome, Status


@check("docs.install", "docs.deploy", "docs.runbook", "docs.user_guide", "docs.rollback", "docs.document")
def document(item: ItemSpec, evidence: Evidence, ctx: JudgeContext) -> Outcome:
    path = str(item.params.get("path") or "")
    present = ""
    if path:
        entry = evidence.data["files"].get(path)
        if entry is None or not entry["exists"]:
            return Outcome(Status.FAIL, f"{path} not found under {evidence.data['root']}")
        if "error" in entry:
            return Outcome(Status.ERROR, f"{path}: {entry['error']}")
        if entry["blank"]:
            return Outcome(Status.FAIL, f"{path} is empty")
        present = f"{path} present ({entry['bytes']} bytes, sha256 {str(entry['sha256'])[:12]}); "
    attestation = str(item.params.get("attestation") or "")
    if not attestation:
        return Outcome.passed(present.rstrip("; ") or "nothing to attest")
    role = str(item.params.get("role") or "")
    by = f" by role {role}" if role else ""
    return Outcome(Status.PENDING, f"{present}awaiting a signed attestation{by}: {attestation}")
