"""The evidence formats golive itself defines: a JSON Schema for each, shipped in golive/schema/,
with an example that validates against it (`golive formats NAME` prints both).

Formats of other tools (JUnit XML, coverage.py, Bandit, Trivy, ZAP, wapiti, SPDX, ...) are
theirs to document; these are the ones a team writes to golive's own shape. The readers
validate with `problem()` first, so a file that does not fit names the schema path that
failed, not just the first key a parser tripped over.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources
from typing import Any


@dataclass(frozen=True)
class EvidenceFormat:
    name: str
    schema_file: str
    # Where golive reads it from, for the reader of `golive formats`.
    read_from: str
    example: dict[str, Any]
    # The items that read it, for `golive explain`: their source and a parameter only they carry.
    source: str
    marker_param: str

    def read_by(self, source: str, params: dict[str, Any]) -> bool:
        return source == self.source and self.marker_param in params

    def schema(self) -> dict[str, Any]:
        loaded: dict[str, Any] = json.loads(resources.files("golive.schema").joinpath(self.schema_file).read_text(encoding="utf-8"))
        return loaded


_FORMATS = (
    EvidenceFormat(
        "latency-samples",
        "latency-samples-v1.schema.json",
        "files matched by sources.junit.latency (a performance suite writes them)",
        {
            "generated_at": "2026-11-28T10:00:00+00:00",
            "commit": "3f2c1a9e8b7d6c5f4e3d2c1b0a9f8e7d6c5b4a39",
            "unit": "ms",
            "series": {"POST /orders": [3.1, 2.7, 4.0], "GET /positions": [1.2, 1.4]},
        },
        "junit",
        "max_p99_ms",
    ),
    EvidenceFormat(
        "load-test",
        "load-test-v1.schema.json",
        "the file at sources.load.report (a load tool writes it)",
        {
            "schema": "golive/load-test/v1",
            "commit": "3f2c1a9e8b7d6c5f4e3d2c1b0a9f8e7d6c5b4a39",
            "target": "https://staging.example.test",
            "started_at": "2026-11-28T10:00:00+00:00",
            "finished_at": "2026-11-28T10:05:00+00:00",
            "users": {"requested": 100, "active": 100},
            "orders": {"requested": 500, "sent": 500, "accepted": 497, "rejected": 3, "failed": 0},
            "latency_ms": {"p50": 4.1, "p95": 9.8, "p99": 14.2, "max": 20.3},
        },
        "load",
        "max_error_rate",
    ),
    EvidenceFormat(
        "explainability",
        "explainability-v1.schema.json",
        "sources.kpi.explainability: a JSON file or an http(s) URL answering with it",
        {"score": 8.5, "out_of": 10, "date": "2026-11-27"},
        "kpi",
        "min_score",
    ),
    EvidenceFormat(
        "api-version",
        "api-version-v1.schema.json",
        "the release's API at sources.http.version_path (default /version)",
        {"version": "1.4.0", "commit": "3f2c1a9e8b7d6c5f4e3d2c1b0a9f8e7d6c5b4a39"},
        "git",
        "tag_pattern",
    ),
    EvidenceFormat(
        "restore-record",
        "restore-record-v1.schema.json",
        "<restore_record_dir>/<tool>.json on the backup hosts (infra.backups)",
        {
            "schema": "golive/restore-record/v1",
            "tool": "restic",
            "repository": "/srv/backup/restic",
            "snapshot": "4bf2a1c0",
            "path": "/var/lib/lunia/canary",
            "restored_at": "2026-11-27T03:00:00+00:00",
            "files": {"canary.txt": "0d3f1b2c4a5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8"},
            "matched": True,
            "by": "nightly restore job",
        },
        "hosts",
        "restore_record_dir",
    ),
)
FORMATS: dict[str, EvidenceFormat] = {entry.name: entry for entry in _FORMATS}


def problem(name: str, document: Any) -> str | None:
    """Why `document` does not fit format `name` (the first error by position, with the
    place in the document and the schema path that failed), or None when it fits."""
    import jsonschema

    schema = FORMATS[name].schema()
    errors = sorted(
        jsonschema.Draft202012Validator(schema).iter_errors(document), key=lambda error: (list(error.absolute_path), error.message)
    )
    if not errors:
        return None
    first = errors[0]
    where = "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in first.absolute_path) or "(the document)"
    schema_path = "/".join(str(part) for part in first.absolute_schema_path)
    return f"{where.lstrip('.')}: {first.message[:200]} (schema {FORMATS[name].schema_file}#/{schema_path})"


def _validator() -> Any:
    """Draft 2020-12, with the exact decimals golive's readers parse numbers into counted as numbers."""
    from decimal import Decimal

    import jsonschema

    def is_number(checker: Any, value: Any) -> bool:
        return isinstance(value, int | float | Decimal) and not isinstance(value, bool)

    checker = jsonschema.Draft202012Validator.TYPE_CHECKER.redefine("number", is_number)
    return jsonschema.validators.extend(jsonschema.Draft202012Validator, type_checker=checker)  # type: ignore[no-untyped-call]


def with_schema_problem(name: str, document: Any, detail: str) -> str:
    """A reader's own complaint about `document`, followed by the schema path that fails,
    when the shipped schema sees one (a complaint beyond the schema stays as it is)."""
    found = problem(name, document)
    return f"{detail}; against golive's schema: {found}" if found else detail
