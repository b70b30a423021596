"""The promotion chain: results of the environment this one promotes from, with their sign-offs."""

from __future__ import annotations

from typing import TypedDict

from golive.collectors import CollectContext, Collector, Evidence, register, settings_keys
from golive.config import load_config
from golive.history import stored_results
from golive.policy import MAX_AGE_HOURS_LIMIT
from golive.signing import SigningError
from golive.verify import Verifier, verify_document
from golive.yamlfile import ConfigError


class Verified(TypedDict):
    go: bool
    reasons: list[str]


class RoleCheck(TypedDict):
    valid: bool
    reason: str


class Candidate(TypedDict):
    """One stored result of the source environment; verified only when of the release commit."""

    file: str
    as_of: str
    commit: str | None
    verdict: str
    roles: dict[str, RoleCheck]
    verified: Verified | None


class HistoryData(TypedDict):
    """The history source's evidence data."""

    promote_from: str
    folder: str
    commit: str
    signers: str | None
    candidates: list[Candidate]
    unreadable: list[str]


@register
class HistoryCollector(Collector):
    source = "history"
    # It needs the release commit, which the git collector finds.
    phase = 1
    default_timeout = 120.0

    def collect(self, ctx: CollectContext) -> Evidence:
        config = ctx.config
        if config.history is None:
            return Evidence.unavailable(self.source, "no history folder configured (golive.yml `history:`)")
        if config.promote_from is None:
            return Evidence.unavailable(self.source, f"environment '{config.environment}' has no promote_from")
        git = ctx.evidence.get("git")
        if git is None or git.error or git.missing:
            return Evidence.unavailable(self.source, "the release commit is unknown (git evidence missing)")
        commit = git.data["commit"]
        folder = config.history / config.promote_from
        results, problems = stored_results(folder)
        try:
            # The source environment's GO is verified exactly as `golive verify --env SOURCE` would,
            # under that environment's own policy; the item judges the age itself.
            source_config = load_config(config.path, config.promote_from, settings_keys())
        except ConfigError as exc:
            return Evidence(self.source, error=f"cannot load {config.promote_from}'s policy: {exc}")
        from golive.judging import effective_for

        signers = source_config.signers or config.signers
        verifier = (
            Verifier(source_config.policy, effective_for(source_config), signers, config.promote_from, MAX_AGE_HOURS_LIMIT)
            if signers
            else None
        )
        candidates: list[Candidate] = []
        for stored in results:
            document = stored.document
            entry: Candidate = {
                "file": str(stored.path),
                "as_of": document["as_of"],
                "commit": document["release"].get("commit"),
                "verdict": document["decision"]["verdict"],
                "roles": {},
                "verified": None,
            }
            if entry["commit"] == commit and verifier is not None:
                try:
                    verified = verify_document(stored.path, document, verifier, ctx.as_of)
                except SigningError as exc:
                    entry["verified"] = {"go": False, "reasons": [str(exc)]}
                else:
                    entry["verified"] = {"go": verified.go, "reasons": verified.reasons}
                    entry["roles"] = {check.role: {"valid": check.valid, "reason": check.reason} for check in verified.roles}
            candidates.append(entry)
        data: HistoryData = {
            "promote_from": config.promote_from,
            "folder": str(folder),
            "commit": commit,
            "signers": str(signers) if signers else None,
            "candidates": candidates,
            "unreadable": problems,
        }
        return Evidence(self.source, data=dict(data), files=[ctx.write_evidence("history", data)])
