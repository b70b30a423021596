"""Offline supply-chain verification: cosign key-pair signatures and SBOM documents.

Also the bounded file reading shared by the collectors that ingest reports, so that
an oversized or unreadable file becomes a message naming it instead of a crash.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

# Reports larger than this are refused rather than parsed: a Trivy report of a large
# image is a few MB, so 64 MiB is generous yet keeps memory bounded.
MAX_REPORT_BYTES = 64 * 1024 * 1024


class ReportError(Exception):
    """A report that cannot be used; the message names the file and, when known, where."""


def read_bounded(path: Path, limit: int = MAX_REPORT_BYTES) -> bytes:
    try:
        size = path.stat().st_size
        if size > limit:
            raise ReportError(f"{path}: {size} bytes, larger than the {limit} byte limit")
        with path.open("rb") as handle:
            content = handle.read(limit + 1)
    except OSError as exc:
        raise ReportError(f"{path}: cannot read: {exc.strerror or exc}") from None
    if len(content) > limit:
        raise ReportError(f"{path}: larger than the {limit} byte limit")
    return content


def load_json(path: Path, content: bytes) -> Any:
    try:
        return json.loads(content.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise ReportError(f"{path}: not UTF-8 text (byte {exc.start})") from None
    except json.JSONDecodeError as exc:
        raise ReportError(f"{path}:{exc.lineno}:{exc.colno}: invalid JSON: {exc.msg}") from None
    except RecursionError:
        raise ReportError(f"{path}: JSON nested too deeply") from None
