"""Parsers for test evidence: JUnit XML, coverage reports, latency samples, load-test summaries.

Every parser takes a path and returns plain data, or raises `EvidenceFileError` naming the
file (and the line when known). None of them raises anything else on bad input: a
malformed, truncated, oversized or hostile file is a reason, never a crash.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

# Real reports of a large suite are a few MB; anything near this is not a report we should
# hold in memory (and parsing it is how a hostile file would exhaust the collector).
MAX_BYTES = 64 * 1024 * 1024


class EvidenceFileError(Exception):
    """A report that cannot be read or understood; the message names the file."""

    def __init__(self, path: Path | str, detail: str, line: int | None = None) -> None:
        self.path = str(path)
        self.detail = detail
        self.line = line
        where = f"{self.path}:{line}" if line else self.path
        super().__init__(f"{where}: {detail}")


def read_bytes(path: Path, max_bytes: int = MAX_BYTES) -> bytes:
    """The file's bytes, refusing anything larger than `max_bytes` before reading it."""
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise EvidenceFileError(path, f"{size} bytes exceeds the {max_bytes}-byte limit for a report")
        with path.open("rb") as handle:
            data = handle.read(max_bytes + 1)
    except OSError as exc:
        raise EvidenceFileError(path, f"cannot read: {exc.strerror or exc}") from None
    if len(data) > max_bytes:
        raise EvidenceFileError(path, f"grew past the {max_bytes}-byte limit while being read")
    return data


def load_json(path: Path, max_bytes: int = MAX_BYTES) -> Any:
    """The JSON document; non-integer numbers become `Decimal`, so a threshold compares with
    the decimal text the tool wrote (NaN and Infinity literals stay floats, for the parsers
    to refuse)."""
    raw = read_bytes(path, max_bytes)
    try:
        return json.loads(raw.decode("utf-8"), parse_float=Decimal)
    except UnicodeDecodeError as exc:
        raise EvidenceFileError(path, f"not UTF-8 at byte {exc.start}") from None
    except json.JSONDecodeError as exc:
        raise EvidenceFileError(path, f"not JSON: {exc.msg} (column {exc.colno})", exc.lineno) from None
    except RecursionError:
        raise EvidenceFileError(path, "JSON nested too deeply") from None


def parse_timestamp(value: Any) -> dt.datetime | None:
    """An ISO-8601 timestamp as UTC; a timestamp without offset is taken as UTC (documented:
    CI runners log in UTC, and guessing a local zone would make freshness machine-dependent)."""
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip().replace("Z", "+00:00").replace("z", "+00:00")
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment.astimezone(dt.UTC)


# UTC offsets in use run from -12:00 to +14:00: a local time without its offset denotes an
# instant up to 14 hours before the same digits read as UTC.
EARLIEST_OFFSET = dt.timedelta(hours=14)


def report_timestamp(value: Any, where: str) -> tuple[dt.datetime | None, dict[str, str] | None]:
    """(UTC moment, None) for an ISO-8601 timestamp; (None, None) when absent; (None, problem)
    when it is invalid (status error).

    pytest and coverage.py write local time without saying which zone, so such a timestamp
    is ambiguous by up to 26 hours. It is read as the EARLIEST instant it can denote (its
    digits as UTC minus 14 hours): a report can then only look older than it is, never
    fresher, and freshness stays fail-closed without refusing every report those tools
    write. A report that golive's own `run:` command wrote is dated by that run instead."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None, None
    text = str(value).strip()
    shown = text[:40]
    try:
        moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return None, {"status": "error", "detail": f"{where}: timestamp {shown!r} is not ISO-8601"}
    if moment.tzinfo is None or moment.utcoffset() is None:
        return moment.replace(tzinfo=dt.UTC) - EARLIEST_OFFSET, None
    return moment.astimezone(dt.UTC), None


def iso(moment: dt.datetime | None) -> str | None:
    return moment.isoformat() if moment else None
