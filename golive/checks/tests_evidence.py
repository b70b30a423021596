"""Shared by the tests checks: whether a test artifact can be trusted, and suite totals.

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
from typing import TYPE_CHECKING, Any, cast

from golive.checklist import ItemSpec
from golive.checks import JudgeContext
from golive.checks.exact import exact
from golive.collectors import Evidence
from golive.model import Finding, Outcome, Status
from golive.testevidence import parse_timestamp

if TYPE_CHECKING:
    from golive.collectors.git import GitData
    from golive.collectors.junit import JUnitData, Suite
    from golive.testevidence.artifacts import CommandRecord, ReportFile

MIN_SHA = 7


class Distrust(Exception):
    """An artifact that cannot be trusted yet; carries the outcome that says why."""

    def __init__(self, outcome: Outcome) -> None:
        super().__init__(outcome.summary)
        self.outcome = outcome


def release_commit(ctx: JudgeContext) -> tuple[str | None, str]:
    git = ctx.evidence.get("git")
    if git is None:
        return None, "git evidence not collected"
    if git.error or git.missing:
        return None, f"git: {git.error or git.missing}"
    return str(cast("GitData", git.data).get("commit") or "") or None, "git evidence has no commit"


def command_text(command: CommandRecord) -> str:
    return shlex.join(command["argv"])


def trusted(files: list[ReportFile], command: CommandRecord | None, what: str, item: ItemSpec, ctx: JudgeContext) -> list[str]:
    """Raise `Distrust` unless every file is readable, this run's, fresh and of the release
    commit; returns notes on identity for the summary."""
    if command is not None:
        if command.get("failed_to_start"):
            raise Distrust(Outcome(Status.ERROR, f"could not start `{command_text(command)}`: {command['failed_to_start']}"))
        if command["timed_out"]:
            raise Distrust(
                Outcome(Status.INSUFFICIENT, f"`{command_text(command)}` did not finish within {command['timeout']:g} s (killed)")
            )
    if not files:
        if command is not None:
            tail = command.get("output_tail") or ""
            raise Distrust(
                Outcome(
                    Status.ERROR,
                    f"`{command_text(command)}` exited {command['exit_code']} and wrote no {what}" + (f": {tail[-200:]}" if tail else ""),
                )
            )
        raise Distrust(Outcome(Status.INSUFFICIENT, f"no {what} found"))
    broken = [entry["error"] for entry in files if "error" in entry]
    if broken:
        raise Distrust(Outcome(Status.ERROR, "; ".join(broken)))
    started = parse_timestamp(command["started_at"]) if command else None
    release, unknown = release_commit(ctx)
    notes = []
    for entry in files:
        path, report = entry["path"], entry["report"]
        mtime = parse_timestamp(entry["mtime"])
        if started is None:
            problem = report.get("timestamp_problem")
            if problem:
                raise Distrust(Outcome(Status(problem["status"]), problem["detail"]))
            fresh(path, parse_timestamp(report.get("timestamp")), mtime, item, ctx)
        elif mtime is None or mtime < started.replace(microsecond=0):
            # A leftover from an earlier run; whatever golive ran this time did not write it.
            raise Distrust(Outcome(Status.INSUFFICIENT, f"{path} predates `{command_text(command or {})}`: the command did not write it"))
        commits = report.get("commits") or []
        if not commits:
            notes.append(f"{path} records no commit ({'written by this run' if started else 'judged on freshness'})")
            continue
        if release is None:
            raise Distrust(
                Outcome(Status.INSUFFICIENT, f"{path} records commit {commits[0][:12]} but the release commit is unknown ({unknown})")
            )
        for commit in commits:
            if not (commit == release or (len(commit) >= MIN_SHA and release.startswith(commit))):
                raise Distrust(
                    Outcome(
                        Status.INSUFFICIENT,
                        f"{path} records commit {commit[:12]}, not the release commit {release[:12]}: stale or foreign run",
                    )
                )
        notes.append(f"{path} at commit {release[:12]}")
    return notes


def fresh(path: str, inner: dt.datetime | None, mtime: dt.datetime | None, item: ItemSpec, ctx: JudgeContext) -> None:
    """An ingested artifact's own timestamp (else its mtime) lies within max_age_hours before --as-of."""
    moment, origin = (inner, "its timestamp") if inner else (mtime, "file mtime")
    if moment is None:
        raise Distrust(Outcome(Status.INSUFFICIENT, f"{path}: no timestamp and no mtime"))
    if moment > ctx.as_of:
        raise Distrust(
            Outcome(Status.INSUFFICIENT, f"{path} is dated {moment.isoformat()} ({origin}), after --as-of {ctx.as_of.isoformat()}")
        )
    age = ctx.as_of - moment
    # Ages compare exactly: microseconds against the limit's decimal text.
    limit_us = exact(item.params["max_age_hours"]) * 3600 * 1_000_000
    if age // dt.timedelta(microseconds=1) > limit_us:
        hours = age.total_seconds() / 3600
        raise Distrust(
            Outcome(Status.INSUFFICIENT, f"{path} is {hours:.1f} h old ({origin}); at most {item.params['max_age_hours']} h allowed")
        )


def suite_entry(evidence: Evidence, name: str) -> Suite:
    entry = cast("JUnitData", evidence.data).get("suites", {}).get(name)
    if entry is None:
        raise Distrust(Outcome(Status.INSUFFICIENT, f"sources.junit.{name} not configured"))
    return entry.copy()


def totals_of(files: list[ReportFile]) -> dict[str, Any]:
    counters = ("tests", "passed", "failures", "errors", "skipped", "skipped_no_chromium")
    totals: dict[str, Any] = {**dict.fromkeys(counters, 0), "failed": [], "skips": []}
    for entry in files:
        report = entry["report"]
        for key in counters:
            totals[key] += report.get(key, 0)
        totals["failed"] += [{**case, "path": entry["path"]} for case in report["failed"]]
        totals["skips"] += [{**case, "path": entry["path"]} for case in report["skips"]]
    return totals


def failure_findings(totals: dict[str, Any]) -> list[Finding]:
    return [
        Finding(f"test:{case['id']}", Status.FAIL, f"{case['kind']} in {case['id']} ({case['path']}): {case['message']}")
        for case in totals["failed"]
    ]


def junit_outcome(totals: dict[str, Any], min_tests: int, names: str, notes: list[str]) -> Outcome:
    """Failures as findings (waivable one by one); too few executed tests as the item's own status."""
    executed = totals["tests"] - totals["skipped"]
    findings = failure_findings(totals)
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


def exit_contradicts(command: CommandRecord | None, totals: dict[str, Any]) -> Outcome | None:
    """A suite command that failed while its report shows nothing failing wrote a partial or
    stale report (pytest exits 2 when interrupted, 3 on an internal error, 5 with no test):
    the report cannot be taken at its word."""
    if command is None or command.get("exit_code") in (None, 0) or totals["failures"] + totals["errors"] > 0:
        return None
    return Outcome(
        Status.ERROR,
        f"`{command_text(command)}` exited {command['exit_code']} although its report shows no failure or error: the report may be partial",
    )


def names_of(files: list[ReportFile]) -> str:
    shown = [entry["path"] for entry in files]
    return ", ".join(shown[:3]) + (f" and {len(shown) - 3} more" if len(shown) > 3 else "")
