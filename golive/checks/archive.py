"""platform.verify_all: this run's evidence is archived and the archive reads back intact."""

from __future__ import annotations

from golive.checklist import ItemSpec
from golive.checks import JudgeContext, check
from golive.collectors import Evidence
from golive.model import Outcome, Status


@check("platform.verify_all")
def evidence_archived(item: ItemSpec, evidence: Evidence, ctx: JudgeContext) -> Outcome:
    archive = evidence.data
    if archive["problems"]:
        return Outcome(Status.ERROR, f"{archive['file']} did not read back intact: " + "; ".join(archive["problems"][:5]))
    return Outcome.passed(
        f"{archive['file']}: {archive['files']} evidence file(s), manifest sha256 {archive['manifest_sha256'][:12]}, re-verified"
    )
