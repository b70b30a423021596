"""Test Coverage: the performance suite, its latency samples and the live request histogram."""

from __future__ import annotations

from fractions import Fraction
from typing import TYPE_CHECKING, cast

from golive.checklist import ItemSpec
from golive.checks import JudgeContext, check
from golive.checks.exact import exact, is_finite
from golive.checks.tests import suite_requests
from golive.checks.tests_evidence import Distrust, exit_contradicts, junit_outcome, names_of, suite_entry, totals_of, trusted
from golive.collectors import Evidence
from golive.model import Finding, Outcome, Status

if TYPE_CHECKING:
    from golive.collectors.prometheus import Latency, PrometheusData


@check("tests.performance", also_uses=("git", "prometheus"), requests=suite_requests)
def performance(item: ItemSpec, evidence: Evidence, ctx: JudgeContext) -> Outcome:
    """The perf suite passed, and every latency source (the suite's samples or benchmark
    JSON, the live request-duration histogram) shows P99 under the limit."""
    try:
        entry = suite_entry(evidence, "performance")
        notes = trusted(entry["files"], entry["command"], f"report matching {', '.join(entry['patterns'])}", item, ctx)
        latency = entry.get("latency")
        if latency is not None:
            notes += trusted(latency["files"], entry["command"], f"latency file matching {', '.join(latency['patterns'])}", item, ctx)
    except Distrust as distrust:
        return distrust.outcome
    live = live_latency(ctx)
    if latency is None and live is None:
        return Outcome(
            Status.INSUFFICIENT,
            "no latency source: configure sources.junit.latency, or the environment's api for the live request_duration histogram",
        )
    contradiction = exit_contradicts(entry["command"], totals_of(entry["files"]))
    if contradiction:
        return contradiction
    # A perf suite that ran no test proved nothing, whatever the latency says.
    suite = junit_outcome(totals_of(entry["files"]), 1, names_of(entry["files"]), [])
    limit, minimum = exact(item.params["max_p99_ms"]), int(item.params["min_samples"])
    findings = list(suite.findings)
    measured: list[str] = []
    worst_p99: list[float] = []
    for file in latency["files"] if latency else []:
        for name, stats in file["report"]["series"].items():
            key, where = f"perf:{name}", f"{name} ({file['path']})"
            if stats["count"] < minimum or stats.get("p99_exact") is None:
                note = f"; {stats['note']}" if stats.get("note") else ""
                findings.append(Finding(key, Status.INSUFFICIENT, f"{where}: {stats['count']} samples, at least {minimum} needed{note}"))
            elif exact(stats["p99_exact"]) >= limit:
                findings.append(
                    Finding(
                        key,
                        Status.FAIL,
                        f"{where}: P99 {stats['p99_exact']} ms >= {item.params['max_p99_ms']} ms over {stats['count']} samples",
                    )
                )
                worst_p99.append(float(stats["p99_ms"]))
            else:
                measured.append(f"{name} P99 {stats['p99_ms']:g} ms over {stats['count']} samples")
                worst_p99.append(float(stats["p99_ms"]))
    if live is not None:
        finding, text, p99_ms = judge_live(live, limit, minimum)
        if finding:
            findings.append(finding)
        if text:
            measured.append(text)
        if p99_ms is not None:
            worst_p99.append(p99_ms)
    if not findings and not measured:
        return Outcome(Status.INSUFFICIENT, f"no latency series in {names_of(latency['files']) if latency else 'any source'}")
    if suite.own is not Status.PASS:
        return Outcome(suite.own, suite.summary, findings)
    outcome = Outcome.from_findings(
        findings, f"{'; '.join(measured)} (< {item.params['max_p99_ms']} ms); suite: {suite.summary}; " + "; ".join(notes)
    )
    if worst_p99:
        outcome.metrics = {"p99_ms": max(worst_p99)}
    return outcome


def live_latency(ctx: JudgeContext) -> Latency | None:
    """The live request-duration histogram the prometheus collector measured, when it ran."""
    prometheus = ctx.evidence.get("prometheus")
    if prometheus is None or prometheus.error or prometheus.missing:
        return None
    latency = cast("PrometheusData", prometheus.data).get("latency")
    return latency if isinstance(latency, dict) else None


def judge_live(latency: Latency, limit_ms: Fraction, minimum: int) -> tuple[Finding | None, str, float | None]:
    """(finding, measured text, P99 in ms) for the live histogram; a quantile in the +Inf
    bucket or too few requests proves nothing either way. The quantile is interpolated
    (histogram_quantile), so it is a float, compared only once it is finite."""
    key, name = "perf:live", f"live {latency.get('histogram', 'request_duration')} histogram"
    if latency.get("error"):
        return Finding(key, Status.ERROR, f"{name}: {latency['error']}"), "", None
    window = f"over {latency['window_seconds']:g} s" if latency.get("window_seconds") else "since the service started"
    requests_raw = latency.get("requests")
    if requests_raw is not None and not is_finite(requests_raw):
        return Finding(key, Status.ERROR, f"{name}: request count {requests_raw!r} is not a finite number"), "", None
    requests = int(requests_raw or 0)
    if requests < minimum:
        return Finding(key, Status.INSUFFICIENT, f"{name}: {requests} requests {window}, at least {minimum} needed"), "", None
    p99_seconds = latency.get("p99_seconds")
    if latency.get("in_inf_bucket") or p99_seconds is None:
        return Finding(key, Status.INSUFFICIENT, f"{name}: P99 lies in the +Inf bucket ({requests} requests {window}): unbounded"), "", None
    if not is_finite(p99_seconds) or p99_seconds < 0:
        return Finding(key, Status.ERROR, f"{name}: P99 {p99_seconds!r} s is not a finite non-negative number"), "", None
    p99_ms = float(p99_seconds) * 1000
    if p99_ms >= limit_ms:
        return (
            Finding(key, Status.FAIL, f"{name}: P99 {p99_ms:.1f} ms >= {float(limit_ms):g} ms ({requests} requests {window})"),
            "",
            p99_ms,
        )
    return None, f"{name} P99 {p99_ms:.1f} ms over {requests} requests {window}", p99_ms
