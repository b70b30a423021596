"""Line coverage from Cobertura XML (coverage.py's `coverage xml`, JaCoCo/Istanbul/gcovr
converters) or coverage.py's JSON (`coverage json`).

The figure judged is LINE coverage in both formats: Cobertura's `lines-covered /
lines-valid` (else its `line-rate`), coverage.py's `covered_lines / num_statements`
(its `percent_covered` mixes in branches when branch coverage is on). Modules are source
files: Cobertura classes are grouped by `filename` (a Java file may hold several).

Neither format records the commit it measured, so coverage is judged on freshness: the
report's own timestamp (Cobertura `timestamp`, milliseconds since the epoch, or seconds
when too small to be milliseconds; coverage.py's `meta.timestamp`), else the file's mtime.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import Element

from golive.testevidence import MAX_BYTES, EvidenceFileError, iso, load_json, report_timestamp
from golive.testevidence.junit import local_name, xml_root

# Keeps evidence small; the check names only the few weakest.
MAX_MODULES = 50
# Epoch values above this are milliseconds (1e11 seconds is the year 5138).
_MILLIS_THRESHOLD = 1e11
# No code base has a trillion lines; a count beyond it is a corrupt report (and would overflow floats).
MAX_COUNT = 10**12


def parse_coverage(path: Path, max_bytes: int = MAX_BYTES) -> dict[str, Any]:
    """Total line coverage, the weakest modules and the report's timestamp."""
    try:
        with path.open("rb") as handle:
            head = handle.read(512).lstrip()
    except OSError as exc:
        raise EvidenceFileError(path, f"cannot read: {exc.strerror or exc}") from None
    if head.startswith(b"{"):
        return parse_coverage_json(path, max_bytes)
    return parse_cobertura(path, max_bytes)


def parse_cobertura(path: Path, max_bytes: int = MAX_BYTES) -> dict[str, Any]:
    root = xml_root(path, max_bytes)
    if local_name(root.tag) != "coverage":
        raise EvidenceFileError(path, f"root element <{local_name(root.tag)}> is not a Cobertura report (expected <coverage>)")
    files: dict[str, list[int]] = {}
    rates: dict[str, Decimal] = {}
    for cls in root.iter("class"):
        name = cls.get("filename") or cls.get("name") or "(unnamed)"
        lines = [_int(path, line.get("hits"), "hits") for line in cls.iter("line")]
        if lines:
            totals = files.setdefault(name, [0, 0])
            totals[0] += len(lines)
            totals[1] += sum(1 for hits in lines if hits > 0)
        elif cls.get("line-rate") is not None:
            rates[name] = _rate(path, cls.get("line-rate"))
    modules = [_module(name, statements, covered) for name, (statements, covered) in files.items()]
    modules += [{"name": name, "percent": round(float(rate) * 100, 2), "statements": None, "covered": None} for name, rate in rates.items()]
    valid, covered = root.get("lines-valid"), root.get("lines-covered")
    line_rate: str | None = None
    lines_valid: int | None
    lines_covered: int | None
    if valid is not None and covered is not None:
        lines_valid, lines_covered = _int(path, valid, "lines-valid"), _int(path, covered, "lines-covered")
        _not_more(path, lines_covered, lines_valid, "lines-covered exceeds lines-valid")
    elif root.get("line-rate") is not None:
        # Only a rate: the report must still show it measured something (a class).
        lines_valid = sum(statements for statements, _ in files.values()) if files else (None if rates else 0)
        lines_covered = None
        line_rate = str(_rate(path, root.get("line-rate")))
    else:
        raise EvidenceFileError(path, "no line totals: <coverage> has neither lines-valid/lines-covered nor line-rate")
    return _result("cobertura", lines_valid, lines_covered, line_rate, modules, _epoch(path, root), None)


def parse_coverage_json(path: Path, max_bytes: int = MAX_BYTES) -> dict[str, Any]:
    document = load_json(path, max_bytes)
    if not isinstance(document, dict) or not isinstance(document.get("files"), dict) or not isinstance(document.get("totals"), dict):
        raise EvidenceFileError(path, "not a coverage.py JSON report (expected 'meta', 'files' and 'totals')")
    modules = []
    for name, entry in document["files"].items():
        summary = entry.get("summary") if isinstance(entry, dict) else None
        if not isinstance(summary, dict):
            raise EvidenceFileError(path, f"files.{name}: no summary")
        where = f"files.{name}.summary"
        file_statements, file_covered = _count(path, summary, where, "num_statements"), _count(path, summary, where, "covered_lines")
        _not_more(path, file_covered, file_statements, f"{where}: covered_lines exceeds num_statements")
        modules.append(_module(str(name), file_statements, file_covered))
    statements = _count(path, document["totals"], "totals", "num_statements")
    covered = _count(path, document["totals"], "totals", "covered_lines")
    _not_more(path, covered, statements, "totals: covered_lines exceeds num_statements")
    meta = document.get("meta")
    moment, problem = report_timestamp(meta.get("timestamp"), f"{path}: meta.timestamp") if isinstance(meta, dict) else (None, None)
    return _result("coverage.py-json", statements, covered, None, modules, moment, problem)


def _result(
    fmt: str,
    valid: int | None,
    covered: int | None,
    line_rate: str | None,
    modules: list[dict[str, Any]],
    moment: dt.datetime | None,
    timestamp_problem: dict[str, str] | None,
) -> dict[str, Any]:
    """The report's facts. The figure judged is `lines_covered / lines_valid`, or `line_rate`
    (decimal text, 0..1) when a Cobertura report gives only the rate; `percent` is rounded
    for display. `lines_valid` 0 means the report measured nothing (`percent` None)."""
    measured = [module for module in modules if module["statements"] is None or module["statements"] > 0]
    weakest = sorted(measured, key=lambda module: (module["percent"], -(module["statements"] or 0), module["name"]))
    if line_rate is not None:
        percent: float | None = float(Decimal(line_rate) * 100)
    elif valid and covered is not None:
        percent = 100.0 * covered / valid
    else:
        percent = None
    return {
        "format": fmt,
        "percent": round(percent, 2) if percent is not None else None,
        "lines_valid": valid,
        "lines_covered": covered,
        "line_rate": line_rate,
        "modules": len(measured),
        "weakest": weakest[:MAX_MODULES],
        "timestamp": iso(moment),
        "timestamp_problem": timestamp_problem,
        "commits": [],
    }


def _module(name: str, statements: int, covered: int) -> dict[str, Any]:
    percent = 100.0 * covered / statements if statements else 100.0
    return {"name": name, "percent": round(percent, 2), "statements": statements, "covered": covered}


def _epoch(path: Path, root: Element) -> dt.datetime | None:
    raw = root.get("timestamp")
    if not raw:
        return None
    try:
        value = float(raw)
        return dt.datetime.fromtimestamp(value / 1000 if value > _MILLIS_THRESHOLD else value, tz=dt.UTC)
    except (ValueError, OverflowError, OSError):
        raise EvidenceFileError(path, f"timestamp {raw[:40]!r} is not an epoch time") from None


def _int(path: Path, raw: str | None, what: str) -> int:
    try:
        value = int(raw or "")
    except ValueError:
        raise EvidenceFileError(path, f"{what}={(raw or '')[:40]!r} is not an integer") from None
    if not 0 <= value <= MAX_COUNT:
        raise EvidenceFileError(path, f"{what}={str(value)[:40]} is outside 0..{MAX_COUNT}")
    return value


def _rate(path: Path, raw: str | None) -> Decimal:
    try:
        value = Decimal((raw or "").strip())
    except InvalidOperation:
        raise EvidenceFileError(path, f"line-rate={(raw or '')[:40]!r} is not a number") from None
    if not value.is_finite() or not 0 <= value <= 1:
        raise EvidenceFileError(path, f"line-rate={value} is outside 0..1")
    return value


def _count(path: Path, block: dict[str, Any], where: str, key: str) -> int:
    value = block.get(key)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_COUNT:
        raise EvidenceFileError(path, f"{where}.{key} is {str(value)[:40]!r}, not a count (0..{MAX_COUNT})")
    return value


def _not_more(path: Path, part: int, whole: int, detail: str) -> None:
    if part > whole:
        raise EvidenceFileError(path, f"{detail} ({part} > {whole})")
