"""Test Coverage: the load test's summary and the line coverage report, one file each."""

from __future__ import annotations

from fractions import Fraction
from typing import TYPE_CHECKING, Any, cast

from golive.checklist import ItemSpec
from golive.checks import JudgeContext, check
from golive.checks.exact import NotANumber, exact, percent, shown
from golive.checks.tests_evidence import Distrust, names_of, trusted
from golive.collectors import Evidence
from golive.model import Finding, Outcome, Status

if TYPE_CHECKING:
    from golive.testevidence.artifacts import ReportData, ReportFile


def single_report(evidence: Evidence, what: str, item: ItemSpec, ctx: JudgeContext) -> tuple[ReportFile, list[str]]:
    data = cast("ReportData", evidence.data)
    files = data["files"]
    notes = trusted(files, data["command"], f"{what} matching {', '.join(data['patterns'])}", item, ctx)
    if len(files) > 1:
        raise Distrust(
            Outcome(
                Status.INSUFFICIENT,
                f"ambiguous: {len(files)} {what}s match ({names_of(files)}); point sources.{evidence.source}.report at one",
            )
        )
    return files[0], notes


@check("tests.load", also_uses=("git",))
def load(item: ItemSpec, evidence: Evidence, ctx: JudgeContext) -> Outcome:
    try:
        file, notes = single_report(evidence, "load-test summary", item, ctx)
    except Distrust as distrust:
        return distrust.outcome
    report, path = file["report"], file["path"]
    users, orders, latency = report["users"], report["orders"], report["latency"]
    if orders["sent"] == 0:
        return Outcome(Status.INSUFFICIENT, f"{path}: no order was sent")
    params = item.params
    try:
        p99 = exact(latency.get("p99_exact", latency["p99_ms"]))
    except NotANumber as exc:
        return Outcome(Status.ERROR, f"{path}: latency P99: {exc}")
    # Exact: failed / sent against the limit's decimal text (1 of 100 is exactly 0.01).
    error_rate = Fraction(orders["failed"], orders["sent"])
    findings = []
    if users["active"] < int(params["min_users"]):
        findings.append(
            Finding(
                "load:users",
                Status.FAIL,
                f"{users['active']} concurrent users placed orders (of {users['requested']} requested); {params['min_users']} required",
            )
        )
    if orders["sent"] < int(params["min_orders"]):
        findings.append(Finding("load:orders", Status.FAIL, f"{orders['sent']} orders sent; {params['min_orders']} required"))
    rate_text = f"{shown(error_rate * 100, 3)} %"
    if error_rate > exact(params["max_error_rate"]):
        findings.append(
            Finding(
                "load:error_rate",
                Status.FAIL,
                f"error rate {rate_text} ({orders['failed']} of {orders['sent']} failed) > {params['max_error_rate']} ({shown(exact(params['max_error_rate']) * 100, 3)} %)",
            )
        )
    p99_text = latency.get("p99_exact") or f"{latency['p99_ms']:g}"
    if p99 > exact(params["max_p99_ms"]):
        findings.append(Finding("load:p99", Status.FAIL, f"P99 {p99_text} ms > {params['max_p99_ms']} ms"))
    summary = (
        f"{users['active']} users, {orders['sent']} orders ({orders['accepted']} accepted, {orders['rejected']} rejected, "
        f"{orders['failed']} failed), error rate {rate_text}, P99 {p99_text} ms ({path}); " + "; ".join(notes)
    )
    outcome = Outcome.from_findings(findings, summary)
    if findings:
        outcome.summary += f" ({path})"
    return outcome


@check("tests.coverage")
def coverage(item: ItemSpec, evidence: Evidence, ctx: JudgeContext) -> Outcome:
    try:
        file, notes = single_report(evidence, "coverage report", item, ctx)
    except Distrust as distrust:
        return distrust.outcome
    report, path = file["report"], file["path"]
    measured = coverage_fraction(report)
    if measured is None:
        return Outcome(
            Status.INSUFFICIENT,
            f"{path}: the report measured no line (0 statements), whatever rate it states; coverage of nothing proves nothing",
        )
    threshold = exact(item.params["min_percent"])
    figure = f"{shown(measured)} % line coverage over {report['modules']} modules ({path}, {report['format']})"
    if measured >= threshold:
        return Outcome(Status.PASS, "; ".join([figure, *notes]))
    weakest = report["weakest"][: int(item.params["weakest_modules"])]
    named = ", ".join(f"{module['name']} {module['percent']:g} %" for module in weakest)
    return Outcome(Status.WARN, f"{figure} is below {item.params['min_percent']} %; weakest: {named}")


def coverage_fraction(report: dict[str, Any]) -> Fraction | None:
    """Line coverage in percent, exactly: covered / valid line counts, else the report's own
    line-rate decimal text; None when the report measured no line."""
    valid, covered = report.get("lines_valid"), report.get("lines_covered")
    if valid == 0:
        return None
    if report.get("line_rate") is not None:
        return exact(report["line_rate"]) * 100
    if isinstance(valid, int) and isinstance(covered, int):
        return percent(covered, valid)
    return None
