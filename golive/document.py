"""The result document: its schema name, its shape (items, release block, decision, collectors,
archive, changes since the last GO) and its digest."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from golive.model import ItemResult, Outcome, Status, Verdict

if TYPE_CHECKING:
    import datetime as dt

    from golive.checklist import ItemSpec
    from golive.collectors import Evidence
    from golive.config import Config
    from golive.decision import Decision
    from golive.judging import Judged

SCHEMA = "golive/result/v1"


def canonical(document: dict[str, Any]) -> bytes:
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def digest(document: dict[str, Any]) -> str:
    """SHA-256 over the canonical JSON of everything but the digest itself."""
    body = {key: value for key, value in document.items() if key != "digest"}
    return "sha256:" + hashlib.sha256(canonical(body)).hexdigest()


def result_document(
    config: Config,
    as_of: dt.datetime,
    effective: dict[str, Any],
    partial: dict[str, Any] | None,
    release: dict[str, Any],
    judged: Judged,
    decision: Decision,
    evidence: dict[str, Evidence],
    waiver_problems: list[str],
    history_file: Path | None,
) -> dict[str, Any]:
    """The whole result of one run, masked and digested: the judged items in checklist order
    (the decision boxes rendered from the verdict), then the items providers added."""
    from golive import __version__
    from golive.policy import checklist_digest
    from golive.secrets import mask_value

    rendered = [decision_item(item, decision.verdict) for item in config.checklist.items if item.kind == "decision"]
    by_id = {item.id: item for item in [*judged.checklist, *rendered]}
    ordered = [by_id[item.id] for item in config.checklist.items] + judged.provided
    document = {
        "schema": SCHEMA,
        "golive_version": __version__,
        "environment": config.environment,
        "as_of": as_of.isoformat(),
        "config": str(config.path),
        "checklist": config.checklist.origin,
        "effective_checklist": effective,
        "checklist_digest": checklist_digest(effective),
        "policy": config.policy.to_json(),
        "partial": partial,
        "release": release,
        "items": [item_json(item) for item in ordered],
        "decision": {
            "verdict": decision.verdict.value,
            "blocking": decision.blocking,
            "disabled": [
                {
                    "id": entry.id,
                    "title": entry.title,
                    "section": entry.section,
                    "seed_line": entry.seed_line,
                    "reason": entry.reason,
                    "approver": entry.approver,
                    "source": entry.where,
                }
                for entry in config.checklist.disabled
            ],
            "waiver_problems": waiver_problems,
            "unsigned_waivers_allowed": config.policy.waivers.unsigned_allowed,
        },
        "collectors": {
            source: {
                "status": "error" if ev.error else "missing" if ev.missing else "ok",
                "seconds": ev.seconds,
                "detail": ev.error or ev.missing or "",
            }
            for source, ev in sorted(evidence.items())
        },
        "archive": _archive_block(evidence.get("archive")),
        "history_file": str(history_file) if history_file else None,
    }
    document["changes_since_last_go"] = changes_since_last_go(config, document)
    document = mask_value(document)
    document["digest"] = digest(document)
    return document


def changes_since_last_go(config: Config, document: dict[str, Any]) -> dict[str, Any] | None:
    """What changed since this environment's last GO in the history, for the reports."""
    from golive.history import diff, last_go

    if config.history is None:
        return None
    previous = last_go(config.history / config.environment)
    if previous is None:
        return None
    return {
        "result": str(previous.path),
        "as_of": previous.document["as_of"],
        "commit": previous.document["release"].get("commit"),
        **diff(previous.document, document).to_json(),
    }


def _archive_block(archive: Evidence | None) -> dict[str, str] | None:
    if archive is None or archive.error or archive.missing or archive.data["problems"]:
        return None
    return {"file": archive.data["file"], "manifest_sha256": "sha256:" + archive.data["manifest_sha256"]}


def decision_item(item: ItemSpec, verdict: Verdict) -> ItemResult:
    """A Final Decision box: rendered, not judged; pass means "this box is ticked" (the
    verdict is its `ticked_by`), skip means "not this verdict"."""
    ticked = item.ticked_by is not None and item.ticked_by is verdict
    return ItemResult(
        id=item.id,
        section=item.section,
        title=item.title,
        seed_line=item.seed_line,
        severity=item.severity,
        outcome=Outcome(Status.PASS if ticked else Status.SKIP, f"verdict: {verdict.value}"),
        fix=item.fix_text(),
        why=item.why,
        kind=item.kind,
        params=dict(item.params),
    )


def release_block(config: Config, git: Evidence | None) -> dict[str, Any]:
    """What is being released: version, tag, commit and date, read through the checklist's
    `release: tag` item (its tag pattern and prefix) from the git evidence and golive.yml."""
    from golive.checks.release import release_date, tag_version, version_tags

    data = git.data if git and not git.error and not git.missing else {}
    tag_item = config.checklist.release_item("tag")
    params = tag_item.params if tag_item else {"tag_pattern": "*"}
    tags = version_tags(params, data) if data else []
    tag = tags[0]["name"] if len(tags) == 1 else None
    moment, origin = release_date(config.release, data, params) if data or config.release.get("date") else (None, "")
    version = config.release.get("version") or (tag_version(tag, str(params.get("strip_prefix", ""))) if tag else None)
    return {
        "version": str(version) if version else None,
        "tag": tag,
        "commit": data.get("commit"),
        "date": moment.isoformat() if moment else None,
        "date_source": origin or None,
        "repo": str(config.repo),
    }


def item_json(item: ItemResult) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": item.id,
        "section": item.section,
        "title": item.title,
        **({"seed_title": item.seed_title} if item.seed_title else {}),
        "seed_line": item.seed_line,
        "severity": item.severity,
        "status": item.status.value,
        "summary": item.summary,
        "hosts": None,
        "findings": [finding.to_json() for finding in item.findings],
        "evidence": item.evidence,
        "waiver": item.outcome.waiver,
        "fix": item.fix,
        "why": item.why,
        "signoff": item.signoff,
        "kind": item.kind,
        "params": item.params,
        "metrics": item.outcome.metrics,
    }
    if item.outcome.waiver:
        data["was"] = item.unwaived.value
    if item.hosts is not None:
        data["hosts"] = {name: _host_json(outcome) for name, outcome in sorted(item.hosts.items())}
    return data


def _host_json(outcome: Outcome) -> dict[str, Any]:
    data: dict[str, Any] = {"status": outcome.status.value, "summary": outcome.summary, "detail": outcome.detail, "waiver": outcome.waiver}
    if outcome.waiver:
        data["was"] = outcome.unwaived.value
    return data
