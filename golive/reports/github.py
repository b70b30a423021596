"""GitHub Actions: a job summary and workflow-command annotations.

`--format github` writes github-summary.md (Markdown for the job summary page); `golive
check` and `golive report` also append it to the file `$GITHUB_STEP_SUMMARY` names, when
set, and print `workflow_commands()` to stdout, where the runner turns each `::error` /
`::warning` / `::notice` line into an annotation on the run. Workflow commands are one
line each: every value goes through one_line and the toolkit's escaping (`%`, CR and LF
in the message; also `:` and `,` in properties), so evidence can neither end a command
early nor start one of its own.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from golive.model import WORST_FIRST
from golive.reports import Assets, Document, register
from golive.reports.common import blockers, grouped, is_decision, md_code, md_text, notices, one_line, status_text

# Annotation level per blocking status; a `warn` item never blocks and is a warning.
_LEVEL = {"fail": "error", "error": "error", "insufficient": "error", "pending": "warning"}
_VERDICT_ICON = {"GO": "🟢", "GO pending sign-off": "🟡", "NO-GO": "🔴", "PARTIAL PASS": "🟡"}


@register("github", "github-summary.md")
def render(document: Document, assets: Assets | None = None) -> str:
    release = document.get("release") or {}
    verdict = document["decision"]["verdict"]
    lines = [
        f"## {_VERDICT_ICON.get(verdict, '')} golive: {md_text(verdict)} ({md_text(document['environment'])})".replace("  ", " "),
        "",
        f"Release {md_text(release.get('version') or 'unknown')}, commit {md_code((release.get('commit') or 'unknown')[:12])}, "
        f"judged as of {md_text(document['as_of'])}.",
        "",
    ]
    lines += [f"> **{md_text(notice)}**" for notice in notices(document)]
    judged = [item for item in document["items"] if not is_decision(item)]
    counts = Counter(item["status"] for item in judged)
    lines += ["", " · ".join(f"{counts[status.value]} {status.value}" for status in WORST_FIRST if counts[status.value]), ""]
    stopping = blockers(document)
    if stopping:
        lines += ["### What blocks the release", ""]
        for item in stopping:
            lines.append(f"- {md_code(item['id'])} **{md_text(status_text(item))}**: {md_text(item['summary'])}")
            if item.get("fix"):
                lines.append(f"  - How to fix: {md_text(item['fix'])}")
        lines.append("")
    lines += ["<details><summary>Every item</summary>", "", "| Item | Status | Summary |", "|---|---|---|"]
    for _, items in grouped(document):
        for item in items:
            if not is_decision(item):
                lines.append(f"| {_cell(md_code(item['id']))} | {_cell(md_text(status_text(item)))} | {_cell(md_text(item['summary']))} |")
    lines += ["", "</details>", ""]
    return "\n".join(lines)


def _cell(text: str) -> str:
    # A table cell ends at an unescaped pipe, code spans included (GitHub's table rule).
    return text.replace("|", "\\|")


def workflow_commands(document: Document) -> list[str]:
    """One workflow command per blocker (error, or warning while only sign-off is pending),
    per non-blocking warn item, per notice, and one notice with the verdict."""
    commands = [_command("warning", "golive", notice) for notice in notices(document)]
    stopping = blockers(document)
    blocking = {item["id"] for item in stopping}
    for item in stopping:
        level = _LEVEL.get(item["status"], "error")
        message = f"{item['summary']}" + (f" -- how to fix: {item['fix']}" if item.get("fix") else "")
        commands.append(_command(level, f"golive {item['id']}: {status_text(item)}", message))
    for item in document["items"]:
        if item["status"] == "warn" and item["id"] not in blocking and not is_decision(item):
            commands.append(_command("warning", f"golive {item['id']}: warn", item["summary"]))
    release = document.get("release") or {}
    commands.append(
        _command(
            "notice",
            "golive verdict",
            f"{document['decision']['verdict']}: {document['environment']} {release.get('version') or ''} "
            f"commit {(release.get('commit') or 'unknown')[:12]}",
        )
    )
    return commands


def _command(level: str, title: str, message: Any) -> str:
    return f"::{level} title={_property(one_line(title))}::{_data(one_line(message))}"


def _data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _property(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")
