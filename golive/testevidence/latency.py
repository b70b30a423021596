"""Latency percentiles from per-request samples or pytest-benchmark JSON.

Percentile method: NEAREST RANK. For n samples sorted ascending, the q-th percentile is
the sample at 1-based rank ceil(q/100 x n). It is always a latency that was actually
observed and never interpolates below one, so "P99 < 200 ms" means at least 99 % of the
requests measured took less than 200 ms. With fewer than 100 samples P99 is simply the
maximum, which is why the check also demands a minimum sample count.

Samples file (written by a perf suite; the demo's `tests/perf` writes one):

    {"generated_at": "2026-11-28T10:00:00+00:00",   # optional, ISO-8601
     "commit": "<sha of the code measured>",        # optional
     "unit": "ms",                                  # "ms" (default) or "s"
     "series": {"POST /orders": [3.1, 2.7, ...]}}   # one list per operation

pytest-benchmark JSON (`pytest --benchmark-json=F --benchmark-save-data`): each benchmark
is a series; its raw timings (`stats.data`, seconds) exist only with
`--benchmark-save-data`; without them the series has no samples and P99 is unknown. The
commit is `commit_info.id`, the time `datetime`.
"""

from __future__ import annotations

import math
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

from golive.formats import with_schema_problem
from golive.testevidence import MAX_BYTES, EvidenceFileError, iso, load_json, report_timestamp

PERCENTILES = (50, 90, 95, 99)
_UNITS = {"ms": Decimal(1), "s": Decimal(1000)}


def percentile(samples: list[Decimal], q: float) -> Decimal:
    """The nearest-rank q-th percentile (0 < q <= 100) of non-empty `samples`."""
    if not samples:
        raise ValueError("no samples")
    if not 0 < q <= 100:
        raise ValueError(f"percentile {q} outside (0, 100]")
    ordered = sorted(samples)
    # The rank in exact arithmetic: ceil(0.99 x n) in floats can land one rank low.
    rank = max(1, math.ceil(Fraction(str(q)) * len(ordered) / 100))
    return ordered[rank - 1]


def summarise(samples: list[Decimal]) -> dict[str, Any]:
    """Count, P50/P90/P95/P99 and max of samples in milliseconds (None without samples),
    rounded for display; `p99_exact` is the P99 sample's own decimal text, the figure judged."""
    summary: dict[str, Any] = {"count": len(samples), "method": "nearest-rank"}
    for q in PERCENTILES:
        summary[f"p{q}_ms"] = round(float(percentile(samples, q)), 3) if samples else None
    summary["max_ms"] = round(float(max(samples)), 3) if samples else None
    summary["p99_exact"] = str(percentile(samples, 99)) if samples else None
    return summary


def parse_latency(path: Path, max_bytes: int = MAX_BYTES) -> dict[str, Any]:
    """A samples file or a pytest-benchmark JSON, as per-series percentile summaries."""
    document = load_json(path, max_bytes)
    if not isinstance(document, dict):
        raise EvidenceFileError(path, "expected a JSON object (a latency samples file or pytest-benchmark JSON)")
    if "benchmarks" in document:
        return _benchmark(path, document)
    if "series" in document:
        try:
            return _samples(path, document)
        except EvidenceFileError as exc:
            raise EvidenceFileError(path, with_schema_problem("latency-samples", document, exc.detail)) from None
    raise EvidenceFileError(path, "neither a latency samples file ('series') nor pytest-benchmark JSON ('benchmarks')")


def _samples(path: Path, document: dict[str, Any]) -> dict[str, Any]:
    unit = document.get("unit", "ms")
    if not isinstance(unit, str) or unit not in _UNITS:
        raise EvidenceFileError(path, f"unit {unit!r} is not one of {', '.join(_UNITS)}")
    series = document["series"]
    if not isinstance(series, dict):
        raise EvidenceFileError(path, "'series' must map an operation name to a list of samples")
    summaries = {str(name): summarise(numbers(path, f"series.{name}", values, _UNITS[unit])) for name, values in series.items()}
    commit = document.get("commit")
    moment, problem = report_timestamp(document.get("generated_at"), f"{path}: generated_at")
    return {
        "format": "latency-samples",
        "series": summaries,
        "commits": [commit] if isinstance(commit, str) and commit else [],
        "timestamp": iso(moment),
        "timestamp_problem": problem,
    }


def _benchmark(path: Path, document: dict[str, Any]) -> dict[str, Any]:
    benchmarks = document["benchmarks"]
    if not isinstance(benchmarks, list):
        raise EvidenceFileError(path, "'benchmarks' must be a list")
    summaries: dict[str, dict[str, Any]] = {}
    for index, bench in enumerate(benchmarks):
        if not isinstance(bench, dict) or not isinstance(bench.get("stats"), dict):
            raise EvidenceFileError(path, f"benchmarks[{index}] has no stats")
        name = str(bench.get("fullname") or bench.get("name") or f"benchmarks[{index}]")
        data = bench["stats"].get("data")
        samples = numbers(path, f"{name} stats.data", data, _UNITS["s"]) if data is not None else []
        summaries[name] = summarise(samples)
        if data is None:
            summaries[name]["note"] = "no raw timings: run pytest-benchmark with --benchmark-save-data"
    info = document.get("commit_info")
    commit = info.get("id") if isinstance(info, dict) else None
    moment, problem = report_timestamp(document.get("datetime"), f"{path}: datetime")
    return {
        "format": "pytest-benchmark",
        "series": summaries,
        "commits": [commit] if isinstance(commit, str) and commit else [],
        "timestamp": iso(moment),
        "timestamp_problem": problem,
    }


def numbers(path: Path, where: str, values: Any, scale: Decimal) -> list[Decimal]:
    """Finite, non-negative samples as exact decimals times `scale`; anything else names its index."""
    if not isinstance(values, list):
        raise EvidenceFileError(path, f"{where} must be a list of numbers")
    result = []
    for index, value in enumerate(values):
        if not finite_number(value) or value < 0:
            raise EvidenceFileError(path, f"{where}[{index}] = {str(value)[:40]!r} is not a non-negative number")
        result.append(Decimal(str(value)) * scale)
    return result


def finite_number(value: Any) -> bool:
    """An int, float or Decimal that is finite; booleans are not numbers."""
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        return False
    try:
        # An integer too large for a float is no latency (and would overflow the summary).
        return math.isfinite(float(value))
    except OverflowError:
        return False
