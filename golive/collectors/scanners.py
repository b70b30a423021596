"""Scanner reports: OWASP ZAP (traditional JSON or XML), Trivy JSON (both shapes), Bandit (its
JSON report, or `bandit -r` run on the configured source tree) and pip-audit JSON.

    sources:
      scanners:
        zap: "reports/zap/*.json"          # glob; .xml files are read as ZAP's XML report
        trivy: "reports/trivy/*.json"      # SchemaVersion 2 object or the old bare array
        bandit: "reports/bandit.json"      # glob of `bandit -f json` reports, and/or
        bandit_source: src/lunia           # a tree to run `bandit -r` on (paths relative to golive.yml)
        bandit_args: ["-x", "tests"]       # extra arguments for that run
        wapiti: {run: true, url: ..., modules: [...]}   # golive.scanners_wapiti: run or ingest wapiti
        pip_audit: "reports/pip-audit.json" # glob of `pip-audit -f json` reports (golive.scanners_pip_audit)

Every report becomes facts (alerts, vulnerabilities, results, its date); a report that
cannot be used becomes an entry with `error` naming the file, never an exception.
"""

from __future__ import annotations

import datetime as dt
import glob
import importlib.util
import shutil
import sys
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

from golive import scanners_wapiti
from golive.appsec import ZAP_CONFIDENCES, ZAP_RISKS
from golive.collectors import CollectContext, Collector, Evidence, register
from golive.collectors.scanners_evidence import (
    BanditReport,
    BanditResult,
    DateProblem,
    ReportT,
    ScannersData,
    ToolBlock,
    TrivyReport,
    TrivyVulnerability,
    WapitiScan,
    ZapAlert,
    ZapReport,
)
from golive.scanners_pip_audit import parse_pip_audit
from golive.supply_chain import ReportError, load_json, read_bounded


@register
class ScannersCollector(Collector):
    source = "scanners"
    settings_keys: ClassVar[set[str]] = {"zap", "trivy", "bandit", "bandit_source", "bandit_args", "wapiti", "pip_audit"}
    default_timeout = 300.0

    def collect(self, ctx: CollectContext) -> Evidence:
        if not any(ctx.settings.get(key) for key in self.settings_keys - {"bandit_args"}):
            return Evidence.unavailable(
                self.source, f"sources.scanners ({', '.join(sorted(self.settings_keys - {'bandit_args'}))}) not configured"
            )
        bandit = ingest_all(ctx, "bandit", parse_bandit)
        if ctx.settings.get("bandit_source"):
            bandit["configured"] = True
            bandit["reports"].append(run_bandit(ctx, self.default_timeout))
        data: ScannersData = {
            "zap": ingest_all(ctx, "zap", parse_zap),
            "trivy": ingest_all(ctx, "trivy", parse_trivy),
            "bandit": bandit,
            "wapiti": collect_wapiti(ctx),
            "pip_audit": ingest_all(ctx, "pip_audit", parse_pip_audit),
        }
        return Evidence(self.source, data=dict(data), files=[ctx.write_evidence("scanners", data)])


def ingest_all(ctx: CollectContext, tool: str, parse: Callable[[Path, bytes], ReportT]) -> ToolBlock[ReportT]:
    """Every report the tool's glob matches, each parsed or an entry naming why it is not usable."""
    pattern = ctx.settings.get(tool)
    block: ToolBlock[ReportT] = {"configured": bool(pattern), "pattern": str(pattern or ""), "reports": []}
    if pattern:
        block["reports"] = [ingest(path, parse) for path in expand(ctx, str(pattern))]
    return block


def collect_wapiti(ctx: CollectContext) -> ToolBlock[WapitiScan]:
    """wapiti scans: one golive runs (run: true) and/or ingested reports with their session databases."""
    raw = ctx.settings.get("wapiti")
    if not raw:
        return {"configured": False, "pattern": "", "reports": []}
    try:
        settings = scanners_wapiti.parse_settings(raw)
    except scanners_wapiti.WapitiSettingsError as exc:
        return {"configured": True, "pattern": "", "reports": [{"file": "sources.scanners.wapiti", "error": str(exc)}]}
    block: ToolBlock[WapitiScan] = {"configured": True, "pattern": settings.report or f"a run against {settings.url}", "reports": []}
    if settings.report:
        sessions = expand(ctx, settings.session) if settings.session else []
        for report, session in scanners_wapiti.pair_sessions(expand(ctx, settings.report), sessions):
            block["reports"].append(scanners_wapiti.ingest_scan(report, session))
    if settings.run:
        folder = ctx.evidence_dir / ctx.source / "wapiti"
        block["reports"].append(
            scanners_wapiti.run_scan(settings, folder, lambda argv, cwd, timeout: ctx.run(argv, cwd=cwd, timeout=timeout))
        )
    return block


def expand(ctx: CollectContext, pattern: str) -> list[Path]:
    return [Path(match) for match in sorted(glob.glob(str(ctx.config.resolve(pattern)), recursive=True)) if Path(match).is_file()]


def ingest(path: Path, parse: Callable[[Path, bytes], ReportT]) -> ReportT:
    try:
        report = parse(path, read_bounded(path))
    except ReportError as exc:
        return {"file": str(path), "error": str(exc)}
    report["file"] = str(path)
    if not report.get("generated") and not report.get("date_problem"):
        # Old Trivy reports carry no date; the file's time is the only one there is, and the check says so.
        report["generated"] = dt.datetime.fromtimestamp(path.stat().st_mtime, dt.UTC).isoformat()
        report["date_origin"] = "file modification time"
    return report


# ------------------------------------------------------------------------------ ZAP


def parse_zap(path: Path, content: bytes) -> ZapReport:
    """ZAP's traditional JSON or XML report as {generated, sites, alerts}."""
    if content.lstrip()[:1] == b"<":
        return _zap_xml(path, content)
    data = load_json(path, content)
    if not isinstance(data, dict) or not isinstance(data.get("site", []), list):
        raise ReportError(f"{path}: not a ZAP traditional JSON report (an object with a 'site' list)")
    if "site" not in data and "@version" not in data:
        raise ReportError(f"{path}: not a ZAP traditional JSON report (no '@version' or 'site')")
    sites: list[str] = []
    alerts: list[ZapAlert] = []
    for index, site in enumerate(data.get("site", [])):
        if not isinstance(site, dict):
            raise ReportError(f"{path}: site[{index}] is not an object")
        name = str(site.get("@name") or site.get("@host") or f"site[{index}]")
        sites.append(name)
        raw_alerts = site.get("alerts") or []
        if not isinstance(raw_alerts, list):
            raise ReportError(f"{path}: site[{index}].alerts is not a list")
        for number, alert in enumerate(raw_alerts):
            if not isinstance(alert, dict):
                raise ReportError(f"{path}: site[{index}].alerts[{number}] is not an object")
            alerts.append(_zap_alert(path, f"site[{index}].alerts[{number}]", name, alert))
    generated = _zap_date(data.get("created"), data.get("@generated"))
    return {
        "format": "json",
        "version": str(data.get("@version", "")),
        "generated": generated,
        "date_origin": "report",
        "sites": sites,
        "alerts": alerts,
    }


def _zap_xml(path: Path, content: bytes) -> ZapReport:
    try:
        root = SafeET.fromstring(content)
    except (ET.ParseError, DefusedXmlException, ValueError) as exc:
        raise ReportError(f"{path}: invalid XML: {exc}") from None
    if root.tag != "OWASPZAPReport":
        raise ReportError(f"{path}: root element is <{root.tag}>, not <OWASPZAPReport>")
    sites: list[str] = []
    alerts: list[ZapAlert] = []
    for index, site in enumerate(root.iter("site")):
        name = site.get("name") or site.get("host") or f"site[{index}]"
        sites.append(name)
        for number, item in enumerate(site.iter("alertitem")):
            fields = {child.tag: (child.text or "").strip() for child in item if len(child) == 0}
            alerts.append(_zap_alert(path, f"site {name} alertitem {number + 1}", name, fields))
    generated = _zap_date(root.get("created"), root.get("generated"))
    return {
        "format": "xml",
        "version": root.get("version", ""),
        "generated": generated,
        "date_origin": "report",
        "sites": sites,
        "alerts": alerts,
    }


def _zap_alert(path: Path, where: str, site: str, alert: dict[str, Any]) -> ZapAlert:
    plugin = str(alert.get("pluginid") or "").strip()
    if not plugin.isdigit():
        raise ReportError(f"{path}: {where} has no numeric pluginid")
    try:
        risk = int(str(alert.get("riskcode")).strip())
        confidence = int(str(alert.get("confidence")).strip())
    except ValueError:
        raise ReportError(f"{path}: {where} (plugin {plugin}) has no numeric riskcode/confidence") from None
    if risk not in ZAP_RISKS or confidence not in ZAP_CONFIDENCES:
        raise ReportError(f"{path}: {where} (plugin {plugin}) riskcode {risk} / confidence {confidence} out of range")
    name = str(alert.get("name") or alert.get("alert") or f"plugin {plugin}")
    count = str(alert.get("count") or "").strip()
    return {
        "pluginid": plugin,
        "name": name,
        "risk": risk,
        "confidence": confidence,
        "site": site,
        "count": int(count) if count.isdigit() else None,
    }


def _zap_date(created: Any, generated: Any) -> str | None:
    """ZAP 2.12+ writes an ISO `created`; older ones only `generated` like 'Tue, 9 Jan 2024 12:25:17' (UTC)."""
    if isinstance(created, str) and created:
        moment = _iso(created)
        if moment and moment.tzinfo is not None:
            return moment.isoformat()
    if isinstance(generated, str) and generated:
        try:
            return dt.datetime.strptime(generated.strip(), "%a, %d %b %Y %H:%M:%S").replace(tzinfo=dt.UTC).isoformat()
        except ValueError:
            return None
    return None


def _iso(text: str) -> dt.datetime | None:
    text = text.strip().replace("Z", "+00:00")
    # Go writes nanoseconds; Python takes at most microseconds.
    if "." in text:
        head, _, tail = text.partition(".")
        # Only the fraction's own digits: an offset's digits (+02:00) are not part of it.
        digits = tail[: len(tail) - len(tail.lstrip("0123456789"))]
        text = f"{head}.{digits[:6]}{tail[len(digits) :]}"
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    # Without an offset the moment is ambiguous; callers report that rather than guess a zone.
    return moment


def _report_date(path: Path, field: str, value: Any) -> tuple[str | None, DateProblem | None]:
    """(ISO date, None) from a report's own date field; (None, problem) when that field is
    present but not ISO-8601 (error) or has no UTC offset (insufficient)."""
    if value is None:
        return None, None
    moment = _iso(value) if isinstance(value, str) else None
    if moment is None:
        return None, {"status": "error", "detail": f"{path}: {field} {str(value)[:40]!r} is not an ISO-8601 timestamp"}
    if moment.tzinfo is None:
        return None, {"status": "insufficient", "detail": f"{path}: {field} {str(value)[:40]!r} has no UTC offset, so its age is unknown"}
    return moment.isoformat(), None


# ------------------------------------------------------------------------------ Trivy


def parse_trivy(path: Path, content: bytes) -> TrivyReport:
    """Trivy JSON: the SchemaVersion 2 object or the pre-0.20 bare array of results."""
    data = load_json(path, content)
    date_problem: DateProblem | None = None
    created: str | None = None
    if isinstance(data, list):
        shape, results, artifact = "legacy", data, ""
    elif isinstance(data, dict) and ("Results" in data or "SchemaVersion" in data):
        if data.get("SchemaVersion") not in (None, 2):
            raise ReportError(f"{path}: Trivy SchemaVersion {data.get('SchemaVersion')!r} is not supported (2 is)")
        shape, results, artifact = "v2", data.get("Results") or [], str(data.get("ArtifactName") or "")
        created, date_problem = _report_date(path, "CreatedAt", data.get("CreatedAt"))
    else:
        raise ReportError(f"{path}: not a Trivy JSON report (an object with Results, or a list of results)")
    if not isinstance(results, list):
        raise ReportError(f"{path}: Results is not a list")
    vulnerabilities: list[TrivyVulnerability] = []
    targets: list[str] = []
    for index, result in enumerate(results):
        if not isinstance(result, dict):
            raise ReportError(f"{path}: Results[{index}] is not an object")
        target = str(result.get("Target") or f"Results[{index}]")
        targets.append(target)
        found = result.get("Vulnerabilities") or []
        if not isinstance(found, list):
            raise ReportError(f"{path}: Results[{index}].Vulnerabilities is not a list")
        for number, vuln in enumerate(found):
            if not isinstance(vuln, dict):
                raise ReportError(f"{path}: Results[{index}].Vulnerabilities[{number}] is not an object")
            vuln_id = vuln.get("VulnerabilityID")
            if not isinstance(vuln_id, str) or not vuln_id.strip():
                raise ReportError(f"{path}: Results[{index}].Vulnerabilities[{number}] has no VulnerabilityID")
            package = vuln.get("PkgName") or str(vuln.get("PkgID") or "").split("@")[0] or "unknown-package"
            severity = vuln.get("Severity")
            vulnerabilities.append(
                {
                    "id": vuln_id.strip(),
                    "package": str(package),
                    "installed": str(vuln.get("InstalledVersion") or ""),
                    "fixed": str(vuln.get("FixedVersion") or ""),
                    "severity": str(severity).upper() if isinstance(severity, str) and severity else "UNKNOWN",
                    "target": target,
                    "title": str(vuln.get("Title") or ""),
                }
            )
    return {
        "shape": shape,
        "artifact": artifact,
        "generated": created,
        "date_problem": date_problem,
        "date_origin": "report",
        "targets": targets,
        "vulnerabilities": vulnerabilities,
    }


# ------------------------------------------------------------------------------ Bandit


def parse_bandit(path: Path, content: bytes) -> BanditReport:
    """Bandit's `-f json` report: results, `# nosec` counts and files it could not scan."""
    data = load_json(path, content)
    if not isinstance(data, dict) or not isinstance(data.get("results"), list):
        raise ReportError(f"{path}: not a Bandit JSON report (an object with a 'results' list)")
    results: list[BanditResult] = []
    for index, result in enumerate(data["results"]):
        if not isinstance(result, dict) or not isinstance(result.get("test_id"), str) or not isinstance(result.get("filename"), str):
            raise ReportError(f"{path}: results[{index}] lacks test_id or filename")
        line = result.get("line_number")
        results.append(
            {
                "test_id": result["test_id"],
                "filename": _relative(result["filename"]),
                "line": line if isinstance(line, int) else None,
                "severity": str(result.get("issue_severity") or "UNDEFINED").upper(),
                "confidence": str(result.get("issue_confidence") or "UNDEFINED").upper(),
                "text": str(result.get("issue_text") or ""),
            }
        )
    totals = (data.get("metrics") or {}).get("_totals") if isinstance(data.get("metrics"), dict) else None
    totals = totals if isinstance(totals, dict) else {}
    errors = [
        f"{_relative(str(entry.get('filename', '?')))}: {entry.get('reason', 'error')}" if isinstance(entry, dict) else str(entry)
        for entry in (data.get("errors") or [])
    ]
    generated, date_problem = _report_date(path, "generated_at", data.get("generated_at"))
    return {
        "generated": generated,
        "date_problem": date_problem,
        "date_origin": "report",
        "results": results,
        "nosec": _count(totals.get("nosec")),
        # Lines of code scanned: 0 means the run looked at nothing (None: not reported).
        "loc": _count(totals.get("loc")),
        "skipped_tests": _count(totals.get("skipped_tests")),
        "errors": errors,
    }


def _relative(filename: str) -> str:
    return filename[2:] if filename.startswith("./") else filename


def _count(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def bandit_command() -> list[str] | None:
    if importlib.util.find_spec("bandit") is not None:
        return [sys.executable, "-m", "bandit"]
    found = shutil.which("bandit")
    return [found] if found else None


def run_bandit(ctx: CollectContext, timeout: float) -> BanditReport:
    """`bandit -r` on the configured tree, from golive.yml's folder so finding paths are relative to it."""
    source = str(ctx.settings["bandit_source"])
    target = ctx.config.resolve(source)
    label = f"bandit -r {source}"
    if not target.exists():
        return {"file": label, "error": f"sources.scanners.bandit_source {target} does not exist"}
    command = bandit_command()
    if command is None:
        return {"file": label, "error": "bandit is not installed (pip install bandit)"}
    extra = ctx.settings.get("bandit_args") or []
    if not isinstance(extra, list) or not all(isinstance(arg, str) for arg in extra):
        return {"file": label, "error": "sources.scanners.bandit_args must be a list of strings"}
    base = ctx.config.base_dir
    relative = str(target.relative_to(base)) if target.is_relative_to(base) else str(target)
    argv = [*command, "-r", relative, "-f", "json", "-q", *extra]
    done = ctx.run(argv, cwd=base, timeout=float(ctx.settings.get("timeout", timeout)))
    # Bandit exits 1 when it found issues; only a missing or broken report is a failure to run.
    if done.returncode not in (0, 1) or not done.stdout.strip():
        tail = (done.stderr.strip().splitlines() or [f"exit {done.returncode}"])[-1]
        return {"file": label, "error": f"{label} failed: {tail}"}
    try:
        report = parse_bandit(Path(label), done.stdout.encode())
    except ReportError as exc:
        return {"file": label, "error": str(exc)}
    # A live run is current by construction: the check does not age it against --as-of.
    report.update({"file": label, "live": True, "argv": argv, "returncode": done.returncode})
    return report
