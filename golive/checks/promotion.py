"""promotion.staging_go: production only receives what staging verified, for the same commit."""

from __future__ import annotations

import datetime as dt
from typing import cast

from golive.checklist import ItemSpec
from golive.checks import JudgeContext, check
from golive.collectors import Evidence
from golive.collectors.history import HistoryData
from golive.history import GO_VERDICTS
from golive.model import Outcome, Status


@check("promotion.staging_go")
def staging_go(item: ItemSpec, evidence: Evidence, ctx: JudgeContext) -> Outcome:
    data = cast("HistoryData", evidence.data)
    source, commit = data["promote_from"], data["commit"][:12]
    if data["signers"] is None:
        return Outcome(Status.FAIL, f"no signers configured: {source}'s sign-offs cannot be verified")
    same = [entry for entry in data["candidates"] if entry["commit"] == data["commit"]]
    if not same:
        return Outcome(Status.FAIL, f"no {source} result for commit {commit} in {data['folder']}")
    gos = [entry for entry in same if entry["verdict"] in GO_VERDICTS]
    if not gos:
        return Outcome(Status.FAIL, f"every {source} result for commit {commit} is NO-GO (latest {same[-1]['file']})")
    limit = dt.timedelta(days=float(item.params["max_age_days"]))
    fresh = [entry for entry in gos if ctx.as_of - dt.datetime.fromisoformat(entry["as_of"]) <= limit]
    if not fresh:
        return Outcome(
            Status.FAIL, f"the newest {source} GO for commit {commit} ({gos[-1]['as_of']}) is older than {item.params['max_age_days']} days"
        )
    signed = [entry for entry in fresh if (verified := entry.get("verified")) is not None and verified["go"]]
    if not signed:
        newest = fresh[-1]
        verified = newest.get("verified")
        missing = "; ".join((verified["reasons"] if verified else None) or ["not verified"])
        return Outcome(
            Status.FAIL, f"the {source} GO {newest['file']} for commit {commit} does not verify under {source}'s policy: {missing}"
        )
    best = signed[-1]
    roles = ", ".join(best["roles"]) or "no role (its policy requires none)"
    return Outcome.passed(
        f"{source} GO for commit {commit} as of {best['as_of']} verifies under {source}'s policy, signed by {roles} ({best['file']})"
    )
