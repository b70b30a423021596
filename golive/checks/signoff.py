"""Sign-off: roles sign the digest of a finished result, so during a check they are pending."""

from __future__ import annotations

from golive.checklist import ItemSpec
from golive.checks import JudgeContext, check
from golive.collectors import Evidence
from golive.model import Outcome, Status


@check("signoff.release_manager", "signoff.security_lead", "signoff.product_owner", "platform.release_report", needs_evidence=False)
def awaiting_signature(item: ItemSpec, evidence: Evidence, ctx: JudgeContext) -> Outcome:
    # A signature covers the result's digest, which exists only once this run ends:
    # `golive sign` adds it afterwards and `golive verify` judges it.
    role = item.params.get("role")
    who = f"role {role}" if role else "every required role"
    return Outcome(Status.PENDING, f"awaiting a signature of {who} over this result's digest (golive sign)")
