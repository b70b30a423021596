"""junit.xml: the checklist as a test report, so CI (Jenkins, GitLab) shows what blocks a release.

One testsuite per section and one testcase per item; a host item becomes one testcase
per host (`item_id[host]`) so the CI view names the host that failed. The Final
Decision boxes are not tests: they are the verdict, not something judged.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from golive.reports import Assets, Document, register
from golive.reports.common import grouped, is_decision, notices, one_line, waiver_text

FAILURE_STATUSES = frozenset({"fail", "insufficient", "pending"})
SKIPPED_STATUSES = frozenset({"skip", "waived"})

# XML 1.0 forbids most control characters; terminal colour codes in a host's output would
# otherwise make the whole file unparseable for the CI server.
_NOT_XML = re.compile("[^\x09\x0a\x0d\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


@dataclass(frozen=True)
class _Waived:
    """One waiver behind a waived testcase: the item's or host's own, or one finding's."""

    subject: str
    was: str
    waiver: dict[str, Any]

    def message(self) -> str:
        waiver = self.waiver
        return one_line(f"{self.subject}waived (was {self.was}): {waiver['reason']}, {waiver['approver']}, expires {waiver['expires']}")

    def text(self) -> str:
        return one_line(f"{self.subject}waived (was {self.was}): {waiver_text(self.waiver)}")


@dataclass
class _Case:
    name: str
    status: str
    summary: str
    findings: list[dict[str, Any]]
    waivers: list[_Waived] = field(default_factory=list)


@register("junit", "junit.xml")
def render(document: Document, assets: Assets | None = None) -> str:
    root = ET.Element("testsuites", name=one_line(f"golive {document['environment']}: {document['decision']['verdict']}"))
    totals: Counter[str] = Counter()
    for section, items in grouped(document):
        judged = [item for item in items if not is_decision(item)]
        if not judged:
            continue
        suite = ET.SubElement(root, "testsuite", name=one_line(section))
        _properties(suite, document)
        counts: Counter[str] = Counter()
        for item in judged:
            for case in _cases(item):
                counts[_kind(case.status)] += 1
                suite.append(_testcase(case, item, f"golive.{_slug(section)}"))
        _count(suite, counts)
        totals.update(counts)
    _count(root, totals)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def _cases(item: dict[str, Any]) -> list[_Case]:
    hosts = item.get("hosts") or {}
    if not hosts:
        own = [_Waived("", str(item.get("was", "")), item["waiver"])] if item.get("waiver") else []
        return [_Case(item["id"], item["status"], item["summary"], item["findings"], own + _finding_waivers(item["findings"]))]
    cases = []
    for host, outcome in sorted(hosts.items()):
        status = outcome["status"]
        own = [_Waived("", str(outcome.get("was", "")), outcome["waiver"])] if outcome.get("waiver") else []
        # An item-wide waiver covers every host that has not passed, not only the item line.
        if item.get("waiver") and status not in ("pass", "waived"):
            own, status = [_Waived("", status, item["waiver"])], "waived"
        findings = [finding for finding in item["findings"] if finding.get("host") == host]
        cases.append(_Case(f"{item['id']}[{host}]", status, outcome["summary"], findings, own + _finding_waivers(findings)))
    return cases


def _finding_waivers(findings: list[dict[str, Any]]) -> list[_Waived]:
    return [_Waived(f"{finding['key']} ", str(finding.get("was", "")), finding["waiver"]) for finding in findings if finding.get("waiver")]


def _testcase(case: _Case, item: dict[str, Any], classname: str) -> ET.Element:
    element = ET.Element("testcase", name=one_line(case.name), classname=one_line(classname), time="0")
    summary = one_line(case.summary)
    if case.status in FAILURE_STATUSES:
        ET.SubElement(element, "failure", message=_clean(summary), type=case.status).text = _details(case, item)
    elif case.status == "error":
        ET.SubElement(element, "error", message=_clean(summary), type="error").text = _details(case, item)
    elif case.status == "skip":
        ET.SubElement(element, "skipped", message=_clean(summary))
    elif case.status == "waived":
        skipped = ET.SubElement(element, "skipped", message=_clean("; ".join(waived.message() for waived in case.waivers) or "waived"))
        lines = [one_line(f"{item['id']}: {item['title']}"), f"summary: {summary}", *(waived.text() for waived in case.waivers)]
        skipped.text = _clean("\n".join(lines))
    elif case.status == "warn":
        ET.SubElement(element, "system-out").text = _clean(f"warn: {summary}\nfix: {one_line(item['fix'])}")
    return element


def _details(case: _Case, item: dict[str, Any]) -> str:
    """What a CI reader needs without opening the other reports: what, why it matters, how to fix."""
    # Each line is one_line'd: the body's own line breaks are the only ones, so no evidence
    # can add a `status:` or `finding` line of its own.
    lines = [one_line(f"{item['id']}: {item['title']}"), f"status: {case.status}", f"summary: {one_line(case.summary)}"]
    if item["severity"] != "blocker":
        lines.append(f"severity: {item['severity']} (does not block GO)")
    lines.extend(one_line(f"finding {f['key']}: {f['status']}: {f['detail']}") for f in case.findings)
    lines.append(f"fix: {one_line(item['fix'])}")
    if item.get("why"):
        lines.append(f"why: {one_line(item['why'])}")
    lines.extend(f"evidence: {one_line(path)}" for path in item["evidence"])
    return _clean("\n".join(lines))


def _properties(suite: ET.Element, document: Document) -> None:
    properties = ET.SubElement(suite, "properties")
    values = {
        "golive.environment": document["environment"],
        "golive.as_of": document["as_of"],
        "golive.verdict": document["decision"]["verdict"],
        "golive.digest": document["digest"],
        "golive.release.commit": document["release"].get("commit") or "",
    }
    values.update({f"golive.notice.{index}": notice for index, notice in enumerate(notices(document), start=1)})
    for name, value in values.items():
        ET.SubElement(properties, "property", name=name, value=one_line(value))


def _kind(status: str) -> str:
    if status in FAILURE_STATUSES:
        return "failures"
    if status == "error":
        return "errors"
    if status in SKIPPED_STATUSES:
        return "skipped"
    return "passed"


def _count(element: ET.Element, counts: Counter[str]) -> None:
    element.set("tests", str(sum(counts.values())))
    for kind in ("failures", "errors", "skipped"):
        element.set(kind, str(counts[kind]))
    element.set("time", "0")


def _slug(section: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", section.lower()).strip("_") or "section"


def _clean(text: str) -> str:
    # one_line already shows these as escapes; this is the backstop for text that keeps its lines.
    return _NOT_XML.sub("", text)
