"""Test Coverage: the unit, integration and e2e suites (see golive.checks.tests_evidence for
how every artifact is trusted first; tests_performance and tests_reports judge the rest)."""

from __future__ import annotations

from golive.checklist import ItemSpec
from golive.checks import JudgeContext, check
from golive.checks.tests_evidence import (
    Distrust,
    exit_contradicts,
    failure_findings,
    junit_outcome,
    names_of,
    suite_entry,
    totals_of,
    trusted,
)
from golive.collectors import Evidence, Request
from golive.collectors.junit import SOURCE, SUITE
from golive.model import Outcome, Status
from golive.testevidence.junit import NO_CHROMIUM_MARKER

SUITE_OF = {"tests.unit": "unit", "tests.integration": "integration", "tests.performance": "performance", "tests.e2e": "e2e"}


def suite_requests(item: ItemSpec) -> list[Request]:
    """The item's suite, run (when sources.junit.run says how) and read."""
    return [Request(SOURCE, SUITE, {"suite": SUITE_OF[item.check_name]})]


@check("tests.unit", "tests.integration", also_uses=("git",), requests=suite_requests)
def junit_suite(item: ItemSpec, evidence: Evidence, ctx: JudgeContext) -> Outcome:
    try:
        entry = suite_entry(evidence, SUITE_OF[item.check_name])
        notes = trusted(entry["files"], entry["command"], f"report matching {', '.join(entry['patterns'])}", item, ctx)
    except Distrust as distrust:
        return distrust.outcome
    contradiction = exit_contradicts(entry["command"], totals_of(entry["files"]))
    if contradiction:
        return contradiction
    return junit_outcome(totals_of(entry["files"]), int(item.params["min_tests"]), names_of(entry["files"]), notes)


@check("tests.e2e", also_uses=("git",), requests=suite_requests)
def e2e(item: ItemSpec, evidence: Evidence, ctx: JudgeContext) -> Outcome:
    try:
        entry = suite_entry(evidence, "e2e")
        notes = trusted(entry["files"], entry["command"], f"Playwright report matching {', '.join(entry['patterns'])}", item, ctx)
    except Distrust as distrust:
        return distrust.outcome
    totals = totals_of(entry["files"])
    contradiction = exit_contradicts(entry["command"], totals)
    if contradiction:
        return contradiction
    names = names_of(entry["files"])
    executed = totals["tests"] - totals["skipped"]
    bad = totals["failures"] + totals["errors"]
    if executed == 0 and bad == 0 and totals["skipped"] > 0:
        skipped, documented = totals["skipped"], totals["skipped_no_chromium"]
        if documented < skipped:
            # "Every test skipped for lack of Chromium": one documented skip among others proves nothing.
            return Outcome(
                Status.INSUFFICIENT,
                f"{skipped - documented} of {skipped} skipped e2e test(s) in {names} lack the documented '{NO_CHROMIUM_MARKER}' reason",
            )
        first = next((skip for skip in totals["skips"] if NO_CHROMIUM_MARKER in skip["reason"].lower()), None)
        reason = f"{first['reason']} ({first['path']})" if first else f"{skipped} test(s) in {names}"
        if item.params["allow_skip_without_chromium"]:
            return Outcome(Status.SKIP, f"documented skip of all {skipped} test(s): {reason}")
        return Outcome(Status.INSUFFICIENT, f"e2e skipped for lack of Chromium ({reason}) and the checklist does not allow that skip")
    if executed == 0:
        return Outcome(Status.INSUFFICIENT, f"no e2e test ran in {names}")
    counts = f"{totals['passed']} passed, {bad} failed, {totals['skipped']} skipped in {names}"
    findings = failure_findings(totals)
    if bad > len(findings):
        # More failures than the report listing kept: waiving the listed ones must not pass the rest.
        return Outcome(Status.FAIL, f"{bad} failed/errored e2e tests, {bad - len(findings)} not listed ({counts})", findings)
    return Outcome.from_findings(findings, "; ".join([counts, *notes]))
