"""Items that are attestations and nothing else: the pentest report signed off."""

from __future__ import annotations

from typing import cast

from golive.checklist import ItemSpec
from golive.checks import JudgeContext, check
from golive.collectors import Evidence, Request
from golive.collectors.attestations import REPORT, SOURCE, AttestationsData
from golive.model import Outcome, Status


def report_requests(item: ItemSpec) -> list[Request]:
    """The SHA-256 now of the report the item attests over, when it names one."""
    report = str(item.params.get("report") or "")
    return [Request(SOURCE, REPORT, {"report": report}, key=report)] if report else []


@check("security.pentest", requests=report_requests)
def pentest_report(item: ItemSpec, evidence: Evidence, ctx: JudgeContext) -> Outcome:
    """The report file exists; the engine then requires an attestation over its current SHA-256."""
    report = str(item.params.get("report") or "")
    if not report:
        return Outcome(Status.INSUFFICIENT, "no pentest report configured (golive.yml items.security.pentest.report)")
    sha256 = cast("AttestationsData", evidence.data).get("reports", {}).get(report)
    if sha256 is None:
        return Outcome(Status.FAIL, f"pentest report {report} not found")
    return Outcome.passed(f"report {report} (sha256 {sha256[:12]})")
