"""The promotion chain: results of the environment this one promotes from, with their sign-offs."""

from __future__ import annotations

from typing import Any

from golive.collectors import CollectContext, Collector, Evidence, register
from golive.history import stored_results
from golive.signing import SigningError
from golive.signoffs import check_role, required_roles


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
        candidates: list[dict[str, Any]] = []
        for stored in results:
            document = stored.document
            entry: dict[str, Any] = {
                "file": str(stored.path),
                "as_of": document["as_of"],
                "commit": document["release"].get("commit"),
                "verdict": document["decision"]["verdict"],
                "roles": {},
            }
            if entry["commit"] == commit and config.signers is not None:
                for role in required_roles(document):
                    try:
                        check = check_role(stored.path, document, role, config.signers)
                    except SigningError as exc:
                        entry["roles"][role] = {"valid": False, "reason": str(exc)}
                        continue
                    entry["roles"][role] = {"valid": check.valid, "reason": check.reason}
            candidates.append(entry)
        data = {
            "promote_from": config.promote_from,
            "folder": str(folder),
            "commit": commit,
            "signers": str(config.signers) if config.signers else None,
            "candidates": candidates,
            "unreadable": problems,
        }
        return Evidence(self.source, data=data, files=[ctx.write_evidence("history", data)])
