"""AppSec grades: the A (best) to F scale, the grade a ZAP alert allows, and the grading of
wapiti scans. The one definition of these tables, for the scanners collector (which
checks ZAP's codes are in range) and for the AppSec check (which grades).

ZAP alerts, by risk and confidence:
    A: Informational or Low risk; Medium risk at Low confidence.
    B: Medium risk at Medium confidence.      C: Medium risk at High or Confirmed confidence.
    D: High risk at Low confidence.           E: High risk at Medium confidence.
    F: High risk at High or Confirmed confidence.
    An alert marked False Positive (confidence 0) grades nothing.

wapiti findings, by wapiti's own levels (wapiti reports only what it confirmed: a payload it saw
reflected, an error it provoked, a header it found missing), mapped as ZAP alerts at
High confidence are:
    Info (0), Low (1) -> A     Medium (2) -> C     High (3), Critical (4) -> F
    anomalies (an Internal Server Error or a timeout under attack) -> B: unhandled input,
    not yet a proven vulnerability.
Each vulnerability is a finding `wapiti:<category>@<path>`, the category in lower case
with dashes (`wapiti:cross-site-scripting@/feedback`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from golive.collectors.scanners_evidence import WapitiFlaw, WapitiScan
from golive.scanners_wapiti import LEVELS, slug

GRADES = ("A", "B", "C", "D", "E", "F")
ZAP_RISKS = {0: "Informational", 1: "Low", 2: "Medium", 3: "High"}
ZAP_CONFIDENCES = {0: "False Positive", 1: "Low", 2: "Medium", 3: "High", 4: "Confirmed"}
# The grade a ZAP alert allows at best, by risk then confidence.
ZAP_GRADES = {
    0: {1: "A", 2: "A", 3: "A", 4: "A"},
    1: {1: "A", 2: "A", 3: "A", 4: "A"},
    2: {1: "A", 2: "B", 3: "C", 4: "C"},
    3: {1: "D", 2: "E", 3: "F", 4: "F"},
}
WAPITI_LEVEL_GRADES = {0: "A", 1: "A", 2: "C", 3: "F", 4: "F"}
WAPITI_ANOMALY_GRADE = "B"


def worse(grade: str, than: str) -> bool:
    return GRADES.index(grade) > GRADES.index(than)


def worst_grade(grades: list[str], default: str) -> str:
    return max(grades, key=GRADES.index, default=default)


# ------------------------------------------------------------------------------ ZAP


def alert_grade(risk: int, confidence: int) -> str | None:
    """The grade one ZAP alert allows at best; None for alerts marked False Positive."""
    if confidence == 0:
        return None
    return ZAP_GRADES[risk][confidence]


# ------------------------------------------------------------------------------ wapiti


@dataclass
class ScanJudgement:
    grade: str | None  # None when no usable scan
    flaws: list[dict[str, Any]]  # each with key, grade, paths, detail
    gaps: list[tuple[str, str]]  # (status name, reason): "insufficient" or "error"
    facts: list[str]


def flaw_grade(flaw: WapitiFlaw, anomaly: bool) -> str:
    return WAPITI_ANOMALY_GRADE if anomaly else WAPITI_LEVEL_GRADES[int(flaw["level"])]


def judge_scans(scans: list[WapitiScan], min_urls: int, min_parameters: int) -> ScanJudgement:
    """Grade usable wapiti scans; scans with too little crawl evidence only add gaps."""
    merged: dict[str, dict[str, Any]] = {}
    gaps: list[tuple[str, str]] = []
    facts: list[str] = []
    graded = 0
    for scan in scans:
        name = scan["file"].rsplit("/", 1)[-1]
        crawl = scan.get("crawl")
        if not crawl:
            why = scan.get("crawl_error") or "no session database (sources.scanners.wapiti.session) names what it crawled"
            gaps.append(("insufficient", f"{name}: the crawl is unproven: {why}"))
            continue
        if crawl["root_url"] and crawl["root_url"] != scan["target"]:
            gaps.append(("insufficient", f"{name}: its session database crawled {crawl['root_url']}, not {scan['target']}"))
            continue
        urls, parameters = int(crawl["crawled"]), len(crawl["parameters"])
        facts.append(f"{scan['target']}: {urls} URL(s) and forms crawled, {parameters} parameter(s) attacked")
        short = [f"{urls} URL(s) crawled (min_urls {min_urls})"] if urls < min_urls else []
        short += [f"{parameters} parameter(s) attacked (min_parameters {min_parameters})"] if parameters < min_parameters else []
        if short:
            gaps.append(("insufficient", f"{name}: too small a scan to grade: {', '.join(short)}"))
            continue
        graded += 1
        for anomaly, flaws in ((False, scan["vulnerabilities"]), (True, scan["anomalies"])):
            for flaw in flaws:
                key = f"wapiti:{slug(flaw['category'])}@{flaw['path']}"
                grade = flaw_grade(flaw, anomaly)
                known = merged.get(key)
                where = f"{flaw['method']} {flaw['path']}" + (f" parameter {flaw['parameter']}" if flaw["parameter"] else "")
                if known is None or worse(grade, known["grade"]):
                    kind = "anomaly" if anomaly else f"{LEVELS[int(flaw['level'])]} level"
                    info = flaw["info"].splitlines()[0] if flaw["info"] else ""
                    merged[key] = {
                        "key": key,
                        "grade": grade,
                        "level": int(flaw["level"]),
                        "detail": f"{key} {flaw['category']} ({kind}, grade {grade}) at {where}" + (f": {info}" if info else ""),
                    }
    ordered = sorted(merged.values(), key=lambda flaw: (-GRADES.index(flaw["grade"]), flaw["key"]))
    overall = worst_grade([flaw["grade"] for flaw in ordered], "A") if graded else None
    return ScanJudgement(overall, ordered, gaps, facts)
