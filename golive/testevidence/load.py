"""The load tool's JSON summary (`tools/load_test.py --out F`, schema `golive/load-test/v1`).

    {"schema": "golive/load-test/v1", "commit": "<sha>", "target": "http://...",
     "started_at": "ISO-8601", "finished_at": "ISO-8601",
     "users": {"requested": 100, "active": 100},          # active: users that sent >= 1 order
     "orders": {"requested": 500, "sent": 500, "accepted": 497, "rejected": 3, "failed": 0},
     "latency_ms": {"p50": 4.1, "p95": 9.8, "p99": 14.2, "max": 20.3},
     "samples_ms": [4.0, 3.9, ...]}                       # optional, one per order sent

`rejected` orders got a business refusal (HTTP 4xx other than 429, e.g. a risk limit);
`failed` ones got no answer, a 5xx or a 429. The error rate golive judges is
`failed / sent`, recomputed from the counts. When `samples_ms` is present the
percentiles are recomputed from it with golive's nearest-rank method (see
`golive.testevidence.latency`); otherwise the tool's own `latency_ms.p99` is used.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

from golive.formats import with_schema_problem
from golive.testevidence import MAX_BYTES, EvidenceFileError, iso, load_json, report_timestamp
from golive.testevidence.latency import finite_number, numbers, summarise

SCHEMA = "golive/load-test/v1"
ORDER_COUNTS = ("requested", "sent", "accepted", "rejected", "failed")


def parse_load(path: Path, max_bytes: int = MAX_BYTES) -> dict[str, Any]:
    document = load_json(path, max_bytes)
    try:
        return _parse_load(path, document)
    except EvidenceFileError as exc:
        raise EvidenceFileError(path, with_schema_problem("load-test", document, exc.detail)) from None


def _parse_load(path: Path, document: Any) -> dict[str, Any]:
    if not isinstance(document, dict) or document.get("schema") != SCHEMA:
        found = document.get("schema") if isinstance(document, dict) else type(document).__name__
        raise EvidenceFileError(path, f"not a load-test summary: schema is {found!r}, expected {SCHEMA!r}")
    users = _block(path, document, "users", ("requested", "active"))
    orders = _block(path, document, "orders", ORDER_COUNTS)
    if orders["accepted"] + orders["rejected"] + orders["failed"] != orders["sent"]:
        raise EvidenceFileError(path, f"orders do not add up: accepted + rejected + failed != sent ({orders})")
    if users["active"] > users["requested"]:
        raise EvidenceFileError(path, f"users.active {users['active']} exceeds users.requested {users['requested']}")
    if "samples_ms" in document:
        latency = summarise(numbers(path, "samples_ms", document["samples_ms"], Decimal(1)))
        if latency["count"] != orders["sent"]:
            raise EvidenceFileError(path, f"samples_ms holds {latency['count']} samples for {orders['sent']} orders sent")
    else:
        reported = document.get("latency_ms")
        p99 = reported.get("p99") if isinstance(reported, dict) else None
        if p99 is None or not finite_number(p99) or p99 < 0:
            raise EvidenceFileError(path, f"latency_ms.p99 is {str(p99)[:40]!r}, not a finite non-negative number (and no samples_ms)")
        latency = {"count": orders["sent"], "method": "reported by the tool", "p99_ms": float(p99), "p99_exact": str(Decimal(str(p99)))}
    commit = document.get("commit")
    moment, problem = report_timestamp(document.get("finished_at"), f"{path}: finished_at")
    return {
        "format": "load-test",
        "target": str(document.get("target", "")),
        "users": users,
        "orders": orders,
        # For display; the check judges failed / sent exactly from the counts.
        "error_rate": orders["failed"] / orders["sent"] if orders["sent"] else None,
        "latency": latency,
        "commits": [commit] if isinstance(commit, str) and commit else [],
        "timestamp": iso(moment),
        "timestamp_problem": problem,
    }


def _block(path: Path, document: dict[str, Any], name: str, keys: tuple[str, ...]) -> dict[str, int]:
    block = document.get(name)
    if not isinstance(block, dict):
        raise EvidenceFileError(path, f"'{name}' must be an object with {', '.join(keys)}")
    counts = {}
    for key in keys:
        value = block.get(key)
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 10**12:
            raise EvidenceFileError(path, f"{name}.{key} is {str(value)[:40]!r}, not a count")
        counts[key] = value
    return counts
