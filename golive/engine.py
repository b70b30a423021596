"""One run: collect evidence concurrently, judge every item, decide, build the result document."""

from __future__ import annotations

import datetime as dt
import threading
import time
import traceback
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

from golive import __version__
from golive import checks as checks_pkg
from golive import collectors as collectors_pkg
from golive.attestations import awaiting, judge_attestation
from golive.checklist import ItemSpec
from golive.checks import JudgeContext
from golive.checks.release import release_date, tag_version, version_tags
from golive.collectors import CollectContext, CollectorTimeout, Evidence, Request
from golive.config import Config
from golive.decision import Waiver, apply_waivers, decide
from golive.document import SCHEMA, digest
from golive.history import diff, last_go
from golive.model import ItemResult, Outcome, Status, Verdict
from golive.policy import checklist_digest, effective_checklist
from golive.secrets import mask_value
from golive.yamlfile import ConfigError

# Called as (event, source, evidence-or-None): "start" before a collector runs, "done" after.
Progress = Callable[[str, str, Evidence | None], None]


@dataclass
class RunOptions:
    as_of: dt.datetime
    timeout: float = 600.0
    out_dir: Path | None = None
    restore_test: bool = False
    insecure_host_keys: bool = False
    specs: Path | None = None
    # --only / --skip: comma-separated globs of item ids; a selected run is never a GO.
    only: list[str] = field(default_factory=list)
    skip: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "out_dir": self.out_dir,
            "restore_test": self.restore_test,
            "insecure_host_keys": self.insecure_host_keys,
            "specs": self.specs,
        }


def needed_sources(config: Config, options: dict[str, Any] | None = None) -> list[str]:
    checks = checks_pkg.registered()
    sources = {provider.source for provider in checks_pkg.PROVIDERS.values() if (options or {}).get(provider.option)}
    for item in config.checklist.items:
        if item.kind != "check" or skip_reason(item, config):
            continue
        definition = checks.get(item.check_name)
        if definition and not definition.needs_evidence:
            continue
        sources.add(item.source)
        sources.update(definition.also_uses if definition else ())
        if needs_attestation(item):
            sources.add("attestations")
    sources.update(gather_requests(config))
    return sorted(sources)


def gather_requests(config: Config) -> dict[str, list[Request]]:
    """What the judged items need, source by source, in checklist order: each item's check
    declares it (`@check(..., requests=...)`), so collectors never read the checklist."""
    checks = checks_pkg.registered()
    wanted: dict[str, list[Request]] = {}
    for item in config.checklist.items:
        if item.kind != "check" or skip_reason(item, config):
            continue
        definition = checks.get(item.check_name)
        if definition is None or definition.requests is None:
            continue
        for request in definition.requests(item):
            wanted.setdefault(request.source, []).append(request)
    return wanted


def collect_context(
    config: Config, as_of: dt.datetime, evidence_dir: Path, source: str, options: dict[str, Any] | None = None
) -> CollectContext:
    """The context a collector of `source` runs in, with the requests the checklist makes of it."""
    return CollectContext(config, as_of, evidence_dir, source, options or {}, gather_requests(config).get(source, []))


def needs_attestation(item: ItemSpec) -> bool:
    """Items with an `attestation` text pass only with a valid signed attestation."""
    return bool(item.params.get("attestation"))


def collect(config: Config, options: RunOptions, evidence_dir: Path, progress: Progress | None = None) -> dict[str, Evidence]:
    """Run every needed collector at once, each within its own timeout and all within
    `options.timeout`; a collector that does not finish has its processes killed and
    its evidence marked missing, so the items depending on it are insufficient.
    Collectors of a later `phase` run once the earlier ones are done."""
    available = collectors_pkg.registered()
    needed = needed_sources(config, options.as_dict())
    phase_of = {source: available[source].phase if source in available else 0 for source in needed}
    results: dict[str, Evidence] = {}
    deadline = time.monotonic() + options.timeout
    for phase in sorted(set(phase_of.values())):
        batch = [source for source in needed if phase_of[source] == phase]
        _collect_batch(batch, available, config, options, evidence_dir, results, deadline, progress)
    return results


def _collect_batch(
    sources: list[str],
    available: dict[str, type[collectors_pkg.Collector]],
    config: Config,
    options: RunOptions,
    evidence_dir: Path,
    results: dict[str, Evidence],
    deadline: float,
    progress: Progress | None,
) -> None:
    running: list[tuple[str, threading.Thread, CollectContext, float]] = []
    lock = threading.Lock()
    started = time.monotonic()
    earlier = dict(results)
    for source in sources:
        cls = available.get(source)
        if cls is None:
            results[source] = Evidence.unavailable(source, f"no collector configured for source '{source}'")
            if progress:
                progress("done", source, results[source])
            continue
        ctx = collect_context(config, options.as_of, evidence_dir, source, options.as_dict())
        ctx.evidence = earlier
        limit = float(ctx.settings.get("timeout", cls.default_timeout))

        def work(source: str = source, cls: type[collectors_pkg.Collector] = cls, ctx: CollectContext = ctx) -> None:
            begun = time.monotonic()
            try:
                evidence = cls().collect(ctx)
            except CollectorTimeout as exc:
                evidence = Evidence.unavailable(source, f"timed out: {exc}")
            except Exception as exc:  # a collector bug must cost its items, not the run
                evidence = Evidence(source, error=f"collector crashed: {type(exc).__name__}: {exc}")
                evidence.data["traceback"] = traceback.format_exc(limit=5)
            evidence.seconds = round(time.monotonic() - begun, 3)
            with lock:
                # A collector that already timed out was reported then; its late result is dropped.
                late = source in results
                if not late:
                    results[source] = evidence
            if progress and not late:
                progress("done", source, evidence)

        thread = threading.Thread(target=work, name=f"collect-{source}", daemon=True)
        if progress:
            progress("start", source, None)
        thread.start()
        running.append((source, thread, ctx, limit))

    for source, thread, ctx, limit in running:
        thread.join(max(0.0, min(started + limit, deadline) - time.monotonic()))
        if thread.is_alive():
            ctx.kill_children()
            which = f"--timeout {options.timeout:g} s" if started + limit >= deadline else f"its {limit:g} s timeout"
            evidence = Evidence.unavailable(source, f"collector did not finish within {which}")
            evidence.seconds = round(time.monotonic() - started, 3)
            with lock:
                timed_out = source not in results
                if timed_out:
                    results[source] = evidence
            if progress and timed_out:
                progress("done", source, evidence)


def select_items(config: Config, only: list[str], skip: list[str]) -> tuple[Config, dict[str, Any] | None]:
    """The configuration narrowed to the items --only/--skip select, and the partial-run record.

    Every pattern must match some item and the selection must keep at least one judged item:
    an empty selection would judge nothing and could never mean anything.
    """
    if not only and not skip:
        return config, None
    judged = [item for item in config.checklist.items if item.kind == "check"]
    for option, patterns in (("--only", only), ("--skip", skip)):
        for pattern in patterns:
            if not any(fnmatchcase(item.id, pattern) for item in judged):
                raise ConfigError(f"{option} {pattern}: matches no item of the checklist (`golive list` shows every id)")
    chosen = [
        item
        for item in judged
        if (not only or any(fnmatchcase(item.id, pattern) for pattern in only))
        and not any(fnmatchcase(item.id, pattern) for pattern in skip)
    ]
    if not chosen:
        raise ConfigError("--only/--skip select no item: nothing would be judged")
    keep = {item.id for item in chosen}
    items = [item for item in config.checklist.items if item.kind != "check" or item.id in keep]
    narrowed = replace(config, checklist=replace(config.checklist, items=items))
    partial = {"only": only, "skip": skip, "not_judged": [item.id for item in judged if item.id not in keep]}
    return narrowed, partial


def applicability(config: Config) -> dict[str, bool]:
    return {item.id: skip_reason(item, config) is None for item in config.checklist.items}


def effective_for(config: Config) -> dict[str, Any]:
    """The effective checklist of `config`'s environment, as recorded in and verified against results."""
    return effective_checklist(config.checklist, config.policy, config.promote_from, applicability(config))


def skip_reason(item: ItemSpec, config: Config) -> str | None:
    if item.only_if and not getattr(config, item.only_if):
        return f"applies only to environments with {item.only_if} (environment '{config.environment}' has none)"
    return None


def judge(item: ItemSpec, config: Config, ctx: JudgeContext) -> ItemResult:
    result = ItemResult(
        id=item.id,
        section=item.section,
        title=item.title,
        seed_line=item.seed_line,
        severity=item.severity,
        outcome=Outcome(Status.INSUFFICIENT, "not judged"),
        fix=item.fix_text(),
        why=item.why,
        signoff=item.signoff,
        params=dict(item.params),
    )
    reason = skip_reason(item, config)
    if reason:
        result.outcome = Outcome(Status.SKIP, reason)
        return result
    definition = checks_pkg.registered().get(item.check_name)
    if definition is not None and not definition.needs_evidence:
        evidence = Evidence(item.source)
    else:
        evidence = ctx.evidence.get(item.source) or Evidence.unavailable(item.source, f"no collector configured for source '{item.source}'")
        if evidence.missing or evidence.error:
            result.outcome = _unavailable(evidence)
            return result
        if definition is None:
            result.outcome = Outcome(Status.INSUFFICIENT, f"no check implemented for '{item.check_name}'")
            return result
    result.evidence = list(evidence.files)
    try:
        judgement = definition.fn(item, evidence, ctx)
    except Exception as exc:  # fail closed: a check that breaks cannot pass its item
        result.outcome = Outcome(Status.ERROR, f"check crashed: {type(exc).__name__}: {exc}")
        return result
    if isinstance(judgement, dict):
        result.hosts = judgement
        result.outcome = (
            Outcome(Status.PASS, _hosts_summary(judgement))
            if judgement
            else Outcome(Status.INSUFFICIENT, f"host pattern '{item.hosts}' matched no host")
        )
    elif needs_attestation(item) and judgement.own is Status.PASS:
        result.outcome = _attested(item, judgement, ctx)
        result.evidence += [path for path in ctx.evidence["attestations"].files if path not in result.evidence]
    else:
        result.outcome = judgement
    return result


def _attested(item: ItemSpec, checked: Outcome, ctx: JudgeContext) -> Outcome:
    """Nothing but findings stands against the item; it now also rests on a signed human
    attestation. Findings stay, so a failing one still fails and a waived one still
    needs the attestation."""
    evidence = ctx.evidence["attestations"]
    if evidence.missing or evidence.error:
        attested = awaiting(item.params, evidence.missing or evidence.error or "")
    else:
        attested = judge_attestation(item.id, item.params, evidence.data["entries"], ctx.as_of)
    summary = f"{checked.summary}; {attested.summary}" if checked.summary else attested.summary
    return Outcome(attested.own, summary, checked.findings, checked.detail)


def _unavailable(evidence: Evidence) -> Outcome:
    if evidence.error:
        return Outcome(Status.ERROR, f"{evidence.source}: {evidence.error}")
    return Outcome(Status.INSUFFICIENT, f"{evidence.missing}")


def _hosts_summary(hosts: dict[str, Outcome]) -> str:
    bad = [f"{name}: {outcome.summary}" for name, outcome in sorted(hosts.items()) if outcome.unwaived is not Status.PASS]
    return "; ".join(bad) if bad else f"all {len(hosts)} host(s) pass"


def run(
    config: Config,
    options: RunOptions,
    evidence_dir: Path,
    waivers: list[Waiver],
    waiver_problems: list[str],
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Collect, judge, waive, decide; returns the result document (with digest)."""
    effective = effective_for(config)
    config, partial = select_items(config, options.only, options.skip)
    evidence = collect(config, options, evidence_dir, progress)
    ctx = JudgeContext(config, options.as_of, evidence, options.as_dict())
    items = [judge(item, config, ctx) for item in config.checklist.items if item.kind == "check"]
    provided = [
        item
        for provider in checks_pkg.PROVIDERS.values()
        if provider.source in evidence
        for item in provider.fn(evidence[provider.source], ctx)
    ]
    items += provided
    for item in items:
        apply_waivers(item, waivers)
    decision = decide(items, partial is not None)
    rendered = [_decision_item(item, decision.verdict) for item in config.checklist.items if item.kind == "decision"]
    by_id = {item.id: item for item in [*items, *rendered]}
    ordered = [by_id[item.id] for item in config.checklist.items] + provided
    release = release_block(config, evidence.get("git"))
    document_commit = release["commit"]
    document = {
        "schema": SCHEMA,
        "golive_version": __version__,
        "environment": config.environment,
        "as_of": options.as_of.isoformat(),
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
        "history_file": str(history_file(config, options.as_of, document_commit)) if config.history else None,
    }
    document["changes_since_last_go"] = changes_since_last_go(config, document)
    document = mask_value(document)
    document["digest"] = digest(document)
    return document


def changes_since_last_go(config: Config, document: dict[str, Any]) -> dict[str, Any] | None:
    """What changed since this environment's last GO in the history, for the reports."""
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


def history_file(config: Config, as_of: dt.datetime, commit: str | None) -> Path:
    """Where this run's result is kept: history/<environment>/<as-of>-<commit>-<run>.json.

    The run part keeps two runs with the same --as-of (a fixed one in CI, or two in one
    second) from overwriting each other's record.
    """
    assert config.history is not None
    stamp = as_of.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    return config.history / config.environment / f"{stamp}-{(commit or 'nocommit')[:12]}-{uuid.uuid4().hex[:8]}.json"


def _decision_item(item: ItemSpec, verdict: Verdict) -> ItemResult:
    ticked = (item.id == "decision.go" and verdict is Verdict.GO) or (item.id == "decision.no_go" and verdict is Verdict.NO_GO)
    summary = f"verdict: {verdict.value}"
    return ItemResult(
        id=item.id,
        section=item.section,
        title=item.title,
        seed_line=item.seed_line,
        severity=item.severity,
        # Rendered, not judged: pass means "this box is ticked", skip means "not this verdict".
        outcome=Outcome(Status.PASS if ticked else Status.SKIP, summary),
        fix=item.fix_text(),
        why=item.why,
        kind=item.kind,
        params=dict(item.params),
    )


def release_block(config: Config, git: Evidence | None) -> dict[str, Any]:
    data = git.data if git and not git.error and not git.missing else {}
    tag_item = config.checklist.get("release.version_tag")
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
