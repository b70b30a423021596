"""Test Coverage: unit, integration, performance and e2e suites, the load test and coverage.

Every artifact is first judged for trust, in this order, before its content counts:
1. the command that should have produced it started, finished within its timeout and
   wrote it (a report older than the command's start is a leftover, not this run's);
2. it parses (else `error` naming the file and line);
3. it is fresh: its own timestamp (else the file's mtime) lies within `max_age_hours`
   before --as-of and not after it;
4. when it records a commit (a JUnit `commit` property, pytest-benchmark's
   `commit_info.id`, the load tool's `commit`), that is the release commit (a recorded
   short SHA of at least 7 characters may abbreviate it). Artifacts that record none are
   judged on freshness alone.
A report written by a command golive ran in this run (step 1) is fresh by construction:
its age is not compared with --as-of, which was taken before the command started.
Any doubt is `insufficient` (or `error`), never a pass.
"""

from __future__ import annotations

import datetime as dt
import shlex
from fractions import Fraction
from typing import Any

from golive.checklist import ItemSpec
from golive.checks import JudgeContext, check
from golive.checks.exact import NotANumber, exact, is_finite, percent, shown
from golive.collectors import Evidence
from golive.model import Finding, Outcome, Status
from golive.testevidence import parse_timestamp
from golive.testevidence.junit import NO_CHROMIUM_MARKER

SUITE_OF = {"tests.unit": "unit", "tests.integration": "integration", "tests.performance": "performance", "tests.e2e": "e2e"}
_MIN_SHA = 7


class _Distrust(Exception):
    """An artifact that cannot be trusted yet; carries the outcome that says why."""

    def __init__(self, outcome: Outcome) -> None:
        super().__init__(outcome.summary)
        self.outcome = outcome


def _release_commit(ctx: JudgeContext) -> tuple[str | None, str]:
    git = ctx.evidence.get("git")
    if git is None:
        return None, "git evidence not collected"
    if git.error or git.missing:
        return None, f"git: {git.error or git.missing}"
    return str(git.data.get("commit") or "") or None, "git evidence has no commit"


def _command_text(command: dict[str, Any]) -> str:
    return shlex.join(command["argv"])


def _trusted(files: list[dict[str, Any]], command: dict[str, Any] | None, what: str, item: ItemSpec, ctx: JudgeContext) -> list[str]:
    """Raise `_Distrust` unless every file is readable, this run's, fresh and of the release
    commit; returns notes on identity for the summary."""
    if command is not None:
        if command.get("failed_to_start"):
            raise _Distrust(Outcome(Status.ERROR, f"could not start `{_command_text(command)}`: {command['failed_to_start']}"))
        if command["timed_out"]:
            raise _Distrust(
                Outcome(Status.INSUFFICIENT, f"`{_command_text(command)}` did not finish within {command['timeout']:g} s (killed)")
            )
    if not files:
        if command is not None:
            tail = command.get("output_tail") or ""
            raise _Distrust(
                Outcome(
                    Status.ERROR,
                    f"`{_command_text(command)}` exited {command['exit_code']} and wrote no {what}" + (f": {tail[-200:]}" if tail else ""),
                )
            )
        raise _Distrust(Outcome(Status.INSUFFICIENT, f"no {what} found"))
    broken = [entry["error"] for entry in files if "error" in entry]
    if broken:
        raise _Distrust(Outcome(Status.ERROR, "; ".join(broken)))
    started = parse_timestamp(command["started_at"]) if command else None
    release, unknown = _release_commit(ctx)
    notes = []
    for entry in files:
        path, report = entry["path"], entry["report"]
        mtime = parse_timestamp(entry["mtime"])
        if started is None:
            problem = report.get("timestamp_problem")
            if problem:
                raise _Distrust(Outcome(Status(problem["status"]), problem["detail"]))
            _fresh(path, parse_timestamp(report.get("timestamp")), mtime, item, ctx)
        elif mtime is None or mtime < started.replace(microsecond=0):
            # A leftover from an earlier run; whatever golive ran this time did not write it.
            raise _Distrust(Outcome(Status.INSUFFICIENT, f"{path} predates `{_command_text(command or {})}`: the command did not write it"))
        commits = report.get("commits") or []
        if not commits:
            notes.append(f"{path} records no commit ({'written by this run' if started else 'judged on freshness'})")
            continue
        if release is None:
            raise _Distrust(
                Outcome(Status.INSUFFICIENT, f"{path} records commit {commits[0][:12]} but the release commit is unknown ({unknown})")
            )
        for commit in commits:
            if not (commit == release or (len(commit) >= _MIN_SHA and release.startswith(commit))):
                raise _Distrust(
                    Outcome(
                        Status.INSUFFICIENT,
                        f"{path} records commit {commit[:12]}, not the release commit {release[:12]}: stale or foreign run",
                    )
                )
        notes.append(f"{path} at commit {release[:12]}")
    return notes


def _fresh(path: str, inner: dt.datetime | None, mtime: dt.datetime | None, item: ItemSpec, ctx: JudgeContext) -> None:
    """An ingested artifact's own timestamp (else its mtime) lies within max_age_hours before --as-of."""
    moment, origin = (inner, "its timestamp") if inner else (mtime, "file mtime")
    if moment is None:
        raise _Distrust(Outcome(Status.INSUFFICIENT, f"{path}: no timestamp and no mtime"))
    if moment > ctx.as_of:
        raise _Distrust(
            Outcome(Status.INSUFFICIENT, f"{path} is dated {moment.isoformat()} ({origin}), after --as-of {ctx.as_of.isoformat()}")
        )
    age = ctx.as_of - moment
    # Ages compare exactly: microseconds against the limit's decimal text.
    limit_us = exact(item.params["max_age_hours"]) * 3600 * 1_000_000
    if age // dt.timedelta(microseconds=1) > limit_us:
        hours = age.total_seconds() / 3600
        raise _Distrust(
            Outcome(Status.INSUFFICIENT, f"{path} is {hours:.1f} h old ({origin}); at most {item.params['max_age_hours']} h allowed")
        )


def _suite(evidence: Evidence, name: str) -> dict[str, Any]:
    entry = evidence.data.get("suites", {}).get(name)
    if entry is None:
        raise _Distrust(Outcome(Status.INSUFFICIENT, f"sources.junit.{name} not configured"))
    return dict(entry)


def _totals(files: list[dict[str, Any]]) -> dict[str, Any]:
    counters = ("tests", "passed", "failures", "errors", "skipped", "skipped_no_chromium")
    totals: dict[str, Any] = {**dict.fromkeys(counters, 0), "failed": [], "skips": []}
    for entry in files:
        report = entry["report"]
        for key in counters:
            totals[key] += report.get(key, 0)
        totals["failed"] += [{**case, "path": entry["path"]} for case in report["failed"]]
        totals["skips"] += [{**case, "path": entry["path"]} for case in report["skips"]]
    return totals


def _failure_findings(totals: dict[str, Any]) -> list[Finding]:
    return [
        Finding(f"test:{case['id']}", Status.FAIL, f"{case['kind']} in {case['id']} ({case['path']}): {case['message']}")
        for case in totals["failed"]
    ]


def _junit_outcome(totals: dict[str, Any], min_tests: int, names: str, notes: list[str]) -> Outcome:
    """Failures as findings (waivable one by one); too few executed tests as the item's own status."""
    executed = totals["tests"] - totals["skipped"]
    findings = _failure_findings(totals)
    bad = totals["failures"] + totals["errors"]
    own = Status.PASS
    problems = []
    if bad > len(findings):
        # More failures than the report listing kept: waiving the listed ones must not pass the rest.
        own = Status.FAIL
        problems.append(f"{bad} failed/errored tests, {bad - len(findings)} not listed")
    if executed < min_tests:
        own = Status.INSUFFICIENT if own is Status.PASS else own
        problems.append(
            f"only {executed} test(s) ran (of {totals['tests']}, {totals['skipped']} skipped) in {names}; at least {min_tests} required"
        )
    counts = f"{totals['passed']} passed, {totals['failures']} failed, {totals['errors']} errors, {totals['skipped']} skipped in {names}"
    if not findings and not problems:
        return Outcome(Status.PASS, "; ".join([counts, *notes]))
    summary = "; ".join([*problems, *(finding.detail for finding in findings[:5])])
    if len(findings) > 5:
        summary += f"; and {len(findings) - 5} more failing tests"
    return Outcome(own, f"{summary} ({counts})", findings)


def _exit_contradicts(command: dict[str, Any] | None, totals: dict[str, Any]) -> Outcome | None:
    """A suite command that failed while its report shows nothing failing wrote a partial or
    stale report (pytest exits 2 when interrupted, 3 on an internal error, 5 with no test):
    the report cannot be taken at its word."""
    if command is None or command.get("exit_code") in (None, 0) or totals["failures"] + totals["errors"] > 0:
        return None
    return Outcome(
        Status.ERROR,
        f"`{_command_text(command)}` exited {command['exit_code']} although its report shows no failure or error: the report may be partial",
    )


@check("tests.unit", "tests.integration", also_uses=("git",))
def junit_suite(item: ItemSpec, evidence: Evidence, ctx: JudgeContext) -> Outcome:
    try:
        entry = _suite(evidence, SUITE_OF[item.check_name])
        notes = _trusted(entry["files"], entry["command"], f"report matching {', '.join(entry['patterns'])}", item, ctx)
    except _Distrust as distrust:
        return distrust.outcome
    contradiction = _exit_contradicts(entry["command"], _totals(entry["files"]))
    if contradiction:
        return contradiction
    return _junit_outcome(_totals(entry["files"]), int(item.params["min_tests"]), _names(entry["files"]), notes)


@check("tests.performance", also_uses=("git", "prometheus"))
def performance(item: ItemSpec, evidence: Evidence, ctx: JudgeContext) -> Outcome:
    """The perf suite passed, and every latency source (the suite's samples or benchmark
    JSON, the live request-duration histogram) shows P99 under the limit."""
    try:
        entry = _suite(evidence, "performance")
        notes = _trusted(entry["files"], entry["command"], f"report matching {', '.join(entry['patterns'])}", item, ctx)
        latency = entry.get("latency")
        if latency is not None:
            notes += _trusted(latency["files"], entry["command"], f"latency file matching {', '.join(latency['patterns'])}", item, ctx)
    except _Distrust as distrust:
        return distrust.outcome
    live = _live_latency(ctx)
    if latency is None and live is None:
        return Outcome(
            Status.INSUFFICIENT,
            "no latency source: configure sources.junit.latency, or the environment's api for the live request_duration histogram",
        )
    contradiction = _exit_contradicts(entry["command"], _totals(entry["files"]))
    if contradiction:
        return contradiction
    # A perf suite that ran no test proved nothing, whatever the latency says.
    suite = _junit_outcome(_totals(entry["files"]), 1, _names(entry["files"]), [])
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
        finding, text, p99_ms = _judge_live(live, limit, minimum)
        if finding:
            findings.append(finding)
        if text:
            measured.append(text)
        if p99_ms is not None:
            worst_p99.append(p99_ms)
    if not findings and not measured:
        return Outcome(Status.INSUFFICIENT, f"no latency series in {_names(latency['files']) if latency else 'any source'}")
    if suite.own is not Status.PASS:
        return Outcome(suite.own, suite.summary, findings)
    outcome = Outcome.from_findings(
        findings, f"{'; '.join(measured)} (< {item.params['max_p99_ms']} ms); suite: {suite.summary}; " + "; ".join(notes)
    )
    if worst_p99:
        outcome.metrics = {"p99_ms": max(worst_p99)}
    return outcome


def _live_latency(ctx: JudgeContext) -> dict[str, Any] | None:
    """The live request-duration histogram the prometheus collector measured, when it ran."""
    prometheus = ctx.evidence.get("prometheus")
    if prometheus is None or prometheus.error or prometheus.missing:
        return None
    latency = prometheus.data.get("latency")
    return latency if isinstance(latency, dict) else None


def _judge_live(latency: dict[str, Any], limit_ms: Fraction, minimum: int) -> tuple[Finding | None, str, float | None]:
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
    if latency.get("in_inf_bucket") or latency.get("p99_seconds") is None:
        return Finding(key, Status.INSUFFICIENT, f"{name}: P99 lies in the +Inf bucket ({requests} requests {window}): unbounded"), "", None
    if not is_finite(latency["p99_seconds"]) or latency["p99_seconds"] < 0:
        return Finding(key, Status.ERROR, f"{name}: P99 {latency['p99_seconds']!r} s is not a finite non-negative number"), "", None
    p99_ms = float(latency["p99_seconds"]) * 1000
    if p99_ms >= limit_ms:
        return (
            Finding(key, Status.FAIL, f"{name}: P99 {p99_ms:.1f} ms >= {float(limit_ms):g} ms ({requests} requests {window})"),
            "",
            p99_ms,
        )
    return None, f"{name} P99 {p99_ms:.1f} ms over {requests} requests {window}", p99_ms


@check("tests.e2e", also_uses=("git",))
def e2e(item: ItemSpec, evidence: Evidence, ctx: JudgeContext) -> Outcome:
    try:
        entry = _suite(evidence, "e2e")
        notes = _trusted(entry["files"], entry["command"], f"Playwright report matching {', '.join(entry['patterns'])}", item, ctx)
    except _Distrust as distrust:
        return distrust.outcome
    totals = _totals(entry["files"])
    contradiction = _exit_contradicts(entry["command"], totals)
    if contradiction:
        return contradiction
    names = _names(entry["files"])
    executed = totals["tests"] - totals["skipped"]
    bad = totals["failures"] + totals["errors"]
    if executed == 0 and bad == 0 and totals["skipped"] > 0:
        skipped, documented = totals["skipped"], totals["skipped_no_chromium"]
        if documented < skipped:
            # "Every test skipped for lack of Chromium": one documented skip among others proves nothing.
            return Outcome(
                Status.INSUFFICIENT,
                f"{skipped - documented} of {skipped} skipped e2e test(s) in {names} lack the documented '{NO_CHROMIUM_MARKER}' reason",
            )
        first = next((skip for skip in totals["skips"] if NO_CHROMIUM_MARKER in skip["reason"].lower()), None)
        reason = f"{first['reason']} ({first['path']})" if first else f"{skipped} test(s) in {names}"
        if item.params["allow_skip_without_chromium"]:
            return Outcome(Status.SKIP, f"documented skip of all {skipped} test(s): {reason}")
        return Outcome(Status.INSUFFICIENT, f"e2e skipped for lack of Chromium ({reason}) and the checklist does not allow that skip")
    if executed == 0:
        return Outcome(Status.INSUFFICIENT, f"no e2e test ran in {names}")
    counts = f"{totals['passed']} passed, {bad} failed, {totals['skipped']} skipped in {names}"
    findings = _failure_findings(totals)
    if bad > len(findings):
        # More failures than the report listing kept: waiving the listed ones must not pass the rest.
        return Outcome(Status.FAIL, f"{bad} failed/errored e2e tests, {bad - len(findings)} not listed ({counts})", findings)
    return Outcome.from_findings(findings, "; ".join([counts, *notes]))


def _single(evidence: Evidence, what: str, item: ItemSpec, ctx: JudgeContext) -> tuple[dict[str, Any], list[str]]:
    data = evidence.data
    files = data["files"]
    notes = _trusted(files, data["command"], f"{what} matching {', '.join(data['patterns'])}", item, ctx)
    if len(files) > 1:
        raise _Distrust(
            Outcome(
                Status.INSUFFICIENT,
                f"ambiguous: {len(files)} {what}s match ({_names(files)}); point sources.{evidence.source}.report at one",
            )
        )
    return files[0], notes


@check("tests.load", also_uses=("git",))
def load(item: ItemSpec, evidence: Evidence, ctx: JudgeContext) -> Outcome:
    try:
        file, notes = _single(evidence, "load-test summary", item, ctx)
    except _Distrust as distrust:
        return distrust.outcome
    report, path = file["report"], file["path"]
    users, orders, latency = report["users"], report["orders"], report["latency"]
    if orders["sent"] == 0:
        return Outcome(Status.INSUFFICIENT, f"{path}: no order was sent")
    params = item.params
    try:
        p99 = exact(latency.get("p99_exact", latency["p99_ms"]))
    except NotANumber as exc:
        return Outcome(Status.ERROR, f"{path}: latency P99: {exc}")
    # Exact: failed / sent against the limit's decimal text (1 of 100 is exactly 0.01).
    error_rate = Fraction(orders["failed"], orders["sent"])
    findings = []
    if users["active"] < int(params["min_users"]):
        findings.append(
            Finding(
                "load:users",
                Status.FAIL,
                f"{users['active']} concurrent users placed orders (of {users['requested']} requested); {params['min_users']} required",
            )
        )
    if orders["sent"] < int(params["min_orders"]):
        findings.append(Finding("load:orders", Status.FAIL, f"{orders['sent']} orders sent; {params['min_orders']} required"))
    rate_text = f"{shown(error_rate * 100, 3)} %"
    if error_rate > exact(params["max_error_rate"]):
        findings.append(
            Finding(
                "load:error_rate",
                Status.FAIL,
                f"error rate {rate_text} ({orders['failed']} of {orders['sent']} failed) > {params['max_error_rate']} ({shown(exact(params['max_error_rate']) * 100, 3)} %)",
            )
        )
    p99_text = latency.get("p99_exact") or f"{latency['p99_ms']:g}"
    if p99 > exact(params["max_p99_ms"]):
        findings.append(Finding("load:p99", Status.FAIL, f"P99 {p99_text} ms > {params['max_p99_ms']} ms"))
    summary = (
        f"{users['active']} users, {orders['sent']} orders ({orders['accepted']} accepted, {orders['rejected']} rejected, "
        f"{orders['failed']} failed), error rate {rate_text}, P99 {p99_text} ms ({path}); " + "; ".join(notes)
    )
    outcome = Outcome.from_findings(findings, summary)
    if findings:
        outcome.summary += f" ({path})"
    return outcome


@check("tests.coverage")
def coverage(item: ItemSpec, evidence: Evidence, ctx: JudgeContext) -> Outcome:
    try:
        file, notes = _single(evidence, "coverage report", item, ctx)
    except _Distrust as distrust:
        return distrust.outcome
    report, path = file["report"], file["path"]
    measured = coverage_fraction(report)
    if measured is None:
        return Outcome(
            Status.INSUFFICIENT,
            f"{path}: the report measured no line (0 statements), whatever rate it states; coverage of nothing proves nothing",
        )
    threshold = exact(item.params["min_percent"])
    figure = f"{shown(measured)} % line coverage over {report['modules']} modules ({path}, {report['format']})"
    if measured >= threshold:
        return Outcome(Status.PASS, "; ".join([figure, *notes]))
    weakest = report["weakest"][: int(item.params["weakest_modules"])]
    named = ", ".join(f"{module['name']} {module['percent']:g} %" for module in weakest)
    return Outcome(Status.WARN, f"{figure} is below {item.params['min_percent']} %; weakest: {named}")


def coverage_fraction(report: dict[str, Any]) -> Fraction | None:
    """Line coverage in percent, exactly: covered / valid line counts, else the report's own
    line-rate decimal text; None when the report measured no line."""
    valid, covered = report.get("lines_valid"), report.get("lines_covered")
    if valid == 0:
        return None
    if report.get("line_rate") is not None:
        return exact(report["line_rate"]) * 100
    if isinstance(valid, int) and isinstance(covered, int):
        return percent(covered, valid)
    return None


def _names(files: list[dict[str, Any]]) -> str:
    shown = [entry["path"] for entry in files]
    return ", ".join(shown[:3]) + (f" and {len(shown) - 3} more" if len(shown) > 3 else "")
