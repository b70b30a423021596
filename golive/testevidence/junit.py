"""JUnit XML in the variants real runners write.

Accepted: a `<testsuites>` or a lone `<testsuite>` root, suites nested to any depth
(Maven Surefire, pytest's `xunit1`/`xunit2`, Playwright's junit reporter, Jest, Go's
gotestsum). Counts come from the `<testcase>` elements themselves, never from the
`tests=`/`failures=` attributes, which runners fill inconsistently.

A testcase is failed when it has a `<failure>`, errored with an `<error>`, skipped with a
`<skipped>`, and passed otherwise; Surefire's `<flakyFailure>`/`<rerunFailure>` and
Playwright's retry entries describe earlier attempts of a test that finally passed.

The skip reason is the `<skipped message=…>` (or its text), or the value of a testcase
property named `skip` (Playwright turns `test.skip(condition, reason)` into that).

The commit a report was produced from is any `<property>` (suite or testcase level) named
one of `COMMIT_PROPERTIES`, e.g. pytest's `record_testsuite_property("commit", sha)` or a
Playwright annotation `{type: "commit", description: sha}`.

XML is parsed with defusedxml with DTDs refused, so entity-expansion ("billion laughs")
and external-entity files are errors, not memory exhaustion or file disclosure.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import Element, ParseError

import defusedxml
import defusedxml.ElementTree as SafeET

from golive.testevidence import MAX_BYTES, EvidenceFileError, iso, read_bytes, report_timestamp

# The documented way a Playwright run records "this machine has no Chromium": a skipped
# testcase whose reason contains this marker (test.skip(!chromium, "no-chromium: ...")).
# Counted over every testcase, not only the listed ones, so "every skip is documented"
# is decided on the whole report.
NO_CHROMIUM_MARKER = "no-chromium:"
COMMIT_PROPERTIES = frozenset({"commit", "git_commit", "git.commit", "revision"})
# Enough to name what broke; a suite with thousands of failures is summarised by its counts.
MAX_LISTED = 50


def parse_junit(path: Path, max_bytes: int = MAX_BYTES) -> dict[str, Any]:
    """Counts, failed and skipped testcases, timestamps and recorded commits of one report."""
    root = xml_root(path, max_bytes)
    tag = local_name(root.tag)
    if tag not in ("testsuites", "testsuite"):
        raise EvidenceFileError(path, f"root element <{tag}> is not a JUnit report (expected <testsuites> or <testsuite>)")
    counts = {"tests": 0, "passed": 0, "failures": 0, "errors": 0, "skipped": 0, "skipped_no_chromium": 0}
    failed: list[dict[str, str]] = []
    skips: list[dict[str, str]] = []
    commits: set[str] = set()
    timestamps: list[dt.datetime] = []
    problems: list[dict[str, str]] = []
    stack = [root]
    # Iterative walk: a hostile file nested a million levels deep must not hit the recursion limit.
    while stack:
        element = stack.pop()
        name = local_name(element.tag)
        if name in ("testsuites", "testsuite"):
            moment, problem = report_timestamp(element.get("timestamp"), f"{path}: <{name} name={element.get('name', '')!r}>")
            if moment:
                timestamps.append(moment)
            if problem:
                problems.append(problem)
        if name == "property" and (element.get("name") or "").strip().lower() in COMMIT_PROPERTIES:
            value = (element.get("value") or element.text or "").strip()
            if value:
                commits.add(value)
        if name == "testcase":
            _count_case(element, counts, failed, skips)
            commits.update(_case_commits(element))
            continue
        stack.extend(reversed(list(element)))
    return {
        "format": "junit",
        **counts,
        "timestamp": iso(min(timestamps)) if timestamps and not problems else None,
        # An error (unparseable) outranks an ambiguous (offset-less) timestamp.
        "timestamp_problem": min(problems, key=lambda problem: problem["status"] != "error") if problems else None,
        "commits": sorted(commits),
        "failed": failed[:MAX_LISTED],
        "skips": skips[:MAX_LISTED],
    }


def xml_root(path: Path, max_bytes: int) -> Element:
    raw = read_bytes(path, max_bytes)
    try:
        root: Element = SafeET.fromstring(raw, forbid_dtd=True)
    except ParseError as exc:
        line, column = getattr(exc, "position", (None, None))
        raise EvidenceFileError(path, f"malformed XML: {_reason(exc)}" + (f" (column {column})" if column else ""), line) from None
    except defusedxml.DefusedXmlException as exc:
        raise EvidenceFileError(path, f"refused: {exc} (DTDs and entities are not allowed in reports)") from None
    except (ValueError, RecursionError) as exc:
        raise EvidenceFileError(path, f"malformed XML: {exc}") from None
    return root


def _reason(exc: ParseError) -> str:
    return str(exc).split(": line")[0]


def local_name(tag: Any) -> str:
    # Comments and processing instructions have a callable tag; namespaced tags look like {uri}name.
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _count_case(case: Element, counts: dict[str, int], failed: list[dict[str, str]], skips: list[dict[str, str]]) -> None:
    counts["tests"] += 1
    children = {local_name(child.tag): child for child in case}
    ident = _case_id(case)
    for kind, counter in (("error", "errors"), ("failure", "failures")):
        if kind in children:
            counts[counter] += 1
            element = children[kind]
            message = element.get("message") or next(iter((element.text or "").strip().splitlines()), "")
            failed.append({"id": ident, "kind": kind, "message": _short(message)})
            return
    if "skipped" in children:
        counts["skipped"] += 1
        element = children["skipped"]
        reason = element.get("message") or (element.text or "").strip() or _case_property(case, "skip") or ""
        if NO_CHROMIUM_MARKER in reason.lower():
            counts["skipped_no_chromium"] += 1
        skips.append({"id": ident, "reason": _short(reason)})
        return
    counts["passed"] += 1


def _case_id(case: Element) -> str:
    name = case.get("name") or "(unnamed)"
    classname = case.get("classname")
    return f"{classname}::{name}" if classname else name


def _case_property(case: Element, wanted: str) -> str | None:
    for properties in case:
        if local_name(properties.tag) != "properties":
            continue
        for prop in properties:
            if local_name(prop.tag) == "property" and prop.get("name") == wanted:
                return prop.get("value") or (prop.text or "")
    return None


def _case_commits(case: Element) -> set[str]:
    found = set()
    for properties in case:
        if local_name(properties.tag) != "properties":
            continue
        for prop in properties:
            if local_name(prop.tag) == "property" and (prop.get("name") or "").strip().lower() in COMMIT_PROPERTIES:
                value = (prop.get("value") or prop.text or "").strip()
                if value:
                    found.add(value)
    return found


def _short(text: str, limit: int = 300) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
