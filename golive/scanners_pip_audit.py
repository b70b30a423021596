"""pip-audit's JSON report (`pip-audit -f json -o F`), ingested for security.scanners.

    {"dependencies": [{"name": "flask", "version": "0.5",
                       "vulns": [{"id": "PYSEC-2019-179", "fix_versions": ["1.0"],
                                  "aliases": ["CVE-2019-1010083"], "description": "..."}]},
                      {"name": "mypkg", "skip_reason": "Dependency not found on PyPI ..."}],
     "fixes": []}

Versions before 2.0 wrote the dependency list alone. pip-audit needs a vulnerability service
to run, so golive reads its reports rather than running it. The report carries neither a
date (the file's modification time dates it, and the check says so) nor a severity: every
vulnerability it lists is unscored, so it is an `insufficient` finding (review it and
upgrade, or waive it) unless its aliases name a CVE a Trivy report already scored. A skipped
dependency is one pip-audit could not check, which the check reports as such.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from golive.collectors.scanners_evidence import PipAuditReport, PipAuditVulnerability
from golive.supply_chain import ReportError, load_json

MAX_TEXT = 300


def parse_pip_audit(path: Path, content: bytes) -> PipAuditReport:
    data = load_json(path, content)
    dependencies = data.get("dependencies") if isinstance(data, dict) else data
    if not isinstance(dependencies, list):
        raise ReportError(f"{path}: not a pip-audit JSON report (an object with a 'dependencies' list)")
    vulnerabilities: list[PipAuditVulnerability] = []
    skipped: list[str] = []
    for index, dependency in enumerate(dependencies):
        if not isinstance(dependency, dict) or not isinstance(dependency.get("name"), str):
            raise ReportError(f"{path}: dependencies[{index}] has no name")
        name = dependency["name"]
        if dependency.get("skip_reason"):
            skipped.append(f"{name}: {_text(dependency['skip_reason'])}")
            continue
        vulns = dependency.get("vulns", [])
        if not isinstance(vulns, list) or not isinstance(dependency.get("version"), str):
            raise ReportError(f"{path}: dependencies[{index}] ({name}) lacks a version or a vulns list")
        for position, vuln in enumerate(vulns):
            if not isinstance(vuln, dict) or not isinstance(vuln.get("id"), str) or not vuln["id"].strip():
                raise ReportError(f"{path}: dependencies[{index}].vulns[{position}] has no id")
            vulnerabilities.append(
                {
                    "id": vuln["id"].strip(),
                    "package": name,
                    "installed": dependency["version"],
                    "aliases": _strings(vuln.get("aliases")),
                    "fix_versions": _strings(vuln.get("fix_versions")),
                }
            )
    return {
        "dependencies": len(dependencies),
        "vulnerabilities": vulnerabilities,
        "skipped": skipped,
        "date_origin": "file modification time",
    }


def _strings(value: Any) -> list[str]:
    return [str(entry)[:MAX_TEXT] for entry in value] if isinstance(value, list) else []


def _text(value: Any) -> str:
    return " ".join(str(value).split())[:MAX_TEXT]
