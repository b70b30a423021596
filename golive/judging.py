"""Judging: which items apply and are selected, each item's check on its evidence, the
attestation overlay, the providers' items, and the waivers on top."""

from __future__ import annotations

from dataclasses import dataclass, replace
from fnmatch import fnmatchcase
from typing import Any

from golive import checks as checks_pkg
from golive.attestations import awaiting, judge_attestation
from golive.checklist import ItemSpec
from golive.checks import JudgeContext
from golive.collectors import Evidence
from golive.config import Config
from golive.decision import Waiver, apply_waivers
from golive.model import ItemResult, Outcome, Status
from golive.policy import effective_checklist
from golive.yamlfile import ConfigError


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


def skip_reason(item: ItemSpec, config: Config) -> str | None:
    if item.only_if and not getattr(config, item.only_if):
        return f"applies only to environments with {item.only_if} (environment '{config.environment}' has none)"
    return None


def applicability(config: Config) -> dict[str, bool]:
    return {item.id: skip_reason(item, config) is None for item in config.checklist.items}


def effective_for(config: Config) -> dict[str, Any]:
    """The effective checklist of `config`'s environment, as recorded in and verified against results."""
    return effective_checklist(config.checklist, config.policy, config.promote_from, applicability(config))


def needs_attestation(item: ItemSpec) -> bool:
    """Items with an `attestation` text pass only with a valid signed attestation."""
    return bool(item.params.get("attestation"))


@dataclass
class Judged:
    """Every judged item, waivers applied: the checklist's in its order, then the providers'."""

    checklist: list[ItemResult]
    provided: list[ItemResult]

    @property
    def items(self) -> list[ItemResult]:
        return [*self.checklist, *self.provided]


def judge_all(config: Config, ctx: JudgeContext, waivers: list[Waiver]) -> Judged:
    """Judge every check item of the checklist and every item a provider adds, then waive."""
    judged = Judged(
        [judge(item, config, ctx) for item in config.checklist.items if item.kind == "check"],
        [
            item
            for provider in checks_pkg.PROVIDERS.values()
            if provider.source in ctx.evidence
            for item in provider.fn(ctx.evidence[provider.source], ctx)
        ],
    )
    for item in judged.items:
        apply_waivers(item, waivers)
    return judged


def judge(item: ItemSpec, config: Config, ctx: JudgeContext) -> ItemResult:
    """`item` judged, with the fix text for why it did not pass."""
    result = _judged(item, config, ctx)
    result.fix = fix_for(item, result)
    return result


def fix_for(item: ItemSpec, result: ItemResult) -> str:
    """The checklist's mitigation when the evidence shows the item failing; for evidence that
    could not be read or is not enough, what to do about the evidence, since the mitigation
    would answer a failure nobody saw (the summary names the file, key or command)."""
    status = result.unwaived
    if status is Status.ERROR:
        return item.fix_for_error or (
            f"golive could not read this item's evidence (see the summary): repair what it names in the {item.source} "
            f"source (a file, URL, command or its sources.{item.source} settings) and run again; "
            f"`golive explain {item.id}` lists what it reads."
        )
    if status is Status.INSUFFICIENT:
        return item.fix_for_insufficient or (
            f"Not enough evidence to decide (see the summary): provide what it names (sources.{item.source} in "
            f"golive.yml, or the missing report or host), then run again; `golive explain {item.id}` lists what it reads."
        )
    return item.fix_text()


def _judged(item: ItemSpec, config: Config, ctx: JudgeContext) -> ItemResult:
    title = item.display_title()
    result = ItemResult(
        id=item.id,
        section=item.section,
        title=title,
        seed_title=item.title if title != item.title else None,
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
    others = {path for key, paths in evidence.keyed_files.items() if key != item.id for path in paths}
    result.evidence = [path for path in evidence.files if path not in others]
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
