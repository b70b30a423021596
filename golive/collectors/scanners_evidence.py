"""The shape of the scanners source's evidence (`Evidence.data`): built by the scanners
collector and golive.scanners_wapiti, read by golive.checks.security and golive.appsec.
Plain dicts at runtime, so scanners.json is what it always was.

Each tool has a block; each block lists report entries. An entry that could not be used
holds only `file` and `error`; hence the report types declare no key as required.
"""

from __future__ import annotations

from typing import Generic, TypedDict, TypeVar


class DateProblem(TypedDict):
    status: str  # "error" (not ISO-8601) or "insufficient" (no UTC offset)
    detail: str


class ReportEntry(TypedDict, total=False):
    file: str
    error: str
    generated: str | None  # ISO-8601 with an offset
    date_origin: str  # "report", or "file modification time" when the report has no date
    date_problem: DateProblem | None
    # A run golive made itself (current by construction: never aged against --as-of).
    live: bool
    argv: list[str]
    returncode: int


class ZapAlert(TypedDict):
    pluginid: str
    name: str
    risk: int
    confidence: int
    site: str
    count: int | None


class ZapReport(ReportEntry, total=False):
    format: str
    version: str
    sites: list[str]
    alerts: list[ZapAlert]


class TrivyVulnerability(TypedDict):
    id: str
    package: str
    installed: str
    fixed: str
    severity: str
    target: str
    title: str


class TrivyReport(ReportEntry, total=False):
    shape: str
    artifact: str
    targets: list[str]
    vulnerabilities: list[TrivyVulnerability]


class BanditResult(TypedDict):
    test_id: str
    filename: str
    line: int | None
    severity: str
    confidence: str
    text: str


class BanditReport(ReportEntry, total=False):
    results: list[BanditResult]
    # None where the report does not say.
    nosec: int | None
    loc: int | None
    skipped_tests: int | None
    errors: list[str]


class WapitiFlaw(TypedDict):
    category: str
    level: int
    method: str
    path: str
    parameter: str
    info: str


class WapitiCrawl(TypedDict):
    file: str
    root_url: str
    crawled: int
    urls: list[str]
    parameters: list[str]
    modules: list[str]


class WapitiScan(ReportEntry, total=False):
    format: str
    version: str
    target: str
    scope: str
    vulnerabilities: list[WapitiFlaw]
    anomalies: list[WapitiFlaw]
    crawl: WapitiCrawl | None
    crawl_error: str


class PipAuditVulnerability(TypedDict):
    id: str
    package: str
    installed: str
    aliases: list[str]
    fix_versions: list[str]


class PipAuditReport(ReportEntry, total=False):
    dependencies: int
    vulnerabilities: list[PipAuditVulnerability]
    # Dependencies pip-audit could not check, each with its reason.
    skipped: list[str]


ReportT = TypeVar("ReportT", ZapReport, TrivyReport, BanditReport, WapitiScan, PipAuditReport)


class ToolBlock(TypedDict, Generic[ReportT]):
    configured: bool
    pattern: str
    reports: list[ReportT]


class ScannersData(TypedDict):
    zap: ToolBlock[ZapReport]
    trivy: ToolBlock[TrivyReport]
    bandit: ToolBlock[BanditReport]
    wapiti: ToolBlock[WapitiScan]
    pip_audit: ToolBlock[PipAuditReport]
