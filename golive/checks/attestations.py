"""Items that are attestations and nothing else: the pentest report signed off."""

from __future__ import annotations

from golive.checklist import ItemSpec
from golive.checks import JudgeContext, check
from golive.collectors import Evidence
from golive.model import Outcome, Status


@check("security.pentest")
def pentest_report(item: ItemSpec, evidence: Evidence, ctx: JudgeContext) -> Outcome:
    """The report file exists; the engine then requires an attestation over its current SHA-256."""
    report = str(item.params.get("report") or "")
    if not report:
        return Outcome(Status.INSUFFICIENT, "no pentest report configured (golive.yml items.security.pentest.report)")
    sha256 = evidence.data.get("reports", {}).get(report)
    if sha256 is None:
        return Outcome(Status.FAIL, f"pentest report {report} not found")
    return Outcome.passed(f"report {report} (sha256 {sha256[:12]})")
