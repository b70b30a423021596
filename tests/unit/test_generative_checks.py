"""Generative tests: random and hostile evidence for each source, through golive's parsers
to its checks. Each test restates its rule with its own exact arithmetic and asserts that
the check never passes evidence breaking the rule, and never raises.

Hostile values: NaN, infinities, None, negative and huge numbers, wrong types, empty and
duplicated collections, dates in the future or without an offset.
"""

from __future__ import annotations

import copy
import datetime as dt
import functools
import json
import math
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from pathlib import Path
from typing import Any
from unittest.mock import MagicMock
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from golive.checklist import Checklist, ItemSpec, load_default
from golive.checks import JudgeContext
from golive.checks.kpi import drawdowns, explainability, hit_rate, sharpe
from golive.checks.security import scanners
from golive.checks.tests import e2e, junit_suite
from golive.checks.tests_performance import performance
from golive.checks.tests_reports import coverage, load
from golive.collectors import Evidence
from golive.collectors import kpi as kpi_collector
from golive.collectors.scanners import ingest, parse_bandit, parse_trivy
from golive.model import Status
from golive.promql import bucket_quantile
from golive.testevidence.artifacts import read_reports
from golive.testevidence.coverage import parse_coverage
from golive.testevidence.junit import parse_junit
from golive.testevidence.latency import parse_latency
from golive.testevidence.load import parse_load
from tests.unit.test_test_evidence_checks import AS_OF, ctx, junit_file, suites

# Modest and reproducible, so the unit suite stays fast and a failure replays.
GENERATIVE = settings(max_examples=100, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
STAMP = (AS_OF - dt.timedelta(hours=1)).isoformat()
# Offset-less stamps are read as the earliest instant they can denote (their digits as UTC
# minus 14 h): one an hour old stays fresh, one whose digits are 60 h old is 74 h old, stale.
NAIVE_FRESH = "2026-11-29T11:00:00"
NAIVE_STALE = "2026-11-27T00:00:00"
PASSING = (Status.PASS,)

hostile_number = st.one_of(
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    st.none(),
    st.booleans(),
    st.text(max_size=6),
    st.sampled_from([0, 1, -1, 10**400, 1e308, -0.0, 5e-324]),
)
count = st.integers(min_value=0, max_value=2000)


@functools.cache
def default_checklist() -> Checklist:
    return load_default()


def item(item_id: str, **params: Any) -> ItemSpec:
    """The default item with `params` (parsing the checklist once, not per example)."""
    spec = copy.deepcopy(default_checklist().get(item_id))
    assert spec is not None
    spec.params.update(params)
    return spec


@contextmanager
def folder() -> Iterator[Path]:
    with tempfile.TemporaryDirectory() as name:
        yield Path(name)


def fresh(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    moment = AS_OF.timestamp() - 3600
    os.utime(path, (moment, moment))
    return path


def decimal_of(value: Any) -> Fraction | None:
    """The rule's own reading of a number: finite, not a boolean, exact from its text."""
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        return None
    try:
        number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    except (InvalidOperation, ValueError):
        return None
    return Fraction(number) if number.is_finite() else None


def nearest_rank_p99(samples: list[Fraction]) -> Fraction:
    ordered = sorted(samples)
    rank = -(-99 * len(ordered) // 100)
    return ordered[max(rank, 1) - 1]


# ------------------------------------------------------------------ tests.load


@GENERATIVE
@given(
    requested_users=count,
    active=count,
    sent=count,
    failed=count,
    rejected=count,
    p99=hostile_number,
    samples=st.one_of(st.none(), st.lists(st.one_of(st.floats(min_value=0, max_value=2000), hostile_number), max_size=600)),
)
def test_load_never_passes_a_broken_rule(
    requested_users: int, active: int, sent: int, failed: int, rejected: int, p99: Any, samples: list[Any] | None
) -> None:
    accepted = sent - failed - rejected
    document: dict[str, Any] = {
        "schema": "golive/load-test/v1",
        "finished_at": STAMP,
        "users": {"requested": requested_users, "active": active},
        "orders": {"requested": sent, "sent": sent, "accepted": accepted, "rejected": rejected, "failed": failed},
        "latency_ms": {"p99": p99},
    }
    if samples is not None:
        document["samples_ms"] = samples
    with folder() as root:
        fresh(root / "load.json", json.dumps(document, allow_nan=True, default=str))
        evidence = Evidence(
            "load", data={"patterns": ["load.json"], "command": None, "files": read_reports(root, ["load.json"], parse_load)}
        )
        outcome = load(item("tests.load"), evidence, ctx())
    if outcome.status not in PASSING:
        return
    # The rule, restated: consistent counts, enough users and orders, failed/sent <= 1 %, P99 <= 500 ms.
    assert accepted >= 0 and active <= requested_users
    assert active >= 100 and sent >= 500
    assert Fraction(failed, sent) <= Fraction(1, 100)
    if samples is not None:
        exact = [decimal_of(value) for value in samples]
        assert all(value is not None and value >= 0 for value in exact) and len(exact) == sent
        assert nearest_rank_p99([value for value in exact if value is not None]) <= 500
    else:
        reported = decimal_of(p99)
        assert reported is not None and 0 <= reported <= 500


# ------------------------------------------------------------------ tests.coverage


rate_text = st.one_of(
    st.decimals(min_value=0, max_value=1, places=5).map(str),
    st.sampled_from(["NaN", "inf", "-0.1", "1.5", "", "x", "0.7", "0.69999", "1"]),
)


@GENERATIVE
@given(
    valid=st.one_of(st.none(), count.map(str), st.sampled_from(["-1", "9" * 5000, "NaN", "1e3", "7.0"])),
    covered=st.one_of(st.none(), count.map(str), st.just("-0")),
    rate=st.one_of(st.none(), rate_text),
    class_lines=st.lists(st.integers(min_value=-1, max_value=3), max_size=20),
    min_percent=st.sampled_from([0, 55, 70, 70.5, 99.99, 100]),
)
def test_coverage_never_passes_below_its_threshold_or_on_nothing(
    valid: str | None, covered: str | None, rate: str | None, class_lines: list[int], min_percent: float
) -> None:
    counts = f'lines-valid="{valid}" lines-covered="{covered}"' if valid is not None and covered is not None else ""
    rate_attr = f'line-rate="{rate}"' if rate is not None else ""
    lines = "".join(f'<line number="{index}" hits="{hits}"/>' for index, hits in enumerate(class_lines))
    classes = f'<class name="a" filename="a.py"><lines>{lines}</lines></class>' if class_lines else ""
    stamp = int(AS_OF.timestamp() * 1000) - 3_600_000
    text = f'<coverage {counts} {rate_attr} timestamp="{stamp}"><packages><package name="p"><classes>{classes}</classes></package></packages></coverage>'
    with folder() as root:
        fresh(root / "coverage.xml", text)
        files = read_reports(root, ["coverage.xml"], parse_coverage)
        outcome = coverage(
            item("tests.coverage", min_percent=min_percent),
            Evidence("coverage", data={"patterns": ["c"], "command": None, "files": files}),
            ctx(),
        )
    if outcome.status not in PASSING:
        return
    threshold = Fraction(Decimal(str(min_percent)))
    if valid is not None and covered is not None:
        assert valid.isdigit() and covered.lstrip("-").isdigit()
        lines_valid, lines_covered = int(valid), int(covered)
        assert 0 <= lines_covered <= lines_valid and lines_valid > 0
        assert Fraction(lines_covered * 100, lines_valid) >= threshold
    else:
        assert rate is not None and class_lines, "a bare rate with no measured class is not evidence"
        assert Fraction(Decimal(rate)) * 100 >= threshold


@GENERATIVE
@given(
    statements=st.one_of(count, hostile_number),
    covered=st.one_of(count, hostile_number),
    stamp=st.sampled_from([STAMP, NAIVE_FRESH, NAIVE_STALE, "garbage", None, "2099-01-01T00:00:00Z"]),
)
def test_coverage_json_totals(statements: Any, covered: Any, stamp: Any) -> None:
    document = {"meta": {"timestamp": stamp}, "files": {}, "totals": {"num_statements": statements, "covered_lines": covered}}
    with folder() as root:
        fresh(root / "coverage.json", json.dumps(document, allow_nan=True, default=str))
        files = read_reports(root, ["coverage.json"], parse_coverage)
        outcome = coverage(item("tests.coverage"), Evidence("coverage", data={"patterns": ["c"], "command": None, "files": files}), ctx())
    if outcome.status in PASSING:
        assert stamp in (STAMP, NAIVE_FRESH, None)  # None: dated by the file's (fresh) mtime
        assert isinstance(statements, int) and isinstance(covered, int) and not isinstance(statements, bool)
        assert statements > 0 and 0 <= covered <= statements and Fraction(covered * 100, statements) >= 70


# ------------------------------------------------------------------ JUnit: unit and e2e


case_kind = st.sampled_from(["pass", "fail", "error", "skip-documented", "skip-other", "skip-empty"])


def junit_text(kinds: list[str], stamp: str | None) -> str:
    bodies = {
        "pass": "",
        "fail": '<failure message="boom"/>',
        "error": '<error message="crash"/>',
        "skip-documented": '<skipped message="no-chromium: not installed"/>',
        "skip-other": '<skipped message="flaky"/>',
        "skip-empty": "<skipped/>",
    }
    cases = "".join(f'<testcase classname="c" name="t{index % 7}">{bodies[kind]}</testcase>' for index, kind in enumerate(kinds))
    stamp_attr = f' timestamp="{stamp}"' if stamp is not None else ""
    return f'<testsuites><testsuite name="s"{stamp_attr}>{cases}</testsuite></testsuites>'


stamps = st.sampled_from([STAMP, None, NAIVE_FRESH, NAIVE_STALE, "2026-02-30T00:00:00Z", (AS_OF + dt.timedelta(hours=2)).isoformat()])


@GENERATIVE
@given(kinds=st.lists(case_kind, max_size=130), stamp=stamps, allow=st.booleans())
def test_e2e_skips_only_when_every_test_skipped_for_lack_of_chromium(kinds: list[str], stamp: str | None, allow: bool) -> None:
    with folder() as root:
        fresh(root / "e2e.xml", junit_text(kinds, stamp))
        files = read_reports(root, ["e2e.xml"], parse_junit)
        outcome = e2e(item("tests.e2e", allow_skip_without_chromium=allow), suites("e2e", *files), ctx(commit=None))
    if stamp not in (STAMP, NAIVE_FRESH, None):
        assert outcome.status not in (Status.PASS, Status.SKIP)
    if outcome.status is Status.SKIP:
        assert allow and kinds and all(kind == "skip-documented" for kind in kinds)
    if outcome.status is Status.PASS:
        assert not any(kind in ("fail", "error") for kind in kinds)
        assert any(kind == "pass" for kind in kinds)


@GENERATIVE
@given(kinds=st.lists(case_kind, max_size=80), stamp=stamps, min_tests=st.integers(min_value=1, max_value=40))
def test_unit_suite_passes_only_with_enough_executed_tests_and_no_failure(kinds: list[str], stamp: str | None, min_tests: int) -> None:
    with folder() as root:
        fresh(root / "unit.xml", junit_text(kinds, stamp))
        files = read_reports(root, ["unit.xml"], parse_junit)
        outcome = junit_suite(item("tests.unit", min_tests=min_tests), suites("unit", *files), ctx(commit=None))
    if outcome.status is Status.PASS:
        assert stamp in (STAMP, NAIVE_FRESH, None)
        assert not any(kind in ("fail", "error") for kind in kinds)
        assert sum(kind == "pass" for kind in kinds) >= min_tests


# ------------------------------------------------------------------ tests.performance


@GENERATIVE
@given(
    series=st.dictionaries(
        st.text(min_size=1, max_size=5),
        st.lists(st.one_of(st.floats(min_value=0, max_value=400), st.sampled_from([199.999, 200, 200.0001, 0])), max_size=150),
        max_size=3,
    ),
    unit=st.sampled_from(["ms", "s"]),
    limit=st.sampled_from([200, 199.5, 0.2, 1000]),
    live=st.one_of(
        st.none(),
        st.fixed_dictionaries(
            {
                "requests": hostile_number,
                "p99_seconds": hostile_number,
                "in_inf_bucket": st.booleans(),
                "histogram": st.just("request_duration_seconds"),
                "error": st.none(),
            }
        ),
    ),
)
def test_performance_never_passes_a_p99_at_or_over_the_limit(
    series: dict[str, list[float]], unit: str, limit: float, live: dict[str, Any] | None
) -> None:
    document = {"generated_at": STAMP, "unit": unit, "series": series}
    scale = 1000 if unit == "s" else 1
    with folder() as root:
        fresh(root / "lat.json", json.dumps(document))
        latency = {"patterns": ["lat.json"], "files": read_reports(root, ["lat.json"], parse_latency)}
        context = ctx()
        if live is not None:
            context.evidence["prometheus"] = Evidence("prometheus", data={"latency": live})
        outcome = performance(
            item("tests.performance", max_p99_ms=limit), suites("performance", junit_file("perf.xml"), latency=latency), context
        )
    if outcome.status is not Status.PASS:
        return
    bound = Fraction(Decimal(str(limit)))
    for samples in series.values():
        exact = [Fraction(Decimal(repr(float(value)) if isinstance(value, float) else str(value))) * scale for value in samples]
        assert len(exact) >= 100 and nearest_rank_p99(exact) < bound
    if live is not None:
        requests, p99 = decimal_of(live["requests"]), decimal_of(live["p99_seconds"])
        assert requests is not None and requests >= 100 and not live["in_inf_bucket"]
        assert p99 is not None and p99 >= 0 and float(p99) * 1000 < float(bound)


@GENERATIVE
@given(st.lists(st.tuples(st.sampled_from([0.05, 0.1, 0.2, math.inf]), hostile_number), min_size=0, max_size=6))
def test_bucket_quantile_never_raises_and_is_nan_on_broken_counts(buckets: list[tuple[float, Any]]) -> None:
    numeric = [
        (bound, value) for bound, value in buckets if isinstance(value, int | float) and not isinstance(value, bool) and abs(value) < 1e300
    ]
    result = bucket_quantile(0.99, numeric)
    if any(not math.isfinite(value) or value < 0 for _, value in numeric):
        assert math.isnan(result.value)


# ------------------------------------------------------------------ KPIs


UTC = ZoneInfo("UTC")


def kpi_evidence(root: Path, **parts: dict[str, Any]) -> Evidence:
    data: dict[str, Any] = {
        "timezone": "UTC",
        "returns": {"configured": False, "setting": "sources.kpi.returns"},
        "trades": {"configured": False, "setting": "sources.kpi.trades"},
        "incidents": {"configured": False, "setting": "sources.kpi.incidents"},
        "explainability": {"configured": False, "setting": "sources.kpi.explainability"},
        **parts,
    }
    return Evidence("kpi", data=data)


def kpi_ctx() -> JudgeContext:
    return JudgeContext(config=MagicMock(), as_of=AS_OF, evidence={})


pnl_text = st.one_of(
    st.decimals(min_value=-1000, max_value=1000, places=4, allow_nan=False, allow_infinity=False).map(str),
    st.sampled_from(["0", "-0", "0.0", "NaN", "inf", "", "1e999", "x", "0.30000000000000000001"]),
)


@GENERATIVE
@given(
    trades=st.lists(st.tuples(pnl_text, pnl_text, st.integers(min_value=-48, max_value=24 * 120), st.booleans()), max_size=160),
    gross=st.booleans(),
    duplicate=st.booleans(),
)
def test_hit_rate_never_passes_at_or_below_fifty_five_percent(
    trades: list[tuple[str, str, int, bool]], gross: bool, duplicate: bool
) -> None:
    lines = ["id,closed_at,pnl,fees"]
    for index, (pnl, fees, hours_ago, is_open) in enumerate(trades):
        closed = "" if is_open else (AS_OF - dt.timedelta(hours=hours_ago)).isoformat()
        lines.append(f"T{index},{closed},{pnl},{fees}")
    if duplicate and trades:
        lines.append(lines[1])
    with folder() as root:
        fresh(root / "trades.csv", "\n".join(lines) + "\n")
        settings_ = {"trades": "trades.csv", "trades_pnl": "gross" if gross else "net"}
        part = kpi_collector._trades(settings_, lambda name: root / name, UTC)
        outcome = hit_rate(item("kpi.hit_rate"), kpi_evidence(root, trades=part), kpi_ctx())
    if outcome.status is not Status.PASS:
        return
    assert not (duplicate and trades)
    first = AS_OF.date() - dt.timedelta(days=90)
    counted = []
    for pnl, fees, hours_ago, is_open in trades:
        moment = AS_OF - dt.timedelta(hours=hours_ago)
        if is_open or moment > AS_OF or moment.date() < first:
            continue
        net = Fraction(Decimal(pnl)) - (Fraction(Decimal(fees)) if gross else 0)
        counted.append(net > 0)
    assert len(counted) >= 50
    assert Fraction(sum(counted) * 100, len(counted)) > 55


@GENERATIVE
@given(
    score=st.one_of(
        st.decimals(min_value=-1, max_value=200, places=3).map(str), st.sampled_from(["NaN", "Infinity", "1e400", "null", "true", '"8"'])
    ),
    out_of=st.one_of(st.none(), st.decimals(min_value=-1, max_value=200, places=2).map(str), st.sampled_from(["0", "NaN", "3"])),
    date=st.sampled_from(
        [
            (AS_OF.date() - dt.timedelta(days=1)).isoformat(),
            (AS_OF.date() + dt.timedelta(days=1)).isoformat(),
            (AS_OF - dt.timedelta(days=7, seconds=1)).isoformat(),
            "2026-02-30",
            "2026-11-28T10:00:00",
            "",
        ]
    ),
)
def test_explainability_never_passes_below_eight_out_of_ten(score: str, out_of: str | None, date: str) -> None:
    fields = [f'"score": {score}', f'"date": "{date}"'] + ([f'"out_of": {out_of}'] if out_of is not None else [])
    with folder() as root:
        (root / "score.json").write_text("{" + ", ".join(fields) + "}", encoding="utf-8")
        part = kpi_collector._explainability({"explainability": "score.json"}, lambda name: root / name, UTC)
        outcome = explainability(item("kpi.explainability"), kpi_evidence(root, explainability=part), kpi_ctx())
    if outcome.status is not Status.PASS:
        return
    # A quoted number is still that number (CSV cells are all text).
    value, scale = Fraction(Decimal(score.strip('"'))), Fraction(Decimal(out_of or "10"))
    assert scale > 0 and 0 <= value <= scale and value / scale * 10 >= 8
    assert date in ((AS_OF.date() - dt.timedelta(days=1)).isoformat(), "2026-11-28T10:00:00")


@GENERATIVE
@given(
    values=st.lists(st.decimals(min_value=Decimal("0.01"), max_value=1000, places=2), min_size=1, max_size=80),
    threshold=st.sampled_from([0, 5, 5.5, 50]),
)
def test_drawdowns_never_pass_an_unexplained_fall_deeper_than_the_threshold(values: list[Decimal], threshold: float) -> None:
    last = AS_OF.date() - dt.timedelta(days=1)
    first = last - dt.timedelta(days=len(values) - 1)
    lines = ["date,equity"] + [f"{first + dt.timedelta(days=index)},{value}" for index, value in enumerate(values)]
    with folder() as root:
        fresh(root / "equity.csv", "\n".join(lines) + "\n")
        part = kpi_collector._returns({"returns": "equity.csv", "returns_kind": "equity"}, lambda name: root / name, UTC)
        spec = item("kpi.drawdowns", max_unexplained_depth_percent=threshold)
        outcome = drawdowns(spec, kpi_evidence(root, returns=part), kpi_ctx())
    if outcome.status is not Status.PASS:
        return
    peak = Fraction(0)
    for value in values:
        peak = max(peak, Fraction(value))
        assert (1 - Fraction(value) / peak) * 100 <= Fraction(Decimal(str(threshold)))


@GENERATIVE
@given(returns=st.lists(st.one_of(st.floats(min_value=-0.5, max_value=0.5), st.sampled_from([0.0, 1e-300, 0.99, -0.99])), max_size=100))
def test_sharpe_never_passes_below_its_threshold_or_with_too_few_returns(returns: list[float]) -> None:
    last = AS_OF.date() - dt.timedelta(days=1)
    first = last - dt.timedelta(days=len(returns) - 1)
    lines = ["date,return"] + [f"{first + dt.timedelta(days=index)},{value!r}" for index, value in enumerate(returns)]
    with folder() as root:
        fresh(root / "returns.csv", "\n".join(lines) + "\n")
        part = kpi_collector._returns({"returns": "returns.csv"}, lambda name: root / name, UTC)
        outcome = sharpe(item("kpi.sharpe"), kpi_evidence(root, returns=part), kpi_ctx())
    if outcome.status is not Status.PASS:
        return
    assert len(returns) >= 60
    mean = math.fsum(returns) / len(returns)
    spread = math.sqrt(math.fsum((value - mean) ** 2 for value in returns) / (len(returns) - 1))
    assert spread > 0 and mean / spread * math.sqrt(365) > 1.3 - 1e-9


# ------------------------------------------------------------------ security.scanners


severity = st.sampled_from(["CRITICAL", "critical", "HIGH", "LOW", "UNKNOWN", None, "", 7, "Critical "])


@GENERATIVE
@given(
    results=st.lists(st.lists(st.tuples(st.sampled_from(["CVE-1", "CVE-2", "CVE-1"]), severity), max_size=5), max_size=4),
    created=st.sampled_from(["2026-11-28T10:00:00Z", "2026-11-28T10:00:00", "2099-01-01T00:00:00Z", "not a date", None]),
)
def test_scanners_never_pass_a_critical_or_unscored_vulnerability(results: list[list[tuple[str, Any]]], created: str | None) -> None:
    document: dict[str, Any] = {
        "SchemaVersion": 2,
        "CreatedAt": created,
        "Results": [
            {"Target": f"t{index}", "Vulnerabilities": [{"VulnerabilityID": vid, "PkgName": "p", "Severity": sev} for vid, sev in vulns]}
            for index, vulns in enumerate(results)
        ],
    }
    bandit = {"generated_at": "2026-11-28T10:00:00Z", "results": [], "metrics": {"_totals": {"loc": 10, "nosec": 0}}}
    with folder() as root:
        fresh(root / "trivy.json", json.dumps(document))
        fresh(root / "bandit.json", json.dumps(bandit))
        data = {
            "zap": {"configured": False},
            "trivy": {"configured": True, "pattern": "trivy.json", "reports": [ingest(root / "trivy.json", parse_trivy)]},
            "bandit": {"configured": True, "pattern": "bandit.json", "reports": [ingest(root / "bandit.json", parse_bandit)]},
        }
        outcome = scanners(item("security.scanners"), Evidence("scanners", data=data), JudgeContext(MagicMock(), AS_OF, {}))
    if outcome.status is not Status.PASS:
        return
    assert created in ("2026-11-28T10:00:00Z", None) and results  # None: dated by the fresh mtime
    for vulns in results:
        for _, sev in vulns:
            label = sev.upper() if isinstance(sev, str) and sev else "UNKNOWN"
            assert label not in ("CRITICAL", "UNKNOWN")
