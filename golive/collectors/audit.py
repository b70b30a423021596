"""Audit exports: which weekly and quarterly exports exist in the export folder, and when.

    sources:
      audit:
        folder: /srv/audit/exports       # relative to golive.yml, or absolute

An export is a non-empty file whose name carries its kind and date:

    *weekly*YYYY-MM-DD*     a weekly export made that day      (audit-weekly-2026-11-23.tar.gz)
    *weekly*YYYY-Www*       the weekly export of ISO week ww   (audit-weekly-2026-W47.zip; dated the Sunday ending that week)
    *quarterly*YYYY-Qn*     the quarterly export of quarter n  (audit-quarterly-2026-Q4.zip)

or whose sidecar `<file>.meta.json` says so: {"kind": "weekly" | "quarterly",
"period": "2026-W47" | "2026-Q4" (optional for weekly), "exported_at": ISO-8601}.
The sidecar wins over the name. A date alone never names a quarter: an export made on
2 October may well cover Q3, so quarterly exports must state their quarter.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import ClassVar, TypedDict

from golive.collectors import CollectContext, Collector, Evidence, register
from golive.supply_chain import ReportError, load_json, read_bounded

META_SUFFIX = ".meta.json"
_KIND = re.compile(r"(?<![a-z])(weekly|quarterly)(?![a-z])", re.IGNORECASE)
_DATE = re.compile(r"(?<!\d)(\d{4})-(\d{2})-(\d{2})(?!\d)")
_WEEK = re.compile(r"(?<!\d)(\d{4})-?W(\d{2})(?!\d)", re.IGNORECASE)
_QUARTER = re.compile(r"(?<!\d)(\d{4})-?Q([1-4])(?!\d)", re.IGNORECASE)


class ExportFacts(TypedDict, total=False):
    """What a file's name or sidecar says about it (a `problem` when it says it wrongly)."""

    kind: str | None  # "weekly" or "quarterly"
    period: str | None  # 2026-W47, 2026-Q4
    date: str | None  # ISO date: the day a weekly export was made
    problem: str | None


class AuditExport(TypedDict):
    file: str
    bytes: int
    kind: str | None
    period: str | None
    date: str | None
    origin: str  # "name" or "metadata"
    problem: str | None


class AuditData(TypedDict):
    """The audit source's evidence, read by the audit-exports check (golive.checks.security)."""

    folder: str
    exports: list[AuditExport]
    ignored: list[str]
    orphan_metadata: list[str]


@register
class AuditCollector(Collector):
    source = "audit"
    settings_keys: ClassVar[set[str]] = {"folder"}
    default_timeout = 30.0

    def collect(self, ctx: CollectContext) -> Evidence:
        if not ctx.settings.get("folder"):
            return Evidence.unavailable(self.source, "sources.audit.folder not configured")
        folder = ctx.config.resolve(str(ctx.settings["folder"]))
        if not folder.is_dir():
            return Evidence(self.source, error=f"sources.audit.folder {folder} is not a folder")
        exports: list[AuditExport] = []
        ignored: list[str] = []
        for path in sorted(folder.iterdir()):
            if not path.is_file() or path.name.endswith(META_SUFFIX):
                continue
            entry = describe(path)
            (exports.append(entry) if entry else ignored.append(path.name))
        orphans = [p.name for p in folder.glob(f"*{META_SUFFIX}") if not (folder / p.name[: -len(META_SUFFIX)]).is_file()]
        data: AuditData = {"folder": str(folder), "exports": exports, "ignored": ignored, "orphan_metadata": sorted(orphans)}
        return Evidence(self.source, data=dict(data), files=[ctx.write_evidence("audit", data)])


def describe(path: Path) -> AuditExport | None:
    """The export `path` is, from its sidecar or its name; None when it is not an export."""
    meta = path.with_name(path.name + META_SUFFIX)
    if meta.is_file():
        try:
            facts = from_metadata(meta)
        except ReportError as exc:
            facts = {"problem": str(exc)}
        return _export(path, "metadata", facts)
    parsed = from_name(path.name)
    return None if parsed is None else _export(path, "name", parsed)


def _export(path: Path, origin: str, facts: ExportFacts) -> AuditExport:
    return {
        "file": path.name,
        "bytes": path.stat().st_size,
        "kind": facts.get("kind"),
        "period": facts.get("period"),
        "date": facts.get("date"),
        "origin": origin,
        "problem": facts.get("problem"),
    }


def from_name(name: str) -> ExportFacts | None:
    kind = _KIND.search(name)
    if not kind:
        return None
    if kind.group(1).lower() == "quarterly":
        quarter = _QUARTER.search(name)
        if not quarter:
            return {"kind": "quarterly", "problem": f"{name}: a quarterly export must name its quarter (YYYY-Qn)"}
        return {"kind": "quarterly", "period": f"{quarter.group(1)}-Q{quarter.group(2)}"}
    day = _DATE.search(name)
    if day:
        try:
            return {"kind": "weekly", "date": dt.date(*map(int, day.groups())).isoformat()}
        except ValueError:
            return {"kind": "weekly", "problem": f"{name}: {day.group(0)} is not a date"}
    week = _WEEK.search(name)
    if week:
        end = week_end(int(week.group(1)), int(week.group(2)))
        if end is None:
            return {"kind": "weekly", "problem": f"{name}: {week.group(0)} is not an ISO week"}
        return {"kind": "weekly", "period": f"{week.group(1)}-W{week.group(2)}", "date": end.isoformat()}
    return {"kind": "weekly", "problem": f"{name}: a weekly export must carry a date (YYYY-MM-DD) or an ISO week (YYYY-Www)"}


def week_end(year: int, week: int) -> dt.date | None:
    try:
        return dt.date.fromisocalendar(year, week, 7)
    except ValueError:
        return None


def from_metadata(meta: Path) -> ExportFacts:
    data = load_json(meta, read_bounded(meta, 1024 * 1024))
    if not isinstance(data, dict):
        raise ReportError(f"{meta}: metadata is a JSON object with kind, period, exported_at")
    kind = data.get("kind")
    if kind not in ("weekly", "quarterly"):
        raise ReportError(f"{meta}: kind {kind!r} is not 'weekly' or 'quarterly'")
    exported = data.get("exported_at")
    moment = None
    if exported is not None:
        try:
            moment = dt.datetime.fromisoformat(str(exported).replace("Z", "+00:00"))
        except ValueError:
            raise ReportError(f"{meta}: exported_at {exported!r} is not ISO-8601") from None
        if moment.tzinfo is None:
            # Near midnight the zone decides the export's day, hence its week and quarter.
            raise ReportError(f"{meta}: exported_at {exported!r} has no UTC offset (write e.g. {moment.isoformat()}Z)")
    period = data.get("period")
    result: ExportFacts = {"kind": kind, "period": None, "date": moment.astimezone(dt.UTC).date().isoformat() if moment else None}
    if kind == "quarterly":
        quarter = _QUARTER.fullmatch(str(period or ""))
        if not quarter:
            raise ReportError(f"{meta}: a quarterly export's period must be YYYY-Qn, got {period!r}")
        result["period"] = f"{quarter.group(1)}-Q{quarter.group(2)}"
    elif period is not None:
        week = _WEEK.fullmatch(str(period))
        end = week_end(int(week.group(1)), int(week.group(2))) if week else None
        if end is None:
            raise ReportError(f"{meta}: a weekly export's period must be YYYY-Www, got {period!r}")
        result["period"] = f"{week.group(1)}-W{week.group(2)}" if week else None
        result["date"] = result["date"] or end.isoformat()
    if kind == "weekly" and result["date"] is None:
        raise ReportError(f"{meta}: a weekly export needs exported_at or period")
    return result
