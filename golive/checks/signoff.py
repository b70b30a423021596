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
    required = ctx.config.policy.signoff.roles
    role = item.params.get("role")
    environment = ctx.config.environment
    if not required:
        return Outcome(Status.SKIP, f"environment '{environment}' requires no sign-off (signoff.roles is empty)")
    if role and role not in required:
        return Outcome(Status.SKIP, f"environment '{environment}' does not require role {role} (signoff.roles: {', '.join(required)})")
    who = f"role {role}" if role else f"every required role ({', '.join(required)})"
    return Outcome(Status.PENDING, f"awaiting a signature of {who} over this result's digest (golive sign)")
