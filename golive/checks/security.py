"""Security & Compliance: the AppSec grade (ZAP reports, wapiti scans), Trivy/Bandit findings and the audit exports."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any, cast

from golive import appsec
from golive.appsec import GRADES, ZAP_CONFIDENCES, ZAP_RISKS, alert_grade, worse, worst_grade
from golive.checklist import ItemSpec
from golive.checks import JudgeContext, check
from golive.collectors import Evidence
from golive.collectors.scanners_evidence import ReportT
from golive.model import Finding, Outcome, Status, worst

if TYPE_CHECKING:
    from golive.collectors.audit import AuditData, AuditExport
    from golive.collectors.scanners_evidence import (
        BanditReport,
        PipAuditReport,
        ReportEntry,
        ScannersData,
        ToolBlock,
        TrivyReport,
        WapitiScan,
    )

BANDIT_LEVELS = ("LOW", "MEDIUM", "HIGH")
# The scanners security.scanners can require (its `require` parameter).
REQUIRABLE = ("trivy", "bandit", "pip-audit")


class _Gaps:
    """Why the evidence is not enough, each with the status it costs (worst wins)."""

    def __init__(self) -> None:
        self.entries: list[tuple[Status, str]] = []

    def add(self, status: Status, text: str) -> None:
        self.entries.append((status, text))

    @property
    def status(self) -> Status:
        return worst([status for status, _ in self.entries])

    def text(self) -> str:
        return "; ".join(text for _, text in self.entries)


def usable_reports(tool: str, label: str, block: ToolBlock[ReportT], as_of: dt.datetime, max_age_days: int, gaps: _Gaps) -> list[ReportT]:
    """The reports of `tool` that are readable and current; records why the others are not."""
    if not block.get("configured"):
        gaps.add(Status.INSUFFICIENT, f"sources.scanners.{tool} not configured")
        return []
    reports = block.get("reports") or []
    if not reports:
        gaps.add(Status.INSUFFICIENT, f"no {label} report matches {block.get('pattern')}")
        return []
    usable = []
    for report in reports:
        if report.get("error"):
            gaps.add(Status.ERROR, report["error"])
            continue
        date_problem = report.get("date_problem")
        if date_problem and not report.get("live"):
            gaps.add(Status(date_problem["status"]), date_problem["detail"])
            continue
        problem = None if report.get("live") else age_problem(report, as_of, max_age_days)
        if problem:
            gaps.add(Status.INSUFFICIENT, f"{report['file']}: {problem}")
            continue
        usable.append(report)
    return usable


def age_problem(report: ReportEntry, as_of: dt.datetime, max_age_days: int) -> str | None:
    generated = report.get("generated")
    if not generated:
        return "report carries no date"
    moment = dt.datetime.fromisoformat(generated)
    origin = f" (date from {report['date_origin']})" if report.get("date_origin") not in (None, "report") else ""
    if moment > as_of:
        return f"dated {moment.isoformat()}{origin}, after --as-of {as_of.isoformat()}"
    age = as_of - moment
    if age > dt.timedelta(days=max_age_days):
        return f"{age.days} days old{origin}, older than {max_age_days} days"
    return None


# ------------------------------------------------------------------------------ ZAP


@check("security.zap")
def zap(item: ItemSpec, evidence: Evidence, ctx: JudgeContext) -> Outcome:
    min_grade = str(item.params["min_grade"]).upper()
    if min_grade not in GRADES:
        return Outcome(Status.ERROR, f"items.security.zap.min_grade {item.params['min_grade']!r} is not one of {', '.join(GRADES)}")
    minimums = {name: item.params[name] for name in ("min_urls", "min_parameters")}
    for name, value in minimums.items():
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            return Outcome(Status.ERROR, f"items.security.zap.{name} {value!r} is not a whole number of at least 1")
    data = cast("ScannersData", evidence.data)
    zap_block = data["zap"]
    wapiti_block: ToolBlock[WapitiScan] = data.get("wapiti") or {"configured": False, "pattern": "", "reports": []}
    if not zap_block.get("configured") and not wapiti_block.get("configured"):
        return Outcome(Status.INSUFFICIENT, "sources.scanners.zap not configured (nor sources.scanners.wapiti): no AppSec scan to grade")
    gaps = _Gaps()
    max_age = int(item.params["max_age_days"])
    reports = usable_reports("zap", "ZAP", zap_block, ctx.as_of, max_age, gaps) if zap_block.get("configured") else []
    alerts: dict[str, dict[str, Any]] = {}
    for report in reports:
        if not report["sites"]:
            gaps.add(Status.INSUFFICIENT, f"{report['file']}: the report covers no site (the scan reached nothing)")
        for alert in report["alerts"]:
            grade = alert_grade(alert["risk"], alert["confidence"])
            if grade is None:
                continue
            known = alerts.get(alert["pluginid"])
            if known is None or worse(grade, known["grade"]):
                alerts[alert["pluginid"]] = {**alert, "grade": grade, "sites": sorted({alert["site"], *(known or {}).get("sites", [])})}
            else:
                known["sites"] = sorted({alert["site"], *known["sites"]})
    ordered = sorted(alerts.values(), key=lambda a: (-a["risk"], -a["confidence"], int(a["pluginid"])))
    grades = [a["grade"] for a in ordered] + (["A"] if reports else [])
    findings = [
        Finding(
            f"zap:{a['pluginid']}",
            Status.FAIL,
            f"zap:{a['pluginid']} {a['name']}: {ZAP_RISKS[a['risk']]} risk, {ZAP_CONFIDENCES[a['confidence']]} confidence on {', '.join(a['sites'])} (grade {a['grade']})",
        )
        for a in ordered
        if worse(a["grade"], min_grade)
    ]
    parts = []
    if reports:
        listed = ", ".join(
            f"{ZAP_RISKS[a['risk']]}/{ZAP_CONFIDENCES[a['confidence']]} {a['pluginid']} {a['name']}" for a in ordered if a["risk"] >= 1
        )
        parts.append(
            f"ZAP {', '.join(r['file'].rsplit('/', 1)[-1] for r in reports)}: alerts by risk: {listed or 'none above Informational'}"
        )
    if wapiti_block.get("configured"):
        scans = usable_reports("wapiti", "wapiti", wapiti_block, ctx.as_of, max_age, gaps)
        judged = appsec.judge_scans(scans, int(minimums["min_urls"]), int(minimums["min_parameters"]))
        for status, text in judged.gaps:
            gaps.add(Status(status), text)
        if judged.grade is not None:
            grades.append(judged.grade)
            flaws = ", ".join(f"{flaw['key']} ({flaw['grade']})" for flaw in judged.flaws)
            parts.append(f"wapiti: {'; '.join(judged.facts)}; vulnerabilities: {flaws or 'none'}")
        findings += [Finding(flaw["key"], Status.FAIL, flaw["detail"]) for flaw in judged.flaws if worse(flaw["grade"], min_grade)]
    if not grades:
        return Outcome(gaps.status, gaps.text() or "no usable AppSec scan", findings)
    grade = worst_grade(grades, "A")
    verdict = f"grade {grade} (needs {min_grade} or better); " + "; ".join(parts)
    if gaps.entries:
        return Outcome(gaps.status, f"{gaps.text()}; {verdict}", findings)
    return Outcome(Status.PASS, verdict, findings)


# ------------------------------------------------------------------------------ Trivy + Bandit


# Trivy's word for a vulnerability no database has scored yet: it could be critical.
UNSCORED = "UNKNOWN"


def trivy_findings(reports: list[TrivyReport], blocking: set[str]) -> tuple[list[Finding], int]:
    """A FAIL finding per blocking vulnerability, an INSUFFICIENT one per unscored
    (UNKNOWN) one unless UNKNOWN itself is blocking, and the count of the others."""
    merged: dict[str, dict[str, Any]] = {}
    others = 0
    for report in reports:
        for vuln in report["vulnerabilities"]:
            if vuln["severity"] not in blocking and vuln["severity"] != UNSCORED:
                others += 1
                continue
            key = f"{vuln['id']}@{vuln['package']}"
            entry = merged.setdefault(key, {**vuln, "targets": set()})
            entry["targets"].add(vuln["target"])
    findings = []
    for key, found in sorted(merged.items()):
        fixed = f"fixed in {found['fixed']}" if found["fixed"] else "no fix released"
        where = ", ".join(sorted(found["targets"]))
        if found["severity"] in blocking:
            status, label = Status.FAIL, found["severity"]
        else:
            status, label = Status.INSUFFICIENT, "severity UNKNOWN (unscored: it may be critical; review and waive, or rescan)"
        findings.append(Finding(key, status, f"{key} {label}: {found['package']} {found['installed']} ({fixed}) in {where}"))
    return findings, others


def pip_audit_findings(reports: list[PipAuditReport], trivy: list[TrivyReport]) -> list[Finding]:
    """An INSUFFICIENT finding per vulnerability pip-audit lists: it reports no severity, so
    "no critical CVE" cannot be decided for it, unless a Trivy report in this run scored the
    same CVE (an alias), which then judges it there."""
    scored = {vuln["id"] for report in trivy for vuln in report["vulnerabilities"] if vuln["severity"] != UNSCORED}
    merged: dict[str, dict[str, Any]] = {}
    for report in reports:
        for vuln in report["vulnerabilities"]:
            if scored & {vuln["id"], *vuln["aliases"]}:
                continue
            merged.setdefault(f"pip-audit:{vuln['id']}@{vuln['package']}", dict(vuln))
    findings = []
    for key, found in sorted(merged.items()):
        fixed = f"fixed in {', '.join(found['fix_versions'])}" if found["fix_versions"] else "no fix released"
        aliases = f" ({', '.join(found['aliases'])})" if found["aliases"] else ""
        detail = f"{key}{aliases}: {found['package']} {found['installed']} ({fixed}); pip-audit gives no severity: review, upgrade or waive"
        findings.append(Finding(key, Status.INSUFFICIENT, detail))
    return findings


def bandit_findings(reports: list[BanditReport], threshold: str) -> tuple[list[Finding], int]:
    floor = BANDIT_LEVELS.index(threshold)
    merged: dict[str, dict[str, Any]] = {}
    others = 0
    for report in reports:
        for result in report["results"]:
            severe = result["severity"] in BANDIT_LEVELS and BANDIT_LEVELS.index(result["severity"]) >= floor
            sure = result["confidence"] in BANDIT_LEVELS and BANDIT_LEVELS.index(result["confidence"]) >= floor
            if not (severe and sure):
                others += 1
                continue
            key = f"bandit:{result['test_id']}@{result['filename']}"
            entry = merged.setdefault(key, {**result, "lines": set()})
            if result["line"] is not None:
                entry["lines"].add(result["line"])
    findings = []
    for key, found in sorted(merged.items()):
        lines = ",".join(map(str, sorted(found["lines"])))
        findings.append(
            Finding(
                key,
                Status.FAIL,
                f"{key}:{lines} {found['severity']}/{found['confidence']}: {found['text']}" if lines else f"{key}: {found['text']}",
            )
        )
    return findings, others


@check("security.scanners")
def scanners(item: ItemSpec, evidence: Evidence, ctx: JudgeContext) -> Outcome:
    blocking = {str(level).upper() for level in item.params["blocking_severities"]}
    threshold = str(item.params["bandit_blocking"]).upper()
    if threshold not in BANDIT_LEVELS:
        return Outcome(
            Status.ERROR,
            f"items.security.scanners.bandit_blocking {item.params['bandit_blocking']!r} is not one of {', '.join(BANDIT_LEVELS)}",
        )
    required = item.params["require"]
    if not isinstance(required, list) or not required or not all(isinstance(tool, str) and tool.lower() in REQUIRABLE for tool in required):
        return Outcome(Status.ERROR, f"items.security.scanners.require {required!r} is not a non-empty list of {', '.join(REQUIRABLE)}")
    tools = {tool.lower() for tool in required}
    max_age = int(item.params["max_age_days"])
    gaps = _Gaps()
    # A scanner the policy does not require is neither judged nor mentioned.
    data = cast("ScannersData", evidence.data)
    trivy = usable_reports("trivy", "Trivy", data["trivy"], ctx.as_of, max_age, gaps) if "trivy" in tools else []
    bandit = usable_reports("bandit", "Bandit", data["bandit"], ctx.as_of, max_age, gaps) if "bandit" in tools else []
    audited = usable_reports("pip_audit", "pip-audit", data["pip_audit"], ctx.as_of, max_age, gaps) if "pip-audit" in tools else []
    for report in trivy:
        if not report.get("targets", [None]):
            gaps.add(Status.INSUFFICIENT, f"{report['file']}: Trivy scanned no target, so it proves nothing about vulnerabilities")
    for scanned in bandit:
        if scanned.get("loc") == 0:
            gaps.add(Status.INSUFFICIENT, f"{scanned['file']}: Bandit scanned 0 lines of code, so it proves nothing")
        for problem in scanned["errors"]:
            gaps.add(Status.ERROR, f"{scanned['file']}: bandit could not scan {problem}")
    cves, other_vulns = trivy_findings(trivy, blocking)
    python_vulns = pip_audit_findings(audited, trivy)
    for audit in audited:
        if audit["dependencies"] == 0:
            gaps.add(Status.INSUFFICIENT, f"{audit['file']}: pip-audit checked no dependency, so it proves nothing")
        for skipped in audit["skipped"]:
            gaps.add(Status.INSUFFICIENT, f"{audit['file']}: pip-audit could not check {skipped}")
    issues, other_issues = bandit_findings(bandit, threshold)
    # Bandit counts a bare `# nosec` under nosec and a `# nosec B602` under skipped_tests.
    nosec = sum((report["nosec"] or 0) + (report["skipped_tests"] or 0) for report in bandit)
    unknown_nosec = any(report["nosec"] is None for report in bandit)
    parts = []
    if trivy:
        parts.append(
            f"Trivy ({len(trivy)} report(s)): {len(cves)} {'/'.join(sorted(blocking))} finding(s), {other_vulns} of other severities"
        )
    if bandit:
        suppressions = f"{nosec}{'+ (count missing from a report)' if unknown_nosec else ''} `# nosec` suppression(s)"
        parts.append(
            f"Bandit ({len(bandit)} report(s)): {len(issues)} {threshold}/{threshold} finding(s), {other_issues} below, {suppressions}"
        )
    if audited:
        parts.append(
            f"pip-audit ({len(audited)} report(s)): {len(python_vulns)} unscored vulnerabilit(ies) to review "
            f"in {sum(report['dependencies'] for report in audited)} dependencies (dated by file modification time)"
        )
    facts = "; ".join(parts)
    findings = [*cves, *python_vulns, *issues]
    lead = "; ".join(finding.detail for finding in findings)
    if gaps.entries:
        return Outcome(gaps.status, "; ".join(filter(None, [gaps.text(), lead, facts])), findings)
    # The review itself is the item's `attestation` parameter, judged by the engine.
    return Outcome(Status.PASS, "; ".join(filter(None, [lead, facts])), findings)


# ------------------------------------------------------------------------------ audit exports


def quarter_of(day: dt.date) -> tuple[int, int]:
    return day.year, (day.month - 1) // 3 + 1


def quarter_start(year: int, quarter: int) -> dt.date:
    return dt.date(year, 3 * (quarter - 1) + 1, 1)


def _weekly_day(export: AuditExport) -> dt.date:
    if export["date"] is None:  # the collector dates every weekly export it finds no problem with
        raise ValueError(f"{export['file']}: a weekly export without a date")
    return dt.date.fromisoformat(export["date"])


@check("security.audit_evidence")
def audit_evidence(item: ItemSpec, evidence: Evidence, ctx: JudgeContext) -> Outcome:
    max_age = int(item.params["weekly_max_age_days"])
    grace = int(item.params["quarterly_grace_days"])
    today = ctx.as_of.date()
    data = cast("AuditData", evidence.data)
    exports = data["exports"]
    problems = [entry["problem"] for entry in exports if entry["problem"]]
    problems += [f"{name}: metadata for a file that does not exist" for name in data.get("orphan_metadata", [])]
    usable = [entry for entry in exports if not entry["problem"] and entry["bytes"] > 0]
    empty = [entry["file"] for entry in exports if not entry["problem"] and entry["bytes"] == 0]
    notes = [f"empty (ignored): {', '.join(empty)}"] if empty else []
    findings: list[Finding] = []

    weekly = [e for e in usable if e["kind"] == "weekly" and _weekly_day(e) <= today]
    future = [e["file"] for e in usable if e["kind"] == "weekly" and _weekly_day(e) > today]
    if future:
        notes.append(f"dated after --as-of (ignored): {', '.join(future)}")
    newest = max(weekly, key=_weekly_day, default=None)
    if newest is None:
        findings.append(Finding("audit:weekly", Status.FAIL, f"no weekly export in {data['folder']}"))
    else:
        age = (today - _weekly_day(newest)).days
        if age > max_age:
            findings.append(
                Finding(
                    "audit:weekly",
                    Status.FAIL,
                    f"newest weekly export {newest['file']} is dated {newest['date']}, {age} days before --as-of (limit {max_age})",
                )
            )
        else:
            notes.insert(0, f"weekly {newest['file']} ({newest['date']}, {age} day(s) old)")

    year, quarter = quarter_of(today)
    current = f"{year}-Q{quarter}"
    previous_year, previous_q = (year, quarter - 1) if quarter > 1 else (year - 1, 4)
    previous = f"{previous_year}-Q{previous_q}"
    in_grace = (today - quarter_start(year, quarter)).days <= grace
    quarterly = {e["period"]: e for e in usable if e["kind"] == "quarterly" and e["period"] is not None}
    if current in quarterly:
        notes.insert(1 if newest else 0, f"quarterly {quarterly[current]['file']} ({current})")
    elif previous in quarterly and in_grace:
        notes.insert(
            1 if newest else 0, f"quarterly {quarterly[previous]['file']} ({previous}, accepted within {grace} days of {current} starting)"
        )
    else:
        found = ", ".join(sorted(quarterly)) or "none"
        accepted = f"{current} (or {previous} until {quarter_start(year, quarter) + dt.timedelta(days=grace)})"
        findings.append(
            Finding("audit:quarterly", Status.FAIL, f"no quarterly export for {accepted} in {data['folder']} (quarters found: {found})")
        )

    summary = "; ".join([*(f.detail for f in findings), *notes])
    if problems:
        return Outcome(Status.ERROR, "; ".join([*problems, summary]), findings)
    return Outcome(Status.PASS, summary, findings)
